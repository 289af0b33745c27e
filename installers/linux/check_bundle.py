"""Check a built GreenRFM Studio bundle: no development files, test data or caches, and every resource present.

Usage::

    python installers/linux/check_bundle.py dist/greenrfm-studio [--platform linux|win32|darwin]

Exit code 0 when the bundle is clean and complete, 1 otherwise; every offending path is printed. The
PyInstaller spec filters its file list with :data:`FORBIDDEN_PATTERNS` too, so a hit here means a hook added a
file after filtering or a pattern is missing from the spec's filter.
"""

from __future__ import annotations

import argparse
import fnmatch
import stat
import sys
from pathlib import Path

# (glob, reason). Globs are matched against "/" + the path relative to the bundle folder, with fnmatch
# semantics ("*" also matches "/"), so "*/tests/*" matches a tests folder at any depth.
FORBIDDEN_PATTERNS: tuple[tuple[str, str], ...] = (
    ("*/__pycache__/*", "Python bytecode cache"),
    ("*/.pytest_cache/*", "pytest cache"),
    ("*/.ruff_cache/*", "ruff cache"),
    ("*/.mypy_cache/*", "mypy cache"),
    ("*/.git/*", "git metadata"),
    ("*.tmp", "temporary file"),
    ("*.h", "C header"),
    ("*.hpp", "C++ header"),
    ("*.hxx", "C++ header"),
    ("*.cuh", "CUDA header"),
    ("*/include/*", "header folder"),
    ("*.a", "static library"),
    ("*.lib", "static or import library"),
    ("*.pyi", "type stub"),
    ("*.cmake", "CMake file"),
    ("*/cmake/*", "CMake folder"),
    ("*/pkgconfig/*", "pkg-config file"),
    ("*/tests/*", "test suite or test data"),
    ("*/test/*", "test suite or test data"),
    ("*/testdata/*", "test data"),
    ("*/test_data/*", "test data"),
    ("*/pydicom/data/test_files/*", "pydicom test data"),
    ("*/benchmarks/*", "benchmark scripts"),
    ("*/torch/utils/benchmark/*", "torch benchmark utilities"),
    ("*/torch/bin/test_*", "torch C++ test program"),
    ("*/torch/bin/*Test", "torch C++ test program"),
    ("*/torch/bin/protoc*", "protobuf compiler (development tool)"),
    ("*/torch/lib/*_test.so", "torch test library"),
    ("*/torch/lib/libaoti_custom_ops.so", "torch test library"),
    ("*/torch/lib/libbackend_with_compiler.so", "torch test library"),
    ("*/resources/translations/*.ts", "translation source (the bundle needs only .qm)"),
    ("*/greenrfm_studio.egg-info/*", "editable-install metadata"),
    ("*/PySide6/Qt/qml/*", "QML modules (the app uses Qt Widgets only)"),
    ("*Qt6Quick*", "Qt Quick library (unused)"),
    ("*Qt6WebEngine*", "Qt WebEngine library (unused)"),
    ("*Qt63D*", "Qt 3D library (unused)"),
    ("*Qt6Designer*", "Qt Designer library (development tool)"),
    ("*/PySide6/Qt/plugins/designer/*", "Qt Designer plugin (development tool)"),
    ("*/PySide6/designer*", "Qt Designer (development tool)"),
    ("*/PySide6/linguist*", "Qt Linguist (development tool)"),
    ("*/PySide6/lupdate*", "Qt lupdate (development tool)"),
    ("*/PySide6/lrelease*", "Qt lrelease (development tool)"),
    ("*/PySide6/assistant*", "Qt Assistant (development tool)"),
)

# Module-name globs for the Python archive (PYZ) inside the executables. Narrow on purpose: names such as
# jinja2.tests and torch.testing are runtime modules.
FORBIDDEN_MODULE_PATTERNS: tuple[str, ...] = (
    "pytest",
    "_pytest",
    "_pytest.*",
    "*.tests.test_*",
    "*.tests.conftest",
    "test.*",
    "tests",
    "tests.*",
)

# Files the application opens at run time; each glob must match at least one file.
REQUIRED_PATTERNS: tuple[tuple[str, str], ...] = (
    ("*/resources/models/demo-chest-ct/manifest.json", "demo model manifest"),
    ("*/resources/models/demo-chest-ct/*.safetensors", "demo model weights"),
    ("*/resources/demo/*", "demo study"),
    ("*/resources/translations/*_zh_CN.qm", "Simplified Chinese translations"),
    ("*/resources/icons/greenrfm-studio.png", "application icon"),
    ("*/greenrfm_core/schemas/*.json", "finding schemas"),
    ("*/greenrfm_core/preprocess/specs/*.json", "preprocessing specs"),
    ("*/licenses/greenrfm-studio/LICENSE", "GreenRFM Studio license"),
    ("*/licenses/THIRD-PARTY-LICENSES.md", "index of third-party licenses"),
    ("*/licenses/python-*/LICENSE.txt", "Python license"),
    ("*/licenses/torch-*/LICENSE", "PyTorch license"),
    ("*/licenses/pyside6-essentials-*/LGPL-3.0.txt", "Qt for Python (LGPL-3.0) license text"),
    ("*/licenses/vtk-*/LICENSE", "VTK license"),
    ("*/licenses/onnxruntime-*/*LICENSE", "onnxruntime license"),
)

REQUIRED_PATTERNS_BY_PLATFORM: dict[str, tuple[tuple[str, str], ...]] = {
    "linux": (("*/PySide6/Qt/plugins/platforms/libqxcb.so", "Qt xcb platform plugin"),),
    "win32": (("*/PySide6/plugins/platforms/qwindows.dll", "Qt Windows platform plugin"),),
    "darwin": (("*/platforms/libqcocoa.dylib", "Qt Cocoa platform plugin"),),
}

