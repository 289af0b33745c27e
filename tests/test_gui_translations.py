"""The Simplified Chinese catalogue of the app covers every visible string and loads at run time."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "resources" / "translations"
APP_TS = TRANSLATIONS / "greenrfm_app_zh_CN.ts"
APP_QM = TRANSLATIONS / "greenrfm_app_zh_CN.qm"
PLACEHOLDER = re.compile(r"\{[a-z_]+(?::[^}]*)?\}")


def app_sources() -> list[str]:
    """Python files whose strings belong to the app catalogue (the wizard and first-run dialog have their own)."""
    return sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "app").rglob("*.py")
        if "wizard" not in path.parts and path.name != "first_run.py"
    )


def messages(ts_path: Path) -> list[tuple[str, str, ET.Element]]:
    root = ET.parse(ts_path).getroot()
    return [
        (context.findtext("name"), message.findtext("source"), message.find("translation"))
        for context in root.findall("context")
        for message in context.findall("message")
    ]


def test_every_string_has_a_translation():
    entries = messages(APP_TS)
    assert len(entries) > 100
    for context, source, translation in entries:
        assert translation.get("type") not in ("unfinished", "vanished", "obsolete"), f"{context}: {source!r}"
        assert (translation.text or "").strip(), f"{context}: {source!r} has an empty translation"
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translation.text)), (
            f"{context}: {source!r} and its translation use different placeholders"
        )


@pytest.mark.skipif(shutil.which("pyside6-lupdate") is None, reason="pyside6-lupdate is not installed")
def test_lupdate_finds_no_new_strings(tmp_path):
    fresh = tmp_path / "fresh.ts"
    subprocess.run(
        ["pyside6-lupdate", *app_sources(), "-locations", "none", "-ts", str(fresh)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed = {(context, source) for context, source, _ in messages(APP_TS)}
    found = {(context, source) for context, source, _ in messages(fresh)}
    missing = sorted(found - committed)
    assert not missing, (
        f"strings missing from {APP_TS.name}; run resources/translations/update.sh: {missing[:10]}"
    )


@pytest.mark.gui
def test_chinese_catalogue_loads_into_window(qtbot, tmp_path):
    from PySide6.QtCore import QCoreApplication

    from app.i18n import install_translators
    from app.main_window import MainWindow
    from app.settings import StudioSettings

    assert APP_QM.stat().st_size > 1000
    loaded = install_translators("zh_CN")
    try:
        assert APP_QM.name in loaded
        assert QCoreApplication.translate("MainWindow", "&File") == "文件(&F)"
        window = MainWindow(StudioSettings(language="zh_CN"), "zh_CN")
        qtbot.addWidget(window)
        window.resize(1300, 800)
        window.show()
        qtbot.waitExposed(window)
        titles = [action.text() for action in window.menuBar().actions()]
        assert titles[:3] == ["文件(&F)", "视图(&V)", "模型(&M)"]
        assert window.findings.predict_button.text() == "预测"
        assert window.viewer.preset_box.itemText(0).startswith("肺窗")
        shot = tmp_path / "window-zh_CN.png"
        assert window.grab().save(str(shot))
        Path("/tmp/gui-shots").mkdir(exist_ok=True)
        shutil.copy(shot, Path("/tmp/gui-shots") / shot.name)
        window.close()
    finally:
        install_translators("en")
    assert QCoreApplication.translate("MainWindow", "&File") == "&File"
