"""Resource lookup from a source checkout, an environment override and a simulated PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from greenrfm_core import resource_paths

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_override(monkeypatch):
    monkeypatch.delenv(resource_paths.RESOURCES_ENV, raising=False)


def test_source_checkout_root(no_override):
    assert resource_paths.resources_root() == REPO_ROOT / "resources"


def test_source_checkout_subfolders(no_override):
    root = REPO_ROOT / "resources"
    assert resource_paths.demo_model_dir() == root / "models" / "demo-chest-ct"
    assert resource_paths.demo_study_dir() == root / "demo"
    assert resource_paths.translations_dir() == root / "translations"
    assert resource_paths.icons_dir() == root / "icons"


def test_source_checkout_files_exist(no_override):
    assert (resource_paths.translations_dir() / "greenrfm_installer_zh_CN.qm").is_file()
    assert (resource_paths.icons_dir() / "greenrfm-studio.png").is_file()
    assert (resource_paths.icons_dir() / "greenrfm-studio.svg").is_file()


def test_environment_override(tmp_path, monkeypatch):
    monkeypatch.setenv(resource_paths.RESOURCES_ENV, str(tmp_path))
    assert resource_paths.resources_root() == tmp_path
    assert resource_paths.demo_model_dir() == tmp_path / "models" / "demo-chest-ct"


def test_environment_override_missing_folder(tmp_path, monkeypatch):
    missing = tmp_path / "nowhere"
    monkeypatch.setenv(resource_paths.RESOURCES_ENV, str(missing))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        resource_paths.resources_root()


def test_frozen_bundle_root(tmp_path, monkeypatch, no_override):
    (tmp_path / "resources").mkdir()
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_paths.is_frozen()
    assert resource_paths.resources_root() == tmp_path / "resources"
    assert resource_paths.translations_dir() == tmp_path / "resources" / "translations"


def test_frozen_bundle_cli_command(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "greenrfm-studio"))
    suffix = ".exe" if sys.platform == "win32" else ""
    bundled_cli = str(tmp_path / f"greenrfm{suffix}")
    assert resource_paths.python_executable() == bundled_cli
    assert resource_paths.greenrfm_command() == [bundled_cli, "-m", "greenrfm_core"]


def test_source_cli_command():
    assert not resource_paths.is_frozen()
    assert resource_paths.python_executable() == sys.executable
    assert resource_paths.greenrfm_command() == [sys.executable, "-m", "greenrfm_core"]


def test_no_resources_found(tmp_path, monkeypatch, no_override):
    candidates = [tmp_path / "first", tmp_path / "second"]
    monkeypatch.setattr(resource_paths, "_candidate_roots", lambda: candidates)
    with pytest.raises(FileNotFoundError) as raised:
        resource_paths.resources_root()
    assert str(candidates[0]) in str(raised.value)
    assert str(candidates[1]) in str(raised.value)
    assert resource_paths.RESOURCES_ENV in str(raised.value)
