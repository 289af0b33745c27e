"""The SQLite library of datasets, training jobs and models.

One database file (``paths.data_dir()/library.sqlite`` by default) in WAL mode, so the GUI can read while a
job writes. Every write runs in its own short transaction. Connections are per ``Library`` object and per
thread; open one ``Library`` per thread.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from greenrfm_core import paths
from greenrfm_core.library.migrations import migrate
from greenrfm_core.library.process import is_process_alive, process_start_time
from greenrfm_core.library.records import Dataset, Job, JobState, Model

logger = logging.getLogger(__name__)

LIBRARY_FILENAME = "library.sqlite"
MANIFEST_FILENAME = "manifest.json"
WEIGHTS_FILENAME = "model.safetensors"


def default_library_path() -> Path:
    """Return the library database path in the user's data folder."""
    return paths.data_dir() / LIBRARY_FILENAME


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """Read and check a model folder's ``manifest.json``.

    Raises:
        FileNotFoundError: the folder, the manifest or the weights file is missing.
        ValueError: the manifest is not valid JSON or has no task.
    """
    folder = Path(folder)
    manifest_path = folder / MANIFEST_FILENAME
    if not manifest_path.is_file():
        raise FileNotFoundError(
            f"{folder} is not a model folder: {MANIFEST_FILENAME} is missing. Choose the folder that "
            f"contains {MANIFEST_FILENAME} and {WEIGHTS_FILENAME}."
        )
    if not (folder / WEIGHTS_FILENAME).is_file():
        raise FileNotFoundError(
            f"Model folder {folder} has no {WEIGHTS_FILENAME}; the training run may be incomplete."
        )
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{manifest_path} is not valid JSON ({error}).") from error
    if not isinstance(manifest, dict) or not manifest.get("task"):
        raise ValueError(f"{manifest_path} has no 'task' field; it was not written by GreenRFM Studio.")
    return manifest


def _manifest_findings(manifest: dict[str, Any]) -> list[str]:
    findings = manifest.get("finding_ids") or manifest.get("findings")
    if findings is None and isinstance(manifest.get("schema"), dict):
        findings = manifest["schema"].get("findings", [])
    return [item["id"] if isinstance(item, dict) else str(item) for item in findings or []]


def _manifest_profile(manifest: dict[str, Any]) -> str | None:
    architecture = manifest.get("architecture")
    if isinstance(architecture, dict) and architecture.get("profile"):
        return str(architecture["profile"])
    return manifest.get("profile")


def _manifest_parent_folder(manifest: dict[str, Any]) -> str | None:
    provenance = manifest.get("provenance")
    if not isinstance(provenance, dict):
        return None
    for key in ("init_model", "parent_model", "init"):
        if provenance.get(key):
            return str(provenance[key])
    return None


