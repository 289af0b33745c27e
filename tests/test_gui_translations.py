"""The Simplified Chinese catalogue of the app covers every visible string and loads at run time."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
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


@pytest.mark.gui
def test_language_menu_rebuilds_window(qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication

    from app.i18n import install_translators
    from app.main_window import MainWindow
    from app.settings import StudioSettings, settings_path
    from greenrfm_core.volume import Volume

    window = MainWindow(StudioSettings(), "en")
    window.resize(1200, 760)
    window.show()
    qtbot.waitExposed(window)
    array = np.random.default_rng(4).normal(0.0, 200.0, (20, 48, 48)).astype(np.float32)
    window.show_volume(Volume(array, spacing=(1.0, 1.0, 2.0), modality="CT"), {"description": "switch"}, {})
    window.viewer.set_cursor(10, 20, 5)
    try:
        window.actions_by_name["language_zh_CN"].trigger()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=20_000)
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        assert len(windows) == 1
        new_window = windows[0]
        qtbot.addWidget(new_window)
        assert new_window.language == "zh_CN"
        assert new_window.menuBar().actions()[0].text() == "文件(&F)"
        assert list(new_window.viewer.cursor) == [10, 20, 5]
        assert new_window.viewer.capture("axial").std() > 10
        assert json.loads(settings_path().read_text(encoding="utf-8"))["language"] == "zh_CN"
        new_window.close()
    finally:
        install_translators("en")
