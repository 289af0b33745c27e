"""Application settings and the recent-studies list, stored as JSON in the platform config folder.

Only paths and non-identifying descriptions are stored: a patient name, ID or birth date never reaches this
file, because the config folder is often synced or backed up with no access control.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path

from greenrfm_core import paths
from greenrfm_core.atomic import atomic_write_text

log = logging.getLogger(__name__)

SETTINGS_FILE_NAME = "studio.json"
MAX_RECENT = 10
LANGUAGES = ("auto", "en", "zh_CN")


@dataclass
class RecentStudy:
    """One entry of File > Recent.

    Attributes:
        path: folder, DICOMDIR or NIfTI file that was opened.
        kind: ``folder``, ``dicomdir`` or ``nifti``.
        label: short non-identifying text (study date, modality, description).
    """

    path: str
    kind: str
    label: str = ""


@dataclass
class StudioSettings:
    """Everything the app remembers between runs."""

    language: str = "auto"
    recent: list[RecentStudy] = field(default_factory=list)
    model_folders: list[str] = field(default_factory=list)
    last_model: str = ""

    @classmethod
    def load(cls, path: Path | None = None) -> StudioSettings:
        """Read the settings file; a missing or unreadable file gives the defaults (and a log warning)."""
        path = path or settings_path()
        if not path.exists():
            return cls()
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            recent = [RecentStudy(**item) for item in data.get("recent", []) if isinstance(item, dict)]
            language = data.get("language", "auto")
            return cls(
                language=language if language in LANGUAGES else "auto",
                recent=recent[:MAX_RECENT],
                model_folders=[str(p) for p in data.get("model_folders", [])],
                last_model=str(data.get("last_model", "")),
            )
        except (OSError, ValueError, TypeError) as error:
            log.warning("settings file %s is unreadable (%s); using defaults", path, error)
            return cls()

    def save(self, path: Path | None = None) -> None:
        """Write the settings atomically (temporary file in the same folder, fsync, rename)."""
        path = path or settings_path()
        text = json.dumps(asdict(self), indent=2, ensure_ascii=False)
        atomic_write_text(path, text)

    def add_recent(self, path: str, kind: str, label: str = "") -> None:
        """Put ``path`` first in the recent list, dropping an older entry for it and the oldest beyond ten."""
        self.recent = [item for item in self.recent if item.path != path]
        self.recent.insert(0, RecentStudy(path=path, kind=kind, label=label))
        del self.recent[MAX_RECENT:]

    def add_model_folder(self, folder: str) -> None:
        """Remember a model folder the user opened, so the model picker lists it next time."""
        if folder not in self.model_folders:
            self.model_folders.append(folder)


def settings_path() -> Path:
    """Return the path of the settings file in ``paths.config_dir()``."""
    return paths.config_dir() / SETTINGS_FILE_NAME