class Library:
    """Read and write the datasets, jobs and models of one library database.

    Args:
        path: the database file; defaults to ``default_library_path()``. It is created and migrated to the
            current schema version on open.
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_library_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA busy_timeout = 10000")
        migrate(self._conn)

    def close(self) -> None:
        """Close the database connection."""
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # Datasets

    def add_dataset(
        self,
        name: str,
        studies_dir: str | Path,
        task: str,
        *,
        reports_file: str | Path | None = None,
        labels_file: str | Path | None = None,
        n_studies: int = 0,
        n_matched: int = 0,
        fingerprint: str | None = None,
    ) -> int:
        """Record a dataset and return its id."""
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO datasets (name, studies_dir, reports_file, labels_file, task, n_studies, n_matched,"
                " fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    name,
                    str(studies_dir),
                    str(reports_file) if reports_file else None,
                    str(labels_file) if labels_file else None,
                    task,
                    n_studies,
                    n_matched,
                    fingerprint,
                    time.time(),
                ),
            )
        return int(cursor.lastrowid)

    def get_dataset(self, dataset_id: int) -> Dataset:
        """Return one dataset; raises KeyError if the id is unknown."""
        row = self._conn.execute("SELECT * FROM datasets WHERE id = ?", (dataset_id,)).fetchone()
        if row is None:
            raise KeyError(f"No dataset with id {dataset_id} in {self.path}")
        return Dataset.from_row(row)

    def list_datasets(self) -> list[Dataset]:
        """Return all datasets, newest first."""
        rows = self._conn.execute("SELECT * FROM datasets ORDER BY created_at DESC, id DESC").fetchall()
        return [Dataset.from_row(row) for row in rows]

    # Jobs

    def add_job(
        self,
        task: str,
        command: list[str],
        run_dir: str | Path,
        events_file: str | Path,
        *,
        dataset_id: int | None = None,
    ) -> int:
        """Record a queued training job and return its id."""
        now = time.time()
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO jobs (dataset_id, task, state, command, run_dir, events_file, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    dataset_id,
                    task,
                    JobState.QUEUED.value,
                    json.dumps(command),
                    str(run_dir),
                    str(events_file),
                    now,
                    now,
                ),
            )
        return int(cursor.lastrowid)

    def mark_job_started(self, job_id: int, pid: int, command: list[str] | None = None) -> None:
        """Set a job to running with the process that runs it (a resume passes its new command)."""
        now = time.time()
        started = process_start_time(pid)
        with self._transaction() as conn:
            conn.execute(
                "UPDATE jobs SET state = ?, pid = ?, pid_started_at = ?, started_at = COALESCE(started_at, ?),"
                " finished_at = NULL, message = NULL, updated_at = ?, command = COALESCE(?, command) WHERE id = ?",
                (
                    JobState.RUNNING.value,
                    pid,
                    started,
                    now,
                    now,
                    json.dumps(command) if command else None,
                    job_id,
                ),
            )

    def set_job_state(
        self,
        job_id: int,
        state: JobState,
        *,
        message: str | None = None,
        final_metrics: dict[str, Any] | None = None,
    ) -> None:
        """Change a job's state; terminal states (failed, cancelled, done, interrupted) set the finish time."""
        state = JobState(state)
        now = time.time()
        finished = None if state.is_active or state == JobState.QUEUED else now
        with self._transaction() as conn:
            conn.execute(
                "UPDATE jobs SET state = ?, updated_at = ?, finished_at = ?, message = COALESCE(?, message),"
                " final_metrics = COALESCE(?, final_metrics) WHERE id = ?",
                (
                    state.value,
                    now,
                    finished,
                    message,
                    json.dumps(final_metrics) if final_metrics else None,
                    job_id,
                ),
            )
        logger.info("Job %d is now %s", job_id, state.value)

    def get_job(self, job_id: int) -> Job:
        """Return one job with its state refreshed from the process table; raises KeyError if unknown."""
        self.refresh_job_states()
        row = self._conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise KeyError(f"No job with id {job_id} in {self.path}")
        return Job.from_row(row)

    def list_jobs(self, states: list[JobState] | None = None) -> list[Job]:
        """Return jobs, newest first, optionally only those in ``states``; states are refreshed first."""
        self.refresh_job_states()
        rows = self._conn.execute("SELECT * FROM jobs ORDER BY created_at DESC, id DESC").fetchall()
        jobs = [Job.from_row(row) for row in rows]
        if states is not None:
            wanted = {JobState(state) for state in states}
            jobs = [job for job in jobs if job.state in wanted]
        return jobs

    def refresh_job_states(self) -> list[int]:
        """Mark running or paused jobs whose process is gone as interrupted.

        Returns:
            The ids of the jobs that were marked interrupted.
        """
        rows = self._conn.execute(
            "SELECT id, pid, pid_started_at FROM jobs WHERE state IN (?, ?)",
            (JobState.RUNNING.value, JobState.PAUSED.value),
        ).fetchall()
        interrupted = [row["id"] for row in rows if not is_process_alive(row["pid"], row["pid_started_at"])]
        for job_id in interrupted:
            logger.warning("Training job %d has no live process; marking it interrupted", job_id)
            self.set_job_state(
                job_id, JobState.INTERRUPTED, message="The training process stopped unexpectedly."
            )
        return interrupted

    # Models

    def register_model(
        self,
        folder: str | Path,
        *,
        name: str | None = None,
        job_id: int | None = None,
        parent_model_id: int | None = None,
    ) -> int:
        """Record a model folder from its manifest and return the model id.

        Registering a folder that is already in the library updates its record and keeps its id.

        Args:
            folder: a model folder with ``manifest.json`` and ``model.safetensors``.
            name: display name; defaults to the manifest's ``name`` or the folder name.
            job_id: the training job that wrote the folder, if any.
            parent_model_id: the model it was fine-tuned from; defaults to the library model whose folder the
                manifest's provenance names.

        Raises:
            FileNotFoundError, ValueError: the folder is not a valid model folder (see ``read_manifest``).
        """
        folder = Path(folder).resolve()
        manifest = read_manifest(folder)
        if parent_model_id is None and (parent_folder := _manifest_parent_folder(manifest)):
            parent = self.find_model_by_folder(parent_folder)
            parent_model_id = parent.id if parent else None
        values = (
            name or manifest.get("name") or folder.name,
            str(manifest["task"]),
            json.dumps(_manifest_findings(manifest)),
            _manifest_profile(manifest),
            json.dumps(manifest.get("metrics") or {}),
            parent_model_id,
            job_id,
        )
        with self._transaction() as conn:
            existing = conn.execute("SELECT id FROM models WHERE folder = ?", (str(folder),)).fetchone()
            if existing:
                conn.execute(
                    "UPDATE models SET name = ?, task = ?, findings = ?, profile = ?, metrics = ?,"
                    " parent_model_id = ?, job_id = COALESCE(?, job_id) WHERE id = ?",
                    (*values, existing["id"]),
                )
                model_id = int(existing["id"])
            else:
                cursor = conn.execute(
                    "INSERT INTO models (name, task, findings, profile, metrics, parent_model_id, job_id, folder,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*values, str(folder), time.time()),
                )
                model_id = int(cursor.lastrowid)
        logger.info("Registered model %d (%s)", model_id, folder)
        return model_id

    def get_model(self, model_id: int) -> Model:
        """Return one model; raises KeyError if the id is unknown."""
        row = self._conn.execute("SELECT * FROM models WHERE id = ?", (model_id,)).fetchone()
        if row is None:
            raise KeyError(f"No model with id {model_id} in {self.path}")
        return Model.from_row(row)

    def find_model_by_folder(self, folder: str | Path) -> Model | None:
        """Return the model registered for ``folder``, or None."""
        row = self._conn.execute(
            "SELECT * FROM models WHERE folder = ?", (str(Path(folder).resolve()),)
        ).fetchone()
        return Model.from_row(row) if row else None

    def list_models(self, task: str | None = None) -> list[Model]:
        """Return registered models, newest first, optionally for one task."""
        if task is None:
            rows = self._conn.execute("SELECT * FROM models ORDER BY created_at DESC, id DESC").fetchall()
        else:
            rows = self._conn.execute(
                "SELECT * FROM models WHERE task = ? ORDER BY created_at DESC, id DESC", (task,)
            ).fetchall()
        return [Model.from_row(row) for row in rows]

    def delete_model(self, model_id: int, remove_files: bool = True) -> None:
        """Remove a model from the library and, with ``remove_files``, delete its folder.

        The database row goes first, so a failure while deleting files never leaves a record that points at a
        half-deleted folder. Models fine-tuned from it keep their record with no parent.

        Raises:
            KeyError: the id is unknown.
            OSError: the folder could not be deleted (the record is already gone).
        """
        model = self.get_model(model_id)
        with self._transaction() as conn:
            conn.execute("DELETE FROM models WHERE id = ?", (model_id,))
        logger.info("Removed model %d from the library", model_id)
        folder = Path(model.folder)
        if remove_files and folder.exists():
            if not (folder / MANIFEST_FILENAME).is_file():
                raise OSError(
                    f"Not deleting {folder}: it has no {MANIFEST_FILENAME}, so it is not a model folder."
                )
            shutil.rmtree(folder)
            logger.info("Deleted model folder %s", folder)
