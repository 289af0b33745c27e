"""Row types returned by the library."""

from __future__ import annotations

import enum
import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any


class JobState(str, enum.Enum):
    """Life cycle of a training job."""

    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    INTERRUPTED = "interrupted"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DONE = "done"

    @property
    def is_active(self) -> bool:
        """Whether a live process should exist for a job in this state."""
        return self in (JobState.RUNNING, JobState.PAUSED)

    @property
    def is_resumable(self) -> bool:
        """Whether ``greenrfm train --resume`` can continue a job in this state."""
        return self in (JobState.INTERRUPTED, JobState.CANCELLED, JobState.FAILED)


def _json_or(value: str | None, default: Any) -> Any:
    return json.loads(value) if value else default


@dataclass
class Dataset:
    """A studies folder with its reports or labels, as scanned and matched for one task."""

    id: int
    name: str
    studies_dir: str
    reports_file: str | None
    labels_file: str | None
    task: str
    n_studies: int
    n_matched: int
    fingerprint: str | None
    created_at: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Dataset:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


@dataclass
class Job:
    """A training run: the command, its process and where it writes events and checkpoints."""

    id: int
    dataset_id: int | None
    task: str
    state: JobState
    command: list[str]
    pid: int | None
    pid_started_at: float | None
    run_dir: str
    events_file: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    updated_at: float | None
    final_metrics: dict[str, Any] = field(default_factory=dict)
    message: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        return cls(
            id=row["id"],
            dataset_id=row["dataset_id"],
            task=row["task"],
            state=JobState(row["state"]),
            command=json.loads(row["command"]),
            pid=row["pid"],
            pid_started_at=row["pid_started_at"],
            run_dir=row["run_dir"],
            events_file=row["events_file"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            updated_at=row["updated_at"],
            final_metrics=_json_or(row["final_metrics"], {}),
            message=row["message"],
        )


@dataclass
class Model:
    """A registered model folder (manifest JSON + safetensors weights, ONNX once exported)."""

    id: int
    folder: str
    name: str
    task: str
    findings: list[str]
    profile: str | None
    metrics: dict[str, Any]
    parent_model_id: int | None
    job_id: int | None
    created_at: float

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Model:
        return cls(
            id=row["id"],
            folder=row["folder"],
            name=row["name"],
            task=row["task"],
            findings=json.loads(row["findings"]),
            profile=row["profile"],
            metrics=_json_or(row["metrics"], {}),
            parent_model_id=row["parent_model_id"],
            job_id=row["job_id"],
            created_at=row["created_at"],
        )
