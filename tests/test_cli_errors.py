"""Command-line errors and output: bad input gets one line and an exit code, tables stay aligned."""

from __future__ import annotations

import json

import pytest
from test_inference_parity import make_folder, phantom_ct

from greenrfm_core.cli import main as cli_main
from greenrfm_core.cli.predict import format_table
from greenrfm_core.io import write_nifti


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    return make_folder(tmp_path_factory.mktemp("model"))


@pytest.mark.parametrize("kind", ["empty_folder", "text_file"])
def test_predict_bad_study_no_traceback(tmp_path, capsys, model_folder, kind):
    if kind == "empty_folder":
        study = tmp_path / "empty"
        study.mkdir()
    else:
        study = tmp_path / "notes.txt"
        study.write_text("not an image\n", encoding="utf-8")
    code = cli_main(["predict", str(study), "--model", str(model_folder)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("greenrfm predict: error: ")
    assert str(tmp_path) in err
    assert "Traceback" not in err


def test_predict_verbose_shows_traceback(tmp_path, capsys, model_folder):
    study = tmp_path / "empty"
    study.mkdir()
    assert cli_main(["-v", "predict", str(study), "--model", str(model_folder)]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_convert_unwritable_out_no_traceback(tmp_path, capsys):
    study = write_nifti(phantom_ct(1), tmp_path / "study.nii.gz")
    code = cli_main(["convert", str(study), "--out", "/proc/greenrfm-test.nii.gz"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("greenrfm convert: error: ")
    assert "/proc/greenrfm-test.nii.gz" in err
    assert "Traceback" not in err


def test_predict_notice_and_json_field(tmp_path, capsys, model_folder):
    study = write_nifti(phantom_ct(3), tmp_path / "study.nii.gz")
    capsys.readouterr()
    assert cli_main(["predict", str(study), "--model", str(model_folder)]) == 0
    captured = capsys.readouterr()
    assert "not for clinical use" in captured.err
    assert "not for clinical use" not in captured.out
    assert cli_main(["predict", str(study), "--model", str(model_folder), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert "not for clinical use" in result["clinical_use_notice"]


def test_predict_table_precision_and_width():
    long_name = "coronary_artery_wall_calcification_of_the_left_main_artery"
    result = {
        "engine": "torch",
        "device": "cpu",
        "timings_s": {"model_load": 0.1, "preprocess": 0.2, "model": 0.3},
        "findings": [
            {"id": long_name, "name": {"en": long_name}, "probability": 0.4991, "zero_shot_probability": None,
             "threshold": 0.49822, "positive": True},
            {"id": "emphysema", "name": {"en": "emphysema"}, "probability": 0.12, "zero_shot_probability": 0.3,
             "threshold": 0.5, "positive": False},
            # A nearly constant model: 4 decimals would print probability and threshold both as 0.5125.
            {"id": "atelectasis", "name": {"en": "atelectasis"}, "probability": 0.512498, "zero_shot_probability": None,
             "threshold": 0.512503, "positive": False},
        ],
    }
    lines = format_table(result, "en").splitlines()
    assert "0.4991" in lines[1]
    assert "0.4982" in lines[1]
    assert lines[1].startswith(long_name + " ")
    assert lines[3].split()[1] == "0.512498"
    assert lines[3].split()[3] == "0.512503"
    # Every row puts the result column at the same offset.
    offsets = {line.index("result") if "result" in line else line.rindex("tive") - 4 for line in lines[:4]}
    assert len(offsets) == 1


@pytest.mark.parametrize("command", ["train", "demo"])
def test_help_has_no_markup(capsys, command):
    with pytest.raises(SystemExit):
        cli_main([command, "--help"])
    out = capsys.readouterr().out
    assert "``" not in out
    assert f"greenrfm {command}" in out


@pytest.mark.parametrize("case", ["labels_without_findings", "unavailable_device"])
def test_train_user_error_plain(tmp_path, caplog, case):
    data = tmp_path / "data"
    data.mkdir()
    labels = tmp_path / "labels.csv"
    labels.write_text("study_id,foo\nS1,1\n", encoding="utf-8")
    events = tmp_path / "events.jsonl"
    out = tmp_path / "run"
    device = "cuda:99" if case == "unavailable_device" else "cpu"
    argv = ["train", "--task", "chest-ct", "--data", str(data), "--labels", str(labels), "--out", str(out),
            "--events", str(events), "--device", device]
    assert cli_main(argv) == 1
    error_records = [record for record in caplog.records if record.levelname == "ERROR"]
    assert error_records
    assert all(record.exc_info is None for record in error_records)
    messages = [json.loads(line)["message"] for line in events.read_text().splitlines()
                if json.loads(line)["event"] == "error"]
    assert len(messages) == 1
    assert not messages[0].startswith("ValueError")
    assert not out.exists()


def test_train_keeps_existing_out_folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    labels = tmp_path / "labels.csv"
    labels.write_text("study_id,foo\nS1,1\n", encoding="utf-8")
    out = tmp_path / "run"
    out.mkdir()
    argv = ["train", "--task", "chest-ct", "--data", str(data), "--labels", str(labels), "--out", str(out)]
    assert cli_main(argv) == 1
    assert out.is_dir()


def test_tokenizer_training_prints_nothing(capfd):
    from greenrfm_core.models import train_wordpiece_tokenizer

    train_wordpiece_tokenizer(["No pleural effusion.", "Small pneumothorax."] * 10, vocab_size=60, min_frequency=1)
    captured = capfd.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_demo_progress_note_and_cleanup(capsys):
    from greenrfm_core.paths import cache_dir

    argv = ["demo", "--n", "6", "--n-test", "4", "--epochs", "1", "--batch-size", "3", "--device", "cpu"]
    assert cli_main(argv) == 0
    captured = capsys.readouterr()
    for stage in ("vision", "text", "align"):
        assert f"{stage} epoch 1/1: loss " in captured.err
    assert "not a measure of the method" in captured.out
    assert "\n\n" not in captured.out
    assert "Removed the demo folder" in captured.err
    demo_root = cache_dir() / "demo"
    assert not demo_root.exists() or not any(demo_root.iterdir())
