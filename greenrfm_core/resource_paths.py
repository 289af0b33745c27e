"""Locate the read-only resources shipped with GreenRFM Studio: demo model, demo study, icons, translations.

The folder is looked up in four places, in this order:

1. ``GREENRFM_RESOURCES`` names the resources folder explicitly (portable installs, tests).
2. A PyInstaller bundle (``sys.frozen``): the spec copies ``resources/`` to ``<sys._MEIPASS>/resources``.
3. A source checkout or editable install: ``resources/`` beside the ``greenrfm_core`` package.
4. An installed wheel: ``greenrfm_core/resources`` (package data), then ``<sys.prefix>/share/greenrfm-studio/resources``.

Schemas and preprocessing specs are package data inside ``greenrfm_core`` and are found through each
module's ``__file__``, which PyInstaller also sets, so they need no lookup here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

RESOURCES_ENV = "GREENRFM_RESOURCES"
DEMO_MODEL_NAME = "demo-chest-ct"

_PACKAGE_DIR = Path(__file__).resolve().parent


def _candidate_roots() -> list[Path]:
    """List the possible resources folders, most specific first."""
    candidates: list[Path] = []
    override = os.environ.get(RESOURCES_ENV)
    if override:
        candidates.append(Path(override))
    bundle_dir = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle_dir:
        candidates.append(Path(bundle_dir) / "resources")
    candidates.append(_PACKAGE_DIR.parent / "resources")
    candidates.append(_PACKAGE_DIR / "resources")
    candidates.append(Path(sys.prefix) / "share" / "greenrfm-studio" / "resources")
    return candidates


def resources_root() -> Path:
    """Return the folder that contains ``models/``, ``demo/``, ``icons/`` and ``translations/``.

    Raises:
        FileNotFoundError: if no candidate folder exists; the message lists every folder that was tried.
    """
    override = os.environ.get(RESOURCES_ENV)
    if override and not Path(override).is_dir():
        raise FileNotFoundError(
            f"{RESOURCES_ENV} is set to {override!r}, which is not a folder; "
            "point it at the GreenRFM Studio resources folder or unset it."
        )
    candidates = _candidate_roots()
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    tried = ", ".join(str(path) for path in candidates)
    raise FileNotFoundError(
        f"GreenRFM Studio resources folder not found (tried: {tried}); reinstall the application "
        f"or set {RESOURCES_ENV} to the folder that contains models/ and demo/."
    )


def demo_model_dir() -> Path:
    """Return the model folder of the bundled chest CT demo model (``manifest.json`` + weights)."""
    return resources_root() / "models" / DEMO_MODEL_NAME


def demo_study_dir() -> Path:
    """Return the folder that contains the bundled demo study."""
    return resources_root() / "demo"


def translations_dir() -> Path:
    """Return the folder that contains the compiled Qt translations (``*.qm``)."""
    return resources_root() / "translations"


def icons_dir() -> Path:
    """Return the folder that contains the application icons (SVG and PNG)."""
    return resources_root() / "icons"


def is_frozen() -> bool:
    """Return True when running from a PyInstaller bundle rather than a Python installation."""
    return bool(getattr(sys, "frozen", False) and getattr(sys, "_MEIPASS", None))



def python_executable() -> str:
    """Return the program that runs ``-m greenrfm_core...`` in a child process, like ``python -m``.

    From a Python installation this is ``sys.executable``. In a PyInstaller bundle ``sys.executable`` is
    the running executable, which may be the GUI, so the bundled ``greenrfm`` executable beside it is
    returned instead; its entry script runs ``-m MODULE`` for ``greenrfm_core`` modules.
    """
    if is_frozen():
        suffix = ".exe" if sys.platform == "win32" else ""
        return str(Path(sys.executable).with_name(f"greenrfm{suffix}"))
    return sys.executable


def greenrfm_command() -> list[str]:
    """Return the argument list that starts the ``greenrfm`` command line in a child process."""
    return [python_executable(), "-m", "greenrfm_core"]
