"""First-run device check: profile thresholds, nvidia-smi parsing, messages, the once-only dialog, zh_CN."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
import torch

from app import first_run
from app.first_run import DeviceReport, describe_device, recommend_profile

REPO_ROOT = Path(__file__).resolve().parents[1]
TS_FILE = REPO_ROOT / "resources" / "translations" / "greenrfm_installer_zh_CN.ts"
QM_FILE = REPO_ROOT / "resources" / "translations" / "greenrfm_installer_zh_CN.qm"


@pytest.mark.parametrize(
    ("memory_mib", "expected"),
    [
        (None, None),
        (0, None),
        (2048, None),
        (4096, None),
        (5500, None),
        (5939, "lite"),  # card sold as 6 GB, as CUDA reports it
        (6144, "lite"),
        (8192, "lite"),
        (12288, "lite"),
        (16384, "lite"),
        (22000, "lite"),
        (24217, "standard"),  # RTX 4090, sold as 24 GB
        (24576, "standard"),
        (49152, "standard"),
        (81920, "standard"),
    ],
)
def test_recommend_profile(memory_mib, expected):
    assert recommend_profile(memory_mib) == expected


def test_profile_thresholds_in_gb():
    assert first_run.LITE_MIN_MEMORY_MIB * 2**20 <= 6 * 10**9
    assert (first_run.LITE_MIN_MEMORY_MIB + 1) * 2**20 > 6 * 10**9
    assert first_run.STANDARD_MIN_MEMORY_MIB * 2**20 <= 24 * 10**9
    assert (first_run.STANDARD_MIN_MEMORY_MIB + 1) * 2**20 > 24 * 10**9


def _fake_nvidia_smi(folder: Path, body: str) -> Path:
    """Write an executable ``nvidia-smi`` shell script into ``folder`` and return the folder."""
    script = folder / "nvidia-smi"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return folder


needs_posix_shell = pytest.mark.skipif(sys.platform == "win32", reason="fake nvidia-smi is a shell script")


@needs_posix_shell
def test_nvidia_smi_parsed(tmp_path, monkeypatch):
    folder = _fake_nvidia_smi(tmp_path, 'echo "NVIDIA GeForce RTX 4090, 24564"')
    monkeypatch.setenv("PATH", str(folder))
    assert first_run.query_nvidia_smi() == ("NVIDIA GeForce RTX 4090", 24564)


@needs_posix_shell
def test_nvidia_smi_failure(tmp_path, monkeypatch):
    folder = _fake_nvidia_smi(tmp_path, 'echo "NVIDIA-SMI has failed" >&2; exit 9')
    monkeypatch.setenv("PATH", str(folder))
    assert first_run.query_nvidia_smi() == ("NVIDIA GPU", None)


@needs_posix_shell
def test_nvidia_smi_unexpected_output(tmp_path, monkeypatch):
    folder = _fake_nvidia_smi(tmp_path, 'echo "No devices were found"')
    monkeypatch.setenv("PATH", str(folder))
    assert first_run.query_nvidia_smi() == ("NVIDIA GPU", None)


def test_nvidia_smi_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert first_run.query_nvidia_smi() is None


def test_detect_device_matches_torch(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    report = first_run.detect_device()
    assert report.torch_cuda_build == (torch.version.cuda is not None)
    if torch.cuda.is_available():
        assert report.kind == "cuda"
        assert report.memory_mib > 0
    elif torch.backends.mps.is_available():
        assert report.kind == "mps"
    else:
        assert report.kind == "cpu"
        assert report.nvidia_name is None


@needs_posix_shell
@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a PyTorch that cannot use CUDA")
def test_detect_nvidia_gpu_unusable(tmp_path, monkeypatch):
    folder = _fake_nvidia_smi(tmp_path, 'echo "NVIDIA RTX A4000, 16376"')
    monkeypatch.setenv("PATH", str(folder) + os.pathsep + os.environ.get("PATH", ""))
    report = first_run.detect_device()
    assert report.kind in ("cpu", "mps")
    if report.kind == "cpu":
        assert report.nvidia_name == "NVIDIA RTX A4000"
        assert report.nvidia_memory_mib == 16376


def test_describe_cuda_standard():
    text = " ".join(describe_device(DeviceReport("cuda", "NVIDIA A100", 81920, True)))
    assert "NVIDIA A100" in text
    assert "80.0 GiB" in text
    assert "<b>standard</b>" in text


def test_describe_cuda_too_small():
    text = " ".join(describe_device(DeviceReport("cuda", "NVIDIA GeForce GTX 1650", 4096, True)))
    assert "less than the 6 GB" in text


def test_describe_cpu_build_with_nvidia_gpu():
    report = DeviceReport(
        "cpu", torch_cuda_build=False, nvidia_name="NVIDIA GeForce RTX 3060", nvidia_memory_mib=12288
    )
    text = " ".join(describe_device(report))
    assert "NVIDIA GeForce RTX 3060" in text
    assert "CUDA-enabled build" in text
    assert "<b>lite</b>" in text
    assert "onnxruntime" in text


def test_describe_cuda_build_with_unusable_gpu():
    report = DeviceReport("cpu", torch_cuda_build=True, nvidia_name="NVIDIA GPU", nvidia_memory_mib=None)
    text = " ".join(describe_device(report))
    assert "Update the NVIDIA driver" in text
    assert "CUDA-enabled build" not in text


def test_describe_no_gpu():
    text = " ".join(describe_device(DeviceReport("cpu")))
    assert "No GPU was found" in text
    assert "onnxruntime" in text


def test_describe_mps_lite():
    text = " ".join(describe_device(DeviceReport("mps", "Apple GPU (MPS)", 10923)))
    assert "MPS" in text
    assert "<b>lite</b>" in text


def test_flag_file_written_atomically(tmp_path):
    assert first_run.first_run_pending(tmp_path)
    first_run.mark_first_run_done(DeviceReport("cuda", "GPU", 8192, True), tmp_path)
    assert not first_run.first_run_pending(tmp_path)
    content = json.loads((tmp_path / first_run.FLAG_FILE_NAME).read_text())
    assert content == {"device_check_shown": True, "device": "cuda", "profile": "lite"}
    assert [path.name for path in tmp_path.iterdir()] == [first_run.FLAG_FILE_NAME]


def test_translations_complete():
    messages = ElementTree.parse(TS_FILE).getroot().iter("message")
    untranslated = [
        message.findtext("source")
        for message in messages
        if not (message.findtext("translation") or "").strip()
        or message.find("translation").get("type") == "unfinished"
    ]
    assert untranslated == []


def test_translations_match_source(tmp_path):
    """Every tr() string in app/first_run.py is in the committed .ts file, and no stale ones remain."""
    fresh = tmp_path / "fresh.ts"
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    command = [
        str(lupdate) if lupdate.exists() else "pyside6-lupdate",
        str(REPO_ROOT / "app" / "first_run.py"),
    ]
    subprocess.run([*command, "-ts", str(fresh)], check=True, capture_output=True, timeout=60)
    fresh_sources = {
        message.findtext("source") for message in ElementTree.parse(fresh).getroot().iter("message")
    }
    committed = {
        message.findtext("source") for message in ElementTree.parse(TS_FILE).getroot().iter("message")
    }
    assert fresh_sources == committed
    assert QM_FILE.stat().st_size > 0


@pytest.mark.gui
def test_dialog_shown_once(qtbot, tmp_path):
    report = DeviceReport("cuda", "NVIDIA GeForce RTX 4090", 24217, True)
    dialog = first_run.show_first_run_dialog(report=report, config_dir=tmp_path)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.isVisible()
    assert not dialog.isModal()
    assert "<b>standard</b>" in dialog.body.text()
    assert (tmp_path / first_run.FLAG_FILE_NAME).is_file()
    assert first_run.show_first_run_dialog(report=report, config_dir=tmp_path) is None
    dialog.accept()
    assert not dialog.isVisible()


@pytest.mark.gui
def test_dialog_in_simplified_chinese(qtbot, qapp):
    from PySide6.QtCore import QTranslator

    translator = QTranslator()
    assert translator.load(str(QM_FILE))
    qapp.installTranslator(translator)
    try:
        dialog = first_run.FirstRunDialog(
            DeviceReport("cpu", nvidia_name="NVIDIA T4", nvidia_memory_mib=15360)
        )
        qtbot.addWidget(dialog)
        assert dialog.windowTitle() == "欢迎使用 GreenRFM Studio"
        assert "CUDA 版 PyTorch" in dialog.body.text()
        assert "<b>轻量</b>" in dialog.body.text()
        assert "onnxruntime" in dialog.body.text()
    finally:
        qapp.removeTranslator(translator)