EXECUTABLE_NAMES = ("greenrfm-studio", "greenrfm")


def _relative_paths(bundle: Path) -> list[str]:
    """Return every file and folder under ``bundle`` as "/"-prefixed POSIX paths, sorted."""
    return sorted("/" + path.relative_to(bundle).as_posix() for path in bundle.rglob("*"))


def find_forbidden_files(bundle: Path) -> list[tuple[str, str]]:
    """Return ``(path, reason)`` for each file or folder under ``bundle`` that matches a forbidden glob."""
    hits: list[tuple[str, str]] = []
    for relative in _relative_paths(bundle):
        for pattern, reason in FORBIDDEN_PATTERNS:
            if fnmatch.fnmatchcase(relative, pattern):
                hits.append((relative, reason))
                break
    return hits


def find_unreadable_files(bundle: Path) -> list[str]:
    """Return the files under ``bundle`` that users other than the owner cannot read (POSIX modes only)."""
    unreadable = []
    for path in sorted(bundle.rglob("*")):
        if path.is_file() and not path.is_symlink() and not path.stat().st_mode & stat.S_IROTH:
            unreadable.append("/" + path.relative_to(bundle).as_posix())
    return unreadable


def find_missing_files(bundle: Path, platform: str) -> list[tuple[str, str]]:
    """Return ``(glob, description)`` for each required glob that matches no file under ``bundle``."""
    relatives = [relative for relative in _relative_paths(bundle) if (bundle / relative[1:]).is_file()]
    required = REQUIRED_PATTERNS + REQUIRED_PATTERNS_BY_PLATFORM.get(platform, ())
    missing = [
        (pattern, description) for pattern, description in required if not fnmatch.filter(relatives, pattern)
    ]
    suffix = ".exe" if platform == "win32" else ""
    for name in EXECUTABLE_NAMES:
        if not fnmatch.filter(relatives, f"*/{name}{suffix}"):
            missing.append((f"{name}{suffix}", "executable"))
    return missing


def list_archived_modules(executable: Path) -> list[str]:
    """Return the module names stored in the PYZ archive of a PyInstaller executable.

    Raises:
        ImportError: PyInstaller is not installed; its archive reader is needed.
        ValueError: ``executable`` is not a PyInstaller executable.
    """
    from PyInstaller.archive.readers import PKG_ITEM_PYZ, ArchiveReadError, CArchiveReader

    try:
        package = CArchiveReader(str(executable))
    except (ArchiveReadError, OSError, TypeError) as error:
        raise ValueError(f"{executable} is not a PyInstaller executable: {error}") from error
    modules: list[str] = []
    for name, entry in package.toc.items():
        if entry[-1] == PKG_ITEM_PYZ:
            modules.extend(package.open_embedded_archive(name).toc.keys())
    return modules


def match_forbidden_modules(module_names: list[str]) -> list[str]:
    """Return the names in ``module_names`` that match a forbidden module glob."""
    return [
        name
        for name in module_names
        if any(fnmatch.fnmatchcase(name, pattern) for pattern in FORBIDDEN_MODULE_PATTERNS)
    ]


def find_module_problems(bundle: Path, platform: str) -> list[str]:
    """Check the PYZ archive of each executable in ``bundle`` and return one problem per line."""
    suffix = ".exe" if platform == "win32" else ""
    problems: list[str] = []
    for name in EXECUTABLE_NAMES:
        for executable in sorted(bundle.rglob(f"{name}{suffix}")):
            if not executable.is_file():
                continue
            try:
                modules = list_archived_modules(executable)
            except (ImportError, ValueError) as error:
                problems.append(f"module archive of {executable} not checked: {error}")
                continue
            problems += [
                f"forbidden module in {executable.name}: {module}"
                for module in match_forbidden_modules(modules)
            ]
    return problems


def check_bundle(bundle: Path, platform: str = sys.platform, check_modules: bool = True) -> list[str]:
    """Check ``bundle`` and return one problem description per line; an empty list means it passed.

    Args:
        bundle: the one-folder bundle (``dist/greenrfm-studio``) or the macOS ``.app``.
        platform: ``sys.platform`` value of the bundle's target; selects the required platform plugin.
        check_modules: also read the Python archive inside each executable, which needs PyInstaller.
    """
    if not bundle.is_dir():
        return [f"{bundle}: bundle folder not found; build it with installers/linux/build.sh first"]
    problems = [f"forbidden ({reason}): {path}" for path, reason in find_forbidden_files(bundle)]
    if platform != "win32":
        problems += [
            f"not readable by all users (chmod go+r): {path}" for path in find_unreadable_files(bundle)
        ]
    if check_modules:
        problems += find_module_problems(bundle, platform)
    problems += [
        f"missing ({description}): no file matches {pattern}"
        for pattern, description in find_missing_files(bundle, platform)
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "bundle", type=Path, help="one-folder bundle built by PyInstaller (dist/greenrfm-studio)"
    )
    parser.add_argument(
        "--platform",
        default=sys.platform,
        choices=sorted(REQUIRED_PATTERNS_BY_PLATFORM),
        help="platform the bundle was built for; selects the required Qt platform plugin (default: this one)",
    )
    parser.add_argument(
        "--skip-modules",
        action="store_true",
        help="do not read the Python archive inside the executables (needed when PyInstaller is not installed)",
    )
    args = parser.parse_args(argv)
    problems = check_bundle(args.bundle, args.platform, check_modules=not args.skip_modules)
    for problem in problems:
        print(problem)
    if problems:
        print(f"check_bundle: {len(problems)} problem(s) in {args.bundle}", file=sys.stderr)
        return 1
    print(f"check_bundle: {args.bundle} is clean and complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
