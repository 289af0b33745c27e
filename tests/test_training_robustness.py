"""Tests of checkpoints, resume after SIGKILL, SIGTERM/SIGINT/pause signals, OOM fallback and accumulation.

The subprocess tests run the real ``greenrfm train`` command on a tiny synthetic NIfTI cohort.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from file_limits import file_size_limit, file_size_limiter
from safetensors.torch import load_file
from training_data import make_nifti_cohort

from greenrfm_core.schemas import schema_path
from greenrfm_core.training import TrainConfig, TrainingControl, read_events, train
from greenrfm_core.training.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from greenrfm_core.training.step import MicroBatchStepper

SMALL_ARGS = ["--task", "chest-ct", "--profile", "lite", "--stage", "vision", "--device", "cpu",
              "--input-shape", "32", "32", "16", "--spacing", "6", "6", "12", "--width-mult", "0.125",
              "--batch-size", "4", "--seed", "1"]


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    return make_nifti_cohort(tmp_path_factory.mktemp("cohort"), n=12)


def _command(cohort, out: Path, epochs: int, *extra: str) -> list[str]:
    return [sys.executable, "-m", "greenrfm_core", "train", *SMALL_ARGS, "--data", str(cohort["data"]),
            "--labels", str(cohort["labels"]), "--out", str(out), "--events", str(out / "events.jsonl"),
            "--epochs", str(epochs), *extra]


def _env() -> dict:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).parent)}


def _wait_for_event(path: Path, predicate, process, timeout=120.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file():
            for event in read_events(path):
                if predicate(event):
                    return event
        if process.poll() is not None:
            raise AssertionError(f"training exited with {process.returncode} before the expected event")
        time.sleep(0.05)
    raise AssertionError("timed out waiting for a training event")


def _stage_record(out: Path) -> dict:
    return json.loads((out / "vision" / "stage.json").read_text())


def _config(cohort, out: Path, epochs: int, batch_size: int = 4) -> TrainConfig:
    return TrainConfig(task="chest-ct", data_dir=cohort["data"], labels=cohort["labels"], out=out,
                       profile="lite", stage="vision", device="cpu", input_shape=(32, 32, 16),
                       spacing=(6.0, 6.0, 12.0), width_mult=0.125, batch_size=batch_size, epochs=epochs,
                       seed=1, events=str(out / "events.jsonl"))


def test_resume_after_sigkill_continues_curve(cohort, tmp_path):
    reference_out = tmp_path / "reference"
    assert train(_config(cohort, reference_out, 6), TrainingControl()) == 0
    reference = _stage_record(reference_out)

    out = tmp_path / "killed"
    process = subprocess.Popen(_command(cohort, out, 6, "--checkpoint-every", "2"), env=_env(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_event(out / "events.jsonl",
                    lambda e: e["event"] == "checkpoint" and e.get("step", 0) >= 6, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    killed_at = json.loads(latest_checkpoint(out / "vision" / "checkpoints").read_text())["step"]
    assert killed_at < reference["total_steps"]

    subprocess.run(_command(cohort, out, 6, "--checkpoint-every", "2", "--resume"), env=_env(), check=True,
                   capture_output=True)
    resumed = _stage_record(out)
    assert resumed["steps"] == reference["steps"] == reference["total_steps"]
    assert [step for step, _ in resumed["loss_history"]] == list(range(1, reference["total_steps"] + 1))
    # Model, optimizer, RNG and sampler position are restored, so the curve repeats the uninterrupted one.
    for (step, loss), (_, expected) in zip(resumed["loss_history"], reference["loss_history"]):
        assert loss == pytest.approx(expected, rel=1e-3, abs=1e-4), f"loss differs at step {step}"
    events = read_events(out / "events.jsonl")
    assert any(e["event"] == "start" and "resumed from" in e.get("message", "") for e in events)
    assert events[-1]["event"] == "done"
    assert (out / "model" / "manifest.json").is_file()


def test_pause_resume_and_sigterm_stop(cohort, tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen(_command(cohort, out, 200), env=_env(), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    events_path = out / "events.jsonl"
    _wait_for_event(events_path, lambda e: e["event"] == "progress", process)
    process.send_signal(signal.SIGUSR1)
    paused = _wait_for_event(events_path, lambda e: e["event"] == "paused", process)
    time.sleep(0.5)
    progress_while_paused = [e for e in read_events(events_path) if e["event"] == "progress"
                             and e["step"] > paused["step"]]
    assert progress_while_paused == []
    process.send_signal(signal.SIGUSR2)
    _wait_for_event(events_path, lambda e: e["event"] == "resumed", process)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0, process.stderr.read().decode()[-2000:]
    events = read_events(events_path)
    assert not any(e["event"] == "done" for e in events)
    stop = [e for e in events if e["event"] == "warning" and "Stopped on request" in e["message"]]
    assert len(stop) == 1
    checkpoint = latest_checkpoint(out / "vision" / "checkpoints")
    assert checkpoint is not None
    assert json.loads(checkpoint.read_text())["step"] == stop[0]["step"]


def test_sigint_exit_code_is_130():
    control = TrainingControl()
    control.request_stop(signal.SIGINT)
    assert control.stop_requested
    assert control.exit_code == 130
    control.request_stop(signal.SIGTERM)
    assert control.exit_code == 0


def test_oom_fallback_halves_micro_batch(cohort, tmp_path, monkeypatch):
    monkeypatch.setenv("GREENRFM_INJECT_OOM_STEPS", "2,3")
    out = tmp_path / "oom"
    assert train(_config(cohort, out, epochs=2, batch_size=8), TrainingControl()) == 0
    warnings = [e["message"] for e in read_events(out / "events.jsonl") if e["event"] == "warning"]
    fallbacks = [w for w in warnings if w.startswith("Out of device memory")]
    assert len(fallbacks) == 2
    assert "micro-batch 8; continuing with micro-batch 4 and gradient accumulation 2" in fallbacks[0]
    assert "micro-batch 4; continuing with micro-batch 2" in fallbacks[1]
    record = _stage_record(out)
    assert record["micro_batch"] == 2
    assert record["steps"] == record["total_steps"]


def test_oom_without_fallback_stops(monkeypatch):
    # DDP runs turn the fallback off: one process must not change its number of micro-batches alone.
    monkeypatch.setenv("GREENRFM_INJECT_OOM_STEPS", "1")
    model = torch.nn.Linear(5, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)

    def loss_fn(module, batch):
        return module(batch["x"]).pow(2).mean(), {}

    stepper = MicroBatchStepper(model, optimizer, loss_fn, torch.device("cpu"), 4, allow_fallback=False)
    with pytest.raises(torch.cuda.OutOfMemoryError, match="distributed run"):
        stepper.step({"x": torch.randn(8, 5)}, 1)
    assert stepper.micro_batch == 4


def test_accumulation_matches_full_batch():
    torch.manual_seed(0)
    inputs = torch.randn(8, 5)
    targets = torch.randn(8, 1)

    def loss_fn(module, batch):
        loss = torch.nn.functional.mse_loss(module(batch["x"]), batch["y"])
        return loss, {}

    updated = []
    for micro_batch in (8, 2):
        torch.manual_seed(1)
        model = torch.nn.Linear(5, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        stepper = MicroBatchStepper(model, optimizer, loss_fn, torch.device("cpu"), micro_batch,
                                    max_grad_norm=0)
        loss, _ = stepper.step({"x": inputs, "y": targets}, 1)
        updated.append((loss, model.weight.detach().clone()))
    assert updated[0][0] == pytest.approx(updated[1][0], rel=1e-6)
    assert torch.allclose(updated[0][1], updated[1][1], atol=1e-6)


# 1 MiB per file: the cache entries and events of the tiny cohort fit, a checkpoint does not.
FILE_SIZE_LIMIT = 1 << 20


def test_failed_checkpoint_write_keeps_previous(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Linear(600, 600)  # 1.4 MB of weights, 4.3 MB with the AdamW moments
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.randn(2, 600)).sum().backward()
    optimizer.step()
    first = save_checkpoint(tmp_path, model, optimizer, {"step": 1, "epoch": 0})

    with file_size_limit(FILE_SIZE_LIMIT), pytest.raises(OSError, match="cannot write the checkpoint of step 2") as caught:
        save_checkpoint(tmp_path, model, optimizer, {"step": 2, "epoch": 0})
    assert "--resume continues from step-00000001.json" in str(caught.value)
    assert str(tmp_path) in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step-00000001.json", "step-00000001.safetensors"]
    assert latest_checkpoint(tmp_path) == first
    restored = torch.nn.Linear(600, 600)
    assert load_checkpoint(first, restored, torch.optim.AdamW(restored.parameters(), lr=1e-3))["step"] == 1
    assert torch.equal(restored.weight, model.weight)


def test_train_reports_full_disk_and_resumes(cohort, tmp_path):
    out = tmp_path / "full"
    failed = subprocess.run(_command(cohort, out, 2), env=_env(), preexec_fn=file_size_limiter(FILE_SIZE_LIMIT),
                            capture_output=True, text=True, timeout=600, check=False)
    assert failed.returncode == 1, failed.stderr[-2000:]
    errors = [e["message"] for e in read_events(out / "events.jsonl") if e["event"] == "error"]
    assert len(errors) == 1
    assert "cannot write the checkpoint of step" in errors[0]
    assert "free disk space" in errors[0]
    assert "Traceback" not in failed.stderr
    checkpoints = out / "vision" / "checkpoints"
    assert not [p.name for p in checkpoints.iterdir()], "a failed write left files behind"

    # With space again, --resume trains the stage to the end.
    resumed = subprocess.run(_command(cohort, out, 2, "--resume"), env=_env(), capture_output=True, text=True,
                             timeout=600, check=False)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    record = _stage_record(out)
    assert record["steps"] == record["total_steps"]


def test_checkpoint_round_trip_without_pickle(tmp_path):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.randn(6, 4)).sum().backward()
    optimizer.step()
    path = save_checkpoint(tmp_path, model, optimizer, {"step": 7, "epoch": 1, "loss_history": [[7, 0.5]]})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["step-00000007.json", "step-00000007.safetensors"]
    expected_random = torch.rand(3)

    restored = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3))
    restored_optimizer = torch.optim.AdamW(restored.parameters(), lr=1e-3)
    meta = load_checkpoint(path, restored, restored_optimizer)
    assert meta["step"] == 7
    assert torch.rand(3).equal(expected_random)  # RNG state restored to the moment of saving
    for name, tensor in model.state_dict().items():
        assert tensor.equal(restored.state_dict()[name]), name
    original_state = optimizer.state_dict()["state"][0]
    restored_state = restored_optimizer.state_dict()["state"][0]
    assert restored_state["exp_avg"].equal(original_state["exp_avg"])
    for step in (8, 9, 10):
        save_checkpoint(tmp_path, model, optimizer, {"step": step, "epoch": 1})
    assert latest_checkpoint(tmp_path).name == "step-00000010.json"
    assert len(list(tmp_path.glob("*.json"))) == 2


def test_finetune_linear_probe_new_schema(cohort, tmp_path):
    base_out = tmp_path / "base"
    assert train(_config(cohort, base_out, epochs=1), TrainingControl()) == 0
    document = json.loads(schema_path("chest-ct").read_text(encoding="utf-8"))
    document["findings"] = [f for f in document["findings"] if f["id"] in ("lung_nodule", "pleural_effusion")]
    subset = tmp_path / "subset.json"
    subset.write_text(json.dumps(document), encoding="utf-8")
    base_weights = load_file(str(base_out / "model" / "model.safetensors"))

    out = tmp_path / "finetune"
    config = _config(cohort, out, epochs=1)
    config.task = str(subset)
    config.stage = "finetune"
    config.init = base_out / "model"
    config.linear_probe = True
    assert train(config, TrainingControl()) == 0

    manifest = json.loads((out / "model" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["finding_ids"] == ["lung_nodule", "pleural_effusion"]
    assert manifest["provenance"]["parent_model"] == str(base_out / "model")
    weights = load_file(str(out / "model" / "model.safetensors"))
    assert weights["classifier.weight"].shape[0] == 2
    # A linear probe leaves the image encoder, batch-norm statistics included, as it was.
    assert weights["image_encoder.stem.0.weight"].equal(base_weights["image_encoder.stem.0.weight"])
    assert weights["image_encoder.stem.1.running_mean"].equal(base_weights["image_encoder.stem.1.running_mean"])
    warnings = [e["message"] for e in read_events(out / "events.jsonl") if e["event"] == "warning"]
    assert any("resizing the classifier" in message for message in warnings)
