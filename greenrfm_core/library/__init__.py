"""SQLite library of datasets, training jobs and models, with versioned schema migrations (no Qt)."""

from greenrfm_core.library.events import EventTail, TrainingEvent
from greenrfm_core.library.fingerprint import fingerprint_dataset
from greenrfm_core.library.migrations import SCHEMA_VERSION, migrate
from greenrfm_core.library.process import is_process_alive
from greenrfm_core.library.records import Dataset, Job, JobState, Model
from greenrfm_core.library.store import Library, default_library_path, read_manifest

__all__ = [
    "SCHEMA_VERSION",
    "Dataset",
    "EventTail",
    "Job",
    "JobState",
    "Library",
    "Model",
    "TrainingEvent",
    "default_library_path",
    "fingerprint_dataset",
    "is_process_alive",
    "migrate",
    "read_manifest",
]
