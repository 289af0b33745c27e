"""MUST training: stages, profiles and memory planning, checkpoints, resume, signals, OOM fallback, DDP, events.

Entry point: :func:`train` with a :class:`TrainConfig`, which ``greenrfm train`` fills from its arguments.
"""

from greenrfm_core.training.config import TrainConfig
from greenrfm_core.training.events import EventWriter, read_events
from greenrfm_core.training.run import train
from greenrfm_core.training.signals import TrainingControl

__all__ = ["EventWriter", "TrainConfig", "TrainingControl", "read_events", "train"]
