"""Settings of one training run, filled from ``greenrfm train`` arguments or by the GUI."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

# Peak learning rates per stage, for AdamW with warm-up and cosine decay.
DEFAULT_LR = {"vision": 1e-3, "text": 5e-4, "align": 3e-4, "finetune": 3e-4}
# Pretrained (MiniLM or local Hugging Face) text encoder weights train at this fraction of the stage rate.
PRETRAINED_TEXT_LR_SCALE = 0.1


@dataclass
class TrainConfig:
    """Everything a training run needs.

    Attributes:
        task: task name (``chest-ct``) or schema JSON path.
        spec: preprocessing spec, a task name (``chest-ct``) or spec JSON path. ``None`` uses the ``init``
            model's spec, else the schema task's built-in spec, else ``chest-ct`` for a CT schema and
            ``knee-mri`` for an MR one.
        data_dir: folder of studies.
        out: run folder; holds ``run.json``, one folder per stage and the final ``model/``.
        reports: reports CSV/XLSX (labelled by the rule-based labeler when ``labels`` is not given).
        labels: labels CSV.
        profile: ``lite``, ``standard`` or ``auto``.
        stage: ``all``, ``vision``, ``text``, ``align`` or ``finetune``.
        init: model folder to start from (required for ``finetune``; optional for the other stages).
        resume: continue from the newest checkpoint in ``out``.
        events: JSON-lines event target, a path or ``-``.
        epochs: epochs per stage.
        batch_size: effective batch per optimizer step.
        device: ``auto``, ``cpu``, ``cuda``, ``cuda:N`` or ``mps``.
        input_shape: network input (x, y, z) in voxels, overriding the task spec's shape (CT specs only).
        spacing: voxel spacing (x, y, z) in mm, overriding the task spec's spacing.
        width_mult: multiplier on the ResNet-18 stage widths 64-128-256-512.
        text_encoder: ``minilm``, ``scratch`` or a local Hugging Face folder path.
        seed: seed of the split, initialisation, sampling and augmentation.
        workers: DataLoader worker processes.
        val_fraction: share of studies (split by patient) held out for validation.
        split: ``study_id,split`` CSV fixing the split; ``OUT/split.csv`` is used when it exists.
        lr: peak learning rate for every stage, or ``None`` for the per-stage defaults.
        linear_probe: in ``finetune``, train only the classifier.
        checkpointing: ``auto`` (the planner decides), ``on`` or ``off``.
        checkpoint_every: also checkpoint every N optimizer steps (0: epoch ends, every 10 minutes, on stop).
        pos_weight: weight positive labels by negatives/positives per finding.
        augment: light shift and intensity augmentation of training volumes.
        latent_dim: size of the shared image-text latent space.
    """

    task: str
    data_dir: Path
    out: Path
    reports: Path | None = None
    labels: Path | None = None
    profile: str = "auto"
    stage: str = "all"
    init: Path | None = None
    resume: bool = False
    events: str | None = None
    epochs: int = 10
    batch_size: int = 8
    device: str = "auto"
    input_shape: tuple[int, int, int] | None = None
    spacing: tuple[float, float, float] | None = None
    width_mult: float = 1.0
    text_encoder: str = "minilm"
    seed: int = 0
    workers: int = 0
    val_fraction: float = 0.2
    split: Path | None = None
    lr: float | None = None
    linear_probe: bool = False
    checkpointing: str = "auto"
    checkpoint_every: int = 0
    pos_weight: bool = False
    augment: bool = True
    latent_dim: int = 256
    spec: str | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return the settings as JSON-ready values (paths as strings)."""
        data = asdict(self)
        for key, value in data.items():
            if isinstance(value, Path):
                data[key] = str(value)
            elif isinstance(value, tuple):
                data[key] = list(value)
        return data
