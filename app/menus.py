"""The main window's menu bar: File, View, Model, Training, Language and Help."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMenu

from app.about import show_about
from app.viewer.presets import CT_PRESETS

if TYPE_CHECKING:
    from app.main_window import MainWindow


def build_menus(window: MainWindow) -> dict[str, QAction]:
    """Create every menu of ``window`` and return its actions by name (tests trigger them by name)."""
    bar = window.menuBar()
    actions: dict[str, QAction] = {}

    def add(menu: QMenu, name: str, text: str, slot, shortcut=None) -> QAction:
        action = QAction(text, window)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        actions[name] = action
        return action

    file_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&File"))
    add(
        file_menu,
        "open_folder",
        QCoreApplication.translate("MainWindow", "Open &folder..."),
        window.choose_folder,
        QKeySequence.StandardKey.Open,
    )
    add(
        file_menu,
        "open_dicomdir",
        QCoreApplication.translate("MainWindow", "Open &DICOMDIR..."),
        window.choose_dicomdir,
    )
    add(
        file_menu,
        "open_nifti",
        QCoreApplication.translate("MainWindow", "Open &NIfTI..."),
        window.choose_nifti,
    )
    window.recent_menu = file_menu.addMenu(QCoreApplication.translate("MainWindow", "&Recent"))
    file_menu.addSeparator()
    export_menu = file_menu.addMenu(QCoreApplication.translate("MainWindow", "&Export"))
    add(
        export_menu,
        "export_csv",
        QCoreApplication.translate("MainWindow", "Findings as &CSV..."),
        lambda: window.predictions.choose_export("csv"),
    )
    add(
        export_menu,
        "export_json",
        QCoreApplication.translate("MainWindow", "Findings as &JSON..."),
        lambda: window.predictions.choose_export("json"),
    )
    add(
        export_menu,
        "export_pdf",
        QCoreApplication.translate("MainWindow", "&PDF report..."),
        lambda: window.predictions.choose_export("pdf"),
    )
    window.export_menu = export_menu
    file_menu.addSeparator()
    add(
        file_menu,
        "quit",
        QCoreApplication.translate("MainWindow", "&Quit"),
        window.close,
        QKeySequence.StandardKey.Quit,
    )

    view_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&View"))
    presets_menu = view_menu.addMenu(QCoreApplication.translate("MainWindow", "Window &presets"))
    for preset in CT_PRESETS:
        add(
            presets_menu,
            f"preset_{preset.key}",
            QCoreApplication.translate("MainWindow", "{name} (L {level:g} / W {window:g})").format(
                name=preset.label(), level=preset.level, window=preset.window
            ),
            lambda _checked=False, key=preset.key: window.viewer.apply_preset(key),
        )
    add(
        presets_menu,
        "preset_auto",
        QCoreApplication.translate("MainWindow", "Automatic (MRI percentiles)"),
        lambda: window.viewer.apply_preset("auto"),
    )
    add(
        view_menu,
        "reset_view",
        QCoreApplication.translate("MainWindow", "&Reset view"),
        window.viewer.reset_view,
        QKeySequence("Ctrl+R"),
    )
    view_menu.addSeparator()
    add(
        view_menu,
        "clear_heatmap",
        QCoreApplication.translate("MainWindow", "&Hide heat map"),
        window.viewer.clear_heatmap,
    )

    model_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&Model"))
    add(
        model_menu,
        "open_model",
        QCoreApplication.translate("MainWindow", "&Open model folder..."),
        window.predictions.choose_model_folder,
    )
    add(
        model_menu,
        "reload_models",
        QCoreApplication.translate("MainWindow", "&Refresh model list"),
        window.predictions.reload_models,
    )
    add(
        model_menu,
        "predict",
        QCoreApplication.translate("MainWindow", "&Predict"),
        window.predictions.predict,
        QKeySequence("Ctrl+P"),
    )

    training_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&Training"))
    add(
        training_menu,
        "train",
        QCoreApplication.translate("MainWindow", "&Train a model..."),
        window.open_training_wizard,
    )

    language_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&Language"))
    group = QActionGroup(window)
    group.setExclusive(True)
    # Language names are written in their own language so that every user can find theirs.
    for code, text in (
        ("auto", QCoreApplication.translate("MainWindow", "System default")),
        ("en", "English"),
        ("zh_CN", "简体中文"),
    ):
        action = add(
            language_menu, f"language_{code}", text, lambda _checked=False, c=code: window.set_language(c)
        )
        action.setCheckable(True)
        action.setChecked(window.settings.language == code)
        group.addAction(action)

    help_menu = bar.addMenu(QCoreApplication.translate("MainWindow", "&Help"))
    add(
        help_menu,
        "about",
        QCoreApplication.translate("MainWindow", "&About GreenRFM Studio"),
        lambda: show_about(window),
    )
    return actions
