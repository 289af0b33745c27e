"""The models the app can run: the bundled demo, the SQLite library and folders the user opened."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.finding_names import finding_display_name
from greenrfm_core.library import read_manifest
from greenrfm_core.resource_paths import demo_model_dir

log = logging.getLogger(__name__)


@dataclass
class ModelEntry:
    """One model in the picker.

    Attributes:
        folder: the model folder.
        name: display name (folder name unless the library stores another).
        source: ``demo``, ``library`` or ``folder``.
        manifest: the parsed ``manifest.json``.
    """

    folder: Path
    name: str
    source: str
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def task(self) -> str:
        """Clinical task, e.g. ``chest-ct``."""
        return str(self.manifest.get("task", ""))

    @property
    def finding_ids(self) -> list[str]:
        """Finding ids in the model's output order."""
        return list(self.manifest.get("finding_ids") or [f["id"] for f in self.schema.get("findings", [])])

    @property
    def schema(self) -> dict[str, Any]:
        """The finding schema stored in the manifest."""
        return dict(self.manifest.get("schema") or {})

    @property
    def provenance(self) -> dict[str, Any]:
        """Creation facts: ``created``, ``synthetic``, ``not_for_clinical_use``, ``parent_model``."""
        return dict(self.manifest.get("provenance") or {})

    @property
    def is_three_plane_mri(self) -> bool:
        """True for a model with one encoder per MRI plane, which predicts from a whole study folder."""
        architecture = self.manifest.get("architecture") or {}
        return architecture.get("kind") == "mri3plane" or bool(architecture.get("planes"))

    @property
    def synthetic(self) -> bool:
        """True when the model was trained on synthetic phantoms only."""
        return bool(self.provenance.get("synthetic")) or self.source == "demo"

    def finding_names(self, language: str) -> dict[str, str]:
        """Map finding id to its display name in ``language`` (``en`` or ``zh_CN``), falling back to English."""
        names = {}
        for finding in self.schema.get("findings", []):
            names[finding["id"]] = finding_display_name(finding["id"], finding.get("name"), language)
        for finding_id in self.finding_ids:
            names.setdefault(finding_id, finding_id)
        return names


def entry_from_folder(folder: str | Path, source: str, name: str | None = None) -> ModelEntry:
    """Read a model folder's manifest into an entry.

    Raises:
        FileNotFoundError: the folder has no ``manifest.json`` or no weights file.
        ValueError: the manifest is not valid JSON or names no task.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    return ModelEntry(folder=folder, name=name or folder.name, source=source, manifest=manifest)


def list_models(extra_folders: list[str] | None = None) -> tuple[list[ModelEntry], list[str]]:
    """Collect the bundled demo model, every model in the library and ``extra_folders``.

    A folder that fails to load is skipped and reported, so one broken model never empties the picker.

    Returns:
        ``(entries, problems)``: entries without duplicate folders, and one English line per skipped folder.
    """
    entries: list[ModelEntry] = []
    problems: list[str] = []
    seen: set[Path] = set()

    def add(folder: Path, source: str, name: str | None = None) -> None:
        resolved = folder.resolve()
        if resolved in seen:
            return
        try:
            entries.append(entry_from_folder(folder, source, name))
            seen.add(resolved)
        except (OSError, ValueError) as error:
            log.warning("model folder %s skipped: %s", folder, error)
            problems.append(f"{folder}: {error}")

    try:
        demo = demo_model_dir()
        if (demo / "manifest.json").exists():
            add(demo, "demo", "demo-chest-ct")
    except FileNotFoundError as error:
        log.info("no bundled demo model: %s", error)

    try:
        from greenrfm_core.library import Library

        # Library() creates or migrates the SQLite file in the data folder on first use.
        with Library() as library:
            for model in library.list_models():
                add(Path(model.folder), "library", model.name)
    except Exception as error:  # noqa: BLE001 - a damaged library must not hide the other models
        log.warning("model library unreadable: %s", error)
        problems.append(f"library: {error}")

    for folder in extra_folders or []:
        add(Path(folder), "folder")
    return entries, problems
