"""``greenrfm-studio --self-test`` in a subprocess: demo study, demo model, screenshot, exit code 0."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parents[1]


def make_tiny_model(folder: Path) -> Path:
    """Save a randomly initialised chest CT model (no text encoder) with a reduced input grid."""
    import torch

    from greenrfm_core.modelfolder import save_model_folder
    from greenrfm_core.models import ArchitectureConfig, build_model
    from greenrfm_core.preprocess.spec import load_spec
    from greenrfm_core.schemas import load_schema

    torch.manual_seed(1)
    schema = load_schema("chest-ct")
    spec = dict(load_spec("chest-ct"))
    spec.update(shape=[96, 96, 48], spacing=[3.0, 3.0, 6.0])
    config = ArchitectureConfig(
        widths=ArchitectureConfig.scaled_widths(0.125), num_findings=len(schema.findings), latent_dim=32
    )
    model = build_model(config, with_text=False).eval()
    return save_model_folder(folder, model, config, schema, spec, provenance={"synthetic": True})


def run_studio(args: list[str], resources: Path, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, GREENRFM_RESOURCES=str(resources), GREENRFM_HOME=str(home), OMP_NUM_THREADS="1")
    return subprocess.run(
        [sys.executable, "-m", "app.main", *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_self_test_writes_screenshot(tmp_path):
    from PySide6.QtGui import QImage

    resources = tmp_path / "resources"
    shutil.copytree(ROOT / "resources" / "demo" / "chest-ct-phantom", resources / "demo" / "chest-ct-phantom")
    shutil.copytree(ROOT / "resources" / "translations", resources / "translations")
    make_tiny_model(resources / "models" / "demo-chest-ct")
    screenshot = tmp_path / "self-test.png"

    result = run_studio(
        ["--self-test", "--screenshot", str(screenshot), "--language", "en"], resources, tmp_path / "home"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test passed" in result.stdout
    assert result.stdout.count("passed") == 1, result.stdout
    image = QImage(str(screenshot))
    assert not image.isNull()
    assert image.width() >= 800
    grey = np.array([image.pixelColor(x, image.height() // 2).red() for x in range(0, image.width(), 4)])
    assert grey.std() > 20, "the screenshot must show images, not a blank window"
    Path("/tmp/gui-shots").mkdir(exist_ok=True)
    shutil.copy(screenshot, "/tmp/gui-shots/self-test.png")
    log_text = (tmp_path / "home" / "logs" / "greenrfm-studio.log").read_text(encoding="utf-8")
    # The demo study's Patient Name is PHANTOM^CHEST^0001 and its Accession Number PH0001.
    assert "CHEST^0001" not in log_text, "the log must not contain the patient name"
    assert "PH0001" not in log_text, "the log must not contain the accession number"


def test_self_test_fails_without_demo_model(tmp_path):
    resources = tmp_path / "resources"
    shutil.copytree(ROOT / "resources" / "demo" / "chest-ct-phantom", resources / "demo" / "chest-ct-phantom")
    (resources / "models").mkdir()
    result = run_studio(["--self-test", "--language", "en"], resources, tmp_path / "home")
    assert result.returncode == 1
    assert "demo model was not found" in result.stderr
