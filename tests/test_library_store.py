"""Library database: migrations, jobs and interrupted-job detection, models, events files, fingerprints."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest
from safetensors.numpy import save_file

from greenrfm_core.library import (
    SCHEMA_VERSION,
    EventTail,
    JobState,
    Library,
    fingerprint_dataset,
    migrate,
    read_manifest,
)


def _write_model_folder(folder, task="chest-ct", findings=("pleural_effusion", "nodule"), init_model=None):
    folder.mkdir(parents=True)
    save_file(
        {"head.weight": np.zeros((len(findings), 4), dtype=np.float32)}, str(folder / "model.safetensors")
    )
    manifest = {
        "format_version": 1,
        "task": task,
        "schema": {"task": task, "findings": [{"id": finding} for finding in findings]},
        "architecture": {"name": "resnet18-3d", "profile": "lite"},
        "metrics": {"macro_auroc": 0.71},
        "provenance": {"init_model": str(init_model)} if init_model else {},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_migration_from_v1_keeps_rows(tmp_path):
    path = tmp_path / "library.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, target=1) == 1
    conn.execute(
        "INSERT INTO jobs (task, state, command, pid, run_dir, events_file, created_at, started_at)"
        " VALUES ('chest-ct', 'done', '[\"greenrfm\", \"train\"]', 4242, '/runs/a', '/runs/a/events.jsonl', 10.0, 11.0)"
    )
    conn.execute(
        "INSERT INTO models (folder, name, task, findings, created_at) VALUES ('/m/a', 'a', 'chest-ct', '[]', 1.0)"
    )
    conn.close()

    with Library(path) as library:
        version = library._conn.execute("PRAGMA user_version").fetchone()[0]
        job = library.list_jobs()[0]
        model = library.list_models()[0]
    assert version == SCHEMA_VERSION
    assert job.command == ["greenrfm", "train"]
    assert job.state is JobState.DONE
    assert job.updated_at == 11.0
    assert job.pid_started_at is None
    assert model.job_id is None


def test_migration_v2_makes_model_folder_unique(tmp_path):
    with Library(tmp_path / "library.sqlite") as library:
        library._conn.execute(
            "INSERT INTO models (folder, name, task, findings, created_at) VALUES ('/m/a', 'a', 'chest-ct', '[]', 1)"
        )
        with pytest.raises(sqlite3.IntegrityError):
            library._conn.execute(
                "INSERT INTO models (folder, name, task, findings, created_at) VALUES ('/m/a', 'b', 'chest-ct', '[]', 2)"
            )


def test_newer_database_is_rejected(tmp_path):
    path = tmp_path / "library.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RuntimeError, match="Update GreenRFM Studio"):
        Library(path)


def test_library_uses_wal(tmp_path):
    with Library(tmp_path / "library.sqlite") as library:
        mode = library._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_default_path_is_in_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("GREENRFM_HOME", str(tmp_path))
    with Library() as library:
        assert library.path == tmp_path / "data" / "library.sqlite"
        assert library.path.is_file()


def test_dataset_roundtrip_and_fingerprint(tmp_path):
    studies = tmp_path / "studies"
    (studies / "s1").mkdir(parents=True)
    (studies / "s1" / "1.dcm").write_bytes(b"x" * 10)
    reports = tmp_path / "reports.csv"
    reports.write_text("study_id,report\ns1,No effusion.\n", encoding="utf-8")
    before = fingerprint_dataset(studies, reports, None)

    with Library(tmp_path / "library.sqlite") as library:
        dataset_id = library.add_dataset(
            "cohort", studies, "chest-ct", reports_file=reports, n_studies=1, n_matched=1, fingerprint=before
        )
        dataset = library.get_dataset(dataset_id)
        with pytest.raises(KeyError):
            library.get_dataset(dataset_id + 1)
    assert dataset.fingerprint == before
    assert dataset.reports_file == str(reports)
    assert dataset.labels_file is None

    assert fingerprint_dataset(studies, reports) == before
    reports.write_text("study_id,report\ns1,Small effusion.\n", encoding="utf-8")
    assert fingerprint_dataset(studies, reports) != before


def test_fingerprint_sees_new_study_file(tmp_path):
    (tmp_path / "s1").mkdir()
    (tmp_path / "s1" / "1.dcm").write_bytes(b"x")
    before = fingerprint_dataset(tmp_path)
    (tmp_path / "s1" / "2.dcm").write_bytes(b"y")
    assert fingerprint_dataset(tmp_path) != before


def test_killed_job_becomes_interrupted(tmp_path):
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with Library(tmp_path / "library.sqlite") as library:
            job_id = library.add_job(
                "chest-ct", ["greenrfm", "train"], tmp_path / "run", tmp_path / "run" / "e.jsonl"
            )
            assert library.get_job(job_id).state is JobState.QUEUED
            library.mark_job_started(job_id, worker.pid)
            assert library.get_job(job_id).state is JobState.RUNNING
            assert library.get_job(job_id).pid_started_at is not None

            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            assert library.refresh_job_states() == [job_id]
            job = library.get_job(job_id)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert job.state is JobState.INTERRUPTED
    assert job.state.is_resumable
    assert job.finished_at is not None
    assert "stopped unexpectedly" in job.message


def test_reused_pid_counts_as_dead(tmp_path):
    with Library(tmp_path / "library.sqlite") as library:
        job_id = library.add_job("chest-ct", ["greenrfm", "train"], tmp_path, tmp_path / "e.jsonl")
        library.mark_job_started(job_id, os.getpid())
        # A start time of 1970 cannot match this live process, so the pid counts as reused.
        library._conn.execute("UPDATE jobs SET pid_started_at = 1.0 WHERE id = ?", (job_id,))
        assert library.get_job(job_id).state is JobState.INTERRUPTED


def test_live_job_stays_running(tmp_path):
    with Library(tmp_path / "library.sqlite") as library:
        job_id = library.add_job("chest-ct", ["greenrfm", "train"], tmp_path, tmp_path / "e.jsonl")
        library.mark_job_started(job_id, os.getpid())
        library.set_job_state(job_id, JobState.PAUSED)
        assert library.refresh_job_states() == []
        assert library.get_job(job_id).state is JobState.PAUSED
        library.set_job_state(job_id, JobState.DONE, final_metrics={"macro_auroc": 0.8})
        job = library.get_job(job_id)
        assert [j.id for j in library.list_jobs([JobState.DONE])] == [job_id]
        assert library.list_jobs([JobState.RUNNING]) == []
    assert job.final_metrics == {"macro_auroc": 0.8}
    assert job.finished_at is not None


def test_register_model_reads_manifest(tmp_path):
    parent_folder = _write_model_folder(tmp_path / "parent")
    child_folder = _write_model_folder(tmp_path / "child", init_model=parent_folder)
    with Library(tmp_path / "library.sqlite") as library:
        parent_id = library.register_model(parent_folder)
        child_id = library.register_model(child_folder, name="fine-tuned")
        again = library.register_model(child_folder, name="renamed")
        child = library.get_model(child_id)
        by_task = library.list_models(task="chest-ct")
        other_task = library.list_models(task="knee-mri")
    assert again == child_id
    assert child.name == "renamed"
    assert child.findings == ["pleural_effusion", "nodule"]
    assert child.profile == "lite"
    assert child.metrics == {"macro_auroc": 0.71}
    assert child.parent_model_id == parent_id
    assert len(by_task) == 2
    assert other_task == []


def test_register_rejects_incomplete_folder(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    with Library(tmp_path / "library.sqlite") as library:
        with pytest.raises(FileNotFoundError, match="manifest.json is missing"):
            library.register_model(folder)
        (folder / "manifest.json").write_text("{not json", encoding="utf-8")
        with pytest.raises(FileNotFoundError, match="model.safetensors"):
            library.register_model(folder)
        (folder / "model.safetensors").write_bytes(b"")
        with pytest.raises(ValueError, match="not valid JSON"):
            read_manifest(folder)


def test_delete_model_removes_files(tmp_path):
    parent_folder = _write_model_folder(tmp_path / "parent")
    child_folder = _write_model_folder(tmp_path / "child", init_model=parent_folder)
    kept_folder = _write_model_folder(tmp_path / "kept")
    with Library(tmp_path / "library.sqlite") as library:
        parent_id = library.register_model(parent_folder)
        child_id = library.register_model(child_folder)
        kept_id = library.register_model(kept_folder)

        library.delete_model(parent_id, remove_files=True)
        library.delete_model(kept_id, remove_files=False)
        remaining = [model.id for model in library.list_models()]
        child = library.get_model(child_id)
        with pytest.raises(KeyError):
            library.delete_model(parent_id)
    assert not parent_folder.exists()
    assert kept_folder.is_dir()
    assert remaining == [child_id]
    assert child.parent_model_id is None


def test_delete_refuses_non_model_folder(tmp_path):
    folder = _write_model_folder(tmp_path / "model")
    with Library(tmp_path / "library.sqlite") as library:
        model_id = library.register_model(folder)
        (folder / "manifest.json").unlink()
        with pytest.raises(OSError, match="not a model folder"):
            library.delete_model(model_id)
    assert (folder / "model.safetensors").is_file()


def test_event_tail_waits_for_complete_lines(tmp_path):
    path = tmp_path / "events.jsonl"
    tail = EventTail(path)
    assert tail.read_new() == []

    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps({"event": "start", "time": time.time()}) + "\n")
        handle.write('{"event": "progress", "step": 1')
        handle.flush()
        first = tail.read_new()
        handle.write(', "total_steps": 4}\nnot json\n{"no_event": 1}\n')
        handle.flush()
        second = tail.read_new()

    assert [event.kind for event in first] == ["start"]
    assert [event.kind for event in second] == ["progress"]
    assert second[0].get("total_steps") == 4
    assert tail.invalid_lines == 2
    assert EventTail(path, offset=0).read_new()[0].kind == "start"
