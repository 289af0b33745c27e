"""Three-plane knee MRI training, evaluation and prediction, and training on a custom finding schema.

The knee cohort comes from the phantom generator (DICOM series in PD, PD-FS and T1 per plane). One study
loses its sagittal series and one its axial T1 series. The run uses a spec file with small per-plane grids,
so one epoch per stage finishes in seconds on a CPU.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from training_data import make_nifti_cohort

from greenrfm_core.cli import main as cli_main
from greenrfm_core.modelfolder import load_model_folder
from greenrfm_core.phantom.cohort import generate_cohort
from greenrfm_core.preprocess import load_spec
from greenrfm_core.schemas import load_schema, schema_path
from greenrfm_core.training import TrainConfig, read_events, train
from greenrfm_core.training.setup import build_spec

SMALL_PLANE_GRIDS = {"sagittal": [8, 32, 32], "coronal": [32, 8, 32], "axial": [32, 32, 8]}
STUDY_WITHOUT_SAGITTAL = "PH0001"
STUDY_WITHOUT_AXIAL_T1 = "PH0002"
HELD_OUT_STUDY = "PH0009"


def _delete_series(study_dir: Path, description_prefix: str) -> int:
    """Delete the DICOM files of ``study_dir`` whose SeriesDescription starts with the prefix."""
    deleted = 0
    for path in study_dir.glob("*.dcm"):
        header = pydicom.dcmread(path, stop_before_pixels=True)
        if str(header.SeriesDescription).startswith(description_prefix):
            path.unlink()
            deleted += 1
    return deleted


@pytest.fixture(scope="module")
def knee(tmp_path_factory):
    root = tmp_path_factory.mktemp("knee")
    data = root / "studies"
    generate_cohort("knee-mri", 9, data, size="small", seed=3)
    held_out = root / "held_out"
    held_out.mkdir()
    shutil.move(str(data / HELD_OUT_STUDY), str(held_out / HELD_OUT_STUDY))
    assert _delete_series(data / STUDY_WITHOUT_SAGITTAL, "SAG ") > 0
    assert _delete_series(data / STUDY_WITHOUT_AXIAL_T1, "AX T1") > 0

    spec = load_spec("knee-mri")
    spec["shape"] = SMALL_PLANE_GRIDS
    spec_path = root / "knee-small.json"
    spec_path.write_text(json.dumps(spec), encoding="utf-8")

    out = root / "run"
    config = TrainConfig(task="knee-mri", spec=str(spec_path), data_dir=data, reports=data / "reports.csv",
                         out=out, profile="lite", stage="all", device="cpu", width_mult=0.125,
                         text_encoder="scratch", batch_size=4, epochs=1, seed=1,
                         events=str(out / "events.jsonl"))
    exit_code = train(config)
    return {"root": root, "data": data, "held_out": held_out / HELD_OUT_STUDY, "out": out,
            "exit_code": exit_code, "events": read_events(out / "events.jsonl")}


def _warnings(events: list[dict]) -> list[str]:
    return [event.get("message", "") for event in events if event["event"] == "warning"]


def test_knee_run_finishes_all_stages(knee):
    assert knee["exit_code"] == 0
    kinds = [event["event"] for event in knee["events"]]
    assert "error" not in kinds
    assert kinds[-1] == "done"
    for stage in ("vision", "text", "align"):
        stage_events = [event for event in knee["events"] if event.get("stage") == stage]
        assert any(event["event"] == "progress" for event in stage_events), stage
        assert any(event["event"] == "eval" for event in stage_events), stage
        assert json.loads((knee["out"] / stage / "stage.json").read_text())["completed"]


def test_knee_model_folder_loads(knee):
    folder = knee["out"] / "model"
    assert (folder / "model.onnx").is_file()
    loaded = load_model_folder(folder, device="cpu", with_text=False)
    assert loaded.config.kind == "mri3plane"
    assert loaded.config.planes == ("sagittal", "coronal", "axial")
    assert loaded.config.in_channels == 3
    assert loaded.spec["shape"] == SMALL_PLANE_GRIDS
    assert list(loaded.finding_ids) == load_schema("knee-mri").finding_ids


def test_study_missing_plane_skipped(knee):
    warnings = _warnings(knee["events"])
    skipped = [text for text in warnings if STUDY_WITHOUT_SAGITTAL in text]
    assert skipped, warnings
    assert "sagittal" in skipped[0]
    assert any(text.startswith("Skipped 1 unreadable or incomplete studies") for text in warnings)
    run = json.loads((knee["out"] / "run.json").read_text())
    assert run["data"]["unreadable_studies"] == 1
    assert run["data"]["train_studies"] + run["data"]["validation_studies"] == 7


def test_missing_sequence_becomes_zero_channel(knee):
    warnings = _warnings(knee["events"])
    assert any(STUDY_WITHOUT_AXIAL_T1 in text and "axial T1" in text for text in warnings), warnings
    assert any(text.startswith("1 missing MRI series in 1 studies") for text in warnings), warnings


def test_predict_held_out_knee_study(knee):
    from greenrfm_core.inference import Predictor

    for engine in ("torch", "onnx"):
        prediction = Predictor(knee["out"] / "model", engine=engine, device="cpu").predict(knee["held_out"])
        probabilities = np.asarray(prediction.probabilities)
        assert probabilities.shape == (14,), engine
        assert np.all((probabilities >= 0) & (probabilities <= 1)), engine
        assert list(prediction.finding_ids) == load_schema("knee-mri").finding_ids


def test_evaluate_cli_on_knee_model(knee, capsys):
    exit_code = cli_main(["evaluate", "--model", str(knee["out"] / "model"), "--data", str(knee["data"]),
                          "--reports", str(knee["data"] / "reports.csv"), "--bootstrap", "20", "--json"])
    assert exit_code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["studies"] == 7
    assert [item["study_id"] for item in result["skipped_studies"]] == [STUDY_WITHOUT_SAGITTAL]
    assert result["results"][0]["source"] == "classifier"


def test_input_shape_rejected_for_mri_spec(tmp_path):
    config = TrainConfig(task="knee-mri", data_dir=tmp_path, out=tmp_path, input_shape=(32, 32, 8))
    with pytest.raises(ValueError, match="--spec"):
        build_spec(config, load_schema("knee-mri"))


def _custom_ct_schema(path: Path, finding_ids: list[str]) -> None:
    chest = json.loads(schema_path("chest-ct").read_text(encoding="utf-8"))
    by_id = {finding["id"]: finding for finding in chest["findings"]}
    findings = [by_id[finding_id] for finding_id in finding_ids]
    document = {"task": "my-chest-findings", "version": 1, "modality": "CT", "unmentioned": 0,
                "findings": findings}
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def test_custom_ct_schema_trains(tmp_path):
    cohort = make_nifti_cohort(tmp_path / "cohort", n=8)
    finding_ids = ["pleural_effusion", "lung_nodule", "cardiomegaly"]
    schema_file = tmp_path / "my-chest-findings.json"
    _custom_ct_schema(schema_file, finding_ids)
    labels = tmp_path / "labels-3.csv"
    with cohort["labels"].open(newline="") as source, labels.open("w", newline="") as target:
        writer = csv.DictWriter(target, fieldnames=["study_id", *finding_ids])
        writer.writeheader()
        for row in csv.DictReader(source):
            writer.writerow({key: row[key] for key in ["study_id", *finding_ids]})

    out = tmp_path / "run"
    command = [sys.executable, "-m", "greenrfm_core", "train", "--task", str(schema_file),
               "--data", str(cohort["data"]), "--labels", str(labels), "--out", str(out),
               "--events", str(out / "events.jsonl"), "--stage", "vision", "--epochs", "1", "--profile", "lite",
               "--device", "cpu", "--input-shape", "32", "32", "16", "--spacing", "6", "6", "12",
               "--width-mult", "0.125", "--batch-size", "4", "--seed", "1"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    finished = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120,
                              env=env)
    assert finished.returncode == 0, finished.stderr[-2000:]

    loaded = load_model_folder(out / "model", device="cpu", with_text=False)
    assert list(loaded.finding_ids) == finding_ids
    assert loaded.spec["task"] == "chest-ct"
    assert loaded.spec["shape"] == [32, 32, 16]
    assert read_events(out / "events.jsonl")[-1]["event"] == "done"
