"""Wizard page 7: validation AUROC per finding, ROC curves, comparison with the starting model, and use."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app.wizard.page_train import TrainPage
from app.wizard.state import WizardState
from greenrfm_core.library import Library

logger = logging.getLogger(__name__)

ROC_COLORS = ("#1565c0", "#2e7d32", "#c62828", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037", "#ad1457")


def finding_aurocs(metrics: dict) -> dict[str, float | None]:
    """Return finding id to AUROC from an evaluation report dict (``findings.<id>.auroc``) or a flat dict."""
    findings = metrics.get("findings") if isinstance(metrics, dict) else None
    if isinstance(findings, dict):
        return {
            finding: values.get("auroc") for finding, values in findings.items() if isinstance(values, dict)
        }
    flat = metrics.get("auroc") if isinstance(metrics, dict) else None
    return dict(flat) if isinstance(flat, dict) else {}


def _format(value: float | None) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


class ResultsPage(QWizardPage):
    """Per-finding AUROC table and ROC curves, and "Use this model" to register and open it.

    Signals:
        modelAccepted(int, str): the library id and folder of the model the user chose to use.
    """

    modelAccepted = Signal(int, str)

    def __init__(self, state: WizardState, train_page: TrainPage, library_path: Path | None, parent=None):
        super().__init__(parent)
        self.state = state
        self.train_page = train_page
        self.library_path = library_path
        self.model_id: int | None = None
        self.setTitle(self.tr("Results"))
        self.setSubTitle(self.tr("Validation results of the new model, and of the model it started from."))
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("aurocTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Finding"), self.tr("AUROC"), self.tr("Starting model AUROC"), self.tr("Change")]
        )
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.roc_plot = pg.PlotWidget(self)
        self.roc_plot.setBackground("w")
        self.roc_plot.setTitle(self.tr("ROC curves (validation)"))
        self.roc_plot.setLabel("bottom", self.tr("False positive rate"))
        self.roc_plot.setLabel("left", self.tr("True positive rate"))
        self.roc_plot.setRange(xRange=(0, 1), yRange=(0, 1))
        self.summary = QLabel(self)
        self.summary.setObjectName("resultsSummary")
        self.use_button = QPushButton(self.tr("Use this model"), self)
        self.use_button.setObjectName("useModelButton")
        self.use_button.clicked.connect(self.use_model)
        self.error = QLabel(self)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        body = QHBoxLayout()
        body.addWidget(self.table, 1)
        body.addWidget(self.roc_plot, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(body, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.use_button)

    def model_folder(self) -> Path:
        """Return the trained model folder: the ``done`` event's path, else ``<run>/model``."""
        if self.train_page.model_path:
            return Path(self.train_page.model_path)
        with Library(self.library_path) as library:
            return Path(library.get_job(self.state.job_id).run_dir) / "model"

    def _parent_metrics(self) -> dict:
        with Library(self.library_path) as library:
            command = library.get_job(self.state.job_id).command
        if "--init" not in command:
            return {}
        manifest = Path(command[command.index("--init") + 1]) / "manifest.json"
        try:
            return json.loads(manifest.read_text(encoding="utf-8")).get("metrics") or {}
        except (OSError, json.JSONDecodeError) as error:
            logger.warning("Could not read the starting model's metrics from %s: %s", manifest, error)
            return {}

    def initializePage(self) -> None:
        """Fill the table and the ROC plot from the last evaluation of the run."""
        metrics = self.train_page.last_metrics or {}
        current = finding_aurocs(metrics)
        parent = finding_aurocs(self._parent_metrics())
        self.table.setRowCount(len(current))
        for row, (finding, value) in enumerate(current.items()):
            before = parent.get(finding)
            change = value - before if isinstance(value, float) and isinstance(before, float) else None
            cells = [self.state.finding_name(finding), _format(value), _format(before), _format(change)]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.roc_plot.clear()
        self.roc_plot.addLegend()
        self.roc_plot.plot([0, 1], [0, 1], pen=pg.mkPen("#9e9e9e", style=pg.QtCore.Qt.PenStyle.DashLine))
        findings = metrics.get("findings") if isinstance(metrics.get("findings"), dict) else {}
        for index, (finding, values) in enumerate(findings.items()):
            roc = values.get("roc") if isinstance(values, dict) else None
            if isinstance(roc, dict) and roc.get("fpr") and roc.get("tpr"):
                pen = pg.mkPen(ROC_COLORS[index % len(ROC_COLORS)], width=2)
                self.roc_plot.plot(roc["fpr"], roc["tpr"], pen=pen, name=self.state.finding_name(finding))
        from app.wizard.page_train import macro_auroc

        value = macro_auroc(metrics)
        self.summary.setText(self.tr("Macro AUROC on validation: {value}").format(value=_format(value)))

    def use_model(self) -> None:
        """Register the model in the library, emit ``modelAccepted`` and open it in the main window."""
        self.error.clear()
        folder = self.model_folder()
        try:
            with Library(self.library_path) as library:
                self.model_id = library.register_model(folder, job_id=self.state.job_id)
        except (OSError, ValueError) as error:
            self.error.setText(str(error))
            return
        self.modelAccepted.emit(self.model_id, str(folder))
        window = self.wizard().parentWidget() if self.wizard() else None
        if window is not None and hasattr(window, "open_model"):
            window.open_model(str(folder))
        self.use_button.setEnabled(False)
        self.use_button.setText(self.tr("Model added to the library"))
