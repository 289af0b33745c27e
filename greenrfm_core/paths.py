"""Platform directories for settings, caches, models, the job library and logs.

Every location comes from platformdirs, so it follows each operating system's conventions. Setting
``GREENRFM_HOME`` puts all of them under one folder instead (tests, portable installs).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "GreenRFM Studio"
APP_AUTHOR = "GreenRFM"


def _home_override(kind: str) -> Path | None:
    home = os.environ.get("GREENRFM_HOME")
    return Path(home) / kind if home else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Return the folder for settings and the recent-studies list."""
    return _ensure(_home_override("config") or Path(platformdirs.user_config_dir(APP_NAME, APP_AUTHOR)))


def data_dir() -> Path:
    """Return the folder for the job/model library database and registered models."""
    return _ensure(_home_override("data") or Path(platformdirs.user_data_dir(APP_NAME, APP_AUTHOR)))


def cache_dir() -> Path:
    """Return the folder for preprocessed volumes and label caches; safe to delete."""
    return _ensure(_home_override("cache") or Path(platformdirs.user_cache_dir(APP_NAME, APP_AUTHOR)))


def log_dir() -> Path:
    """Return the folder for log files (never containing patient identifiers)."""
    return _ensure(_home_override("logs") or Path(platformdirs.user_log_dir(APP_NAME, APP_AUTHOR)))


def models_dir() -> Path:
    """Return the folder where trained models are stored by default."""
    return _ensure(data_dir() / "models")
