"""Switch the user-interface language while the app runs by rebuilding the main window in the new language.

Widgets set their texts once, when they are built, so a new window with the new translators is simpler and
more complete than re-translating every widget. The open study, the scan, the model choice and the prediction
move to the new window; the old one closes.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication

from app.i18n import install_translators, resolve_language

log = logging.getLogger(__name__)

# Top-level windows created here; Qt does not own Python wrappers, so a reference must keep them alive.
_windows: list = []


def switch_language(window, code: str):
    """Rebuild ``window`` (a MainWindow) in language ``code`` (``auto``, ``en`` or ``zh_CN``) and return it.

    An open training wizard is rebuilt under the new window (see ``TrainingJobs.move_wizard_to``). Other
    dialogs keep their language until they are opened again.
    """
    from app.main_window import MainWindow

    language = resolve_language(code)
    install_translators(language)
    new_window = MainWindow(window.settings, language)
    new_window.setGeometry(window.geometry())
    if window.browser.scan_result is not None:
        new_window.browser.set_scan_result(window.browser.scan_result)
    new_window.show()
    if window.volume is not None:
        viewer = window.viewer
        cursor, level, width = viewer.cursor.copy(), viewer.level, viewer.window
        new_window.show_volume(
            window.volume,
            window.study_facts,
            window.study_display,
            source=window.study_source,
            study_folder=window.study_folder,
        )
        new_window.viewer.set_window_level(level, width)
        new_window.viewer.set_cursor(*(int(value) for value in cursor))
    _move_prediction(window, new_window)
    window.training_jobs.move_wizard_to(new_window)
    _windows.append(new_window)
    if window in _windows:
        _windows.remove(window)
    window.close()
    window.deleteLater()
    QCoreApplication.processEvents()
    log.info("user-interface language switched to %s", language)
    return new_window


def _move_prediction(old, new) -> None:
    entry = old.findings.current_model()
    if entry is None:
        return
    for index, candidate in enumerate(new.findings.entries):
        if candidate.folder == entry.folder:
            new.findings.model_box.setCurrentIndex(index)
            break
    prediction = old.predictions.prediction
    if prediction is not None and old.predictions.model_entry is not None:
        # Rebuilding the rows gives the finding names in the new language.
        new.predictions._on_prediction(old.predictions.model_entry, prediction)
