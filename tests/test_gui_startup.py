"""Start-up behaviour of ``greenrfm-studio``: no display, a missing path, and models without prompts."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.main import display_missing

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[1]


def test_no_display_exits_with_advice(tmp_path):
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    environment.update(GREENRFM_HOME=str(tmp_path / "home"), OMP_NUM_THREADS="1")
    result = subprocess.run(
        [sys.executable, "-m", "app.main", "--demo"],
        check=False,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "no display found" in result.stderr
    assert "xvfb-run -a greenrfm-studio --demo" in result.stderr
    assert "greenrfm demo" in result.stderr
    assert "could not connect to display" not in result.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display check applies on Linux only")
def test_display_missing_cases():
    assert display_missing({})
    assert display_missing({"DISPLAY": ""})
    assert not display_missing({"DISPLAY": ":0"})
    assert not display_missing({"WAYLAND_DISPLAY": "wayland-0"})
    assert not display_missing({"QT_QPA_PLATFORM": "offscreen"})


def test_missing_path_shown_and_logged(qtbot, caplog):
    from app.main_window import MainWindow
    from app.settings import StudioSettings
    from greenrfm_core.io.identifiers import short_hash

    window = MainWindow(StudioSettings(), "en")
    qtbot.addWidget(window)
    window.show()
    missing = "/nonexistent/Wang^Wu"
    with caplog.at_level(logging.INFO):
        window.open_path(missing)
    assert missing in window.messages.text()
    assert window.messages.level == "error"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert short_hash(missing) in logged
    assert "Wang^Wu" not in logged, "the log must contain the path's hash, not the path"
    window.close()


def test_model_without_text_encoder_no_advice(tmp_path, caplog):
    from test_gui_self_test import make_tiny_model

    from greenrfm_core.inference.predictor import Predictor
    from greenrfm_core.modelfolder import read_manifest

    folder = make_tiny_model(tmp_path / "tiny-chest-ct")
    assert read_manifest(folder)["has_text_encoder"] is False
    with caplog.at_level(logging.DEBUG, logger="greenrfm_core.inference"):
        predictor = Predictor(folder, device="cpu", engine="torch")
    assert predictor.prompts == {}
    messages = [(record.levelno, record.getMessage()) for record in caplog.records]
    assert not any("export-onnx" in text for _, text in messages), messages
    assert (logging.DEBUG, f"Model {folder} has no text encoder, so it has no zero-shot prompts") in messages
