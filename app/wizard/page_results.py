"""Wizard page 7: validation AUROC per finding, ROC curves, comparison with the starting model, and use."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app.wizard import services
from app.wizard.background import BackgroundTask
from app.wizard.page_train import TrainPage, macro_auroc
from app.wizard.state import WizardState
from greenrfm_core.library import Library

logger = logging.getLogger(__name__)

ROC_COLORS = ("#1565c0", "#2e7d32", "#c62828", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037", "#ad1457")


def finding_aurocs(metrics: dict) -> dict[str, float | None]:
    """Return finding id to AUROC from an evaluation report (``findings.<id>.auroc``) or manifest metrics.

    Manifest metrics keep the classifier's AUROCs under ``classifier.auroc`` or a top-level ``auroc``.
    """
    if not isinstance(metrics, dict):
        return {}
    findings = metrics.get("findings")
    if isinstance(findings, dict):
        return {
            finding: values.get("auroc") for finding, values in findings.items() if isinstance(values, dict)
        }
    for container in (metrics.get("classifier"), metrics):
        if isinstance(container, dict) and isinstance(container.get("auroc"), dict):
            return dict(container["auroc"])
    return {}


def _format(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.3f}"


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
        self.task: BackgroundTask | None = None
        self.evaluation: dict | None = None
        self.setTitle(self.tr("Results"))
        self.setSubTitle(self.tr("Validation results of the new model, and of the model it started from."))
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("aurocTable")
        self.table.setHorizontalHeaderLabels(
            [self.tr("Finding"), self.tr("AUROC"), self.tr("Starting model AUROC"), self.tr("Change")]
        )
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.roc_plot = pg.PlotWidget(self)
        self.roc_plot.setBackground("w")
        self.roc_plot.setTitle(self.tr("ROC curves (validation)"))
        self.roc_plot.setLabel("bottom", self.tr("False positive rate"))
        self.roc_plot.setLabel("left", self.tr("True positive rate"))
        self.roc_plot.setRange(xRange=(0, 1), yRange=(0, 1))
        self.roc_plot.addLegend(offset=(-10, 10))
        self.summary = QLabel(self)
        self.summary.setObjectName("resultsSummary")
        self.status = QLabel(self)
        self.status.setObjectName("evaluationStatus")
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
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
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addLayout(body, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.use_button)

    def model_folder(self) -> Path:
        """Return the trained model folder: the final ``done`` event's path, else ``<run>/model``."""
        if self.train_page.model_path:
            return Path(self.train_page.model_path)
        with Library(self.library_path) as library:
            return Path(library.get_job(self.state.job_id).run_dir) / "model"

    def _parent_folder(self) -> Path | None:
        with Library(self.library_path) as library:
            command = library.get_job(self.state.job_id).command
        return Path(command[command.index("--init") + 1]) if "--init" in command else None

    def _manifest_aurocs(self, folder: Path | None) -> dict[str, float | None]:
        if folder is None:
            return {}
        path = folder / "manifest.json"
        try:
            metrics = json.loads(path.read_text(encoding="utf-8")).get("metrics") or {}
        except (OSError, json.JSONDecodeError) as error:
            logger.warning("Could not read the metrics in %s: %s", path, error)
            return {}
        return finding_aurocs(metrics)

    def initializePage(self) -> None:
        """Show the AUROCs stored by training, then evaluate the validation studies for ROC curves."""
        as_report = {
            "findings": {f: {"auroc": v} for f, v in self._manifest_aurocs(self.model_folder()).items()}
        }
        parent = {
            "findings": {f: {"auroc": v} for f, v in self._manifest_aurocs(self._parent_folder()).items()}
        }
        self.show_results(as_report, parent)
        self.start_evaluation()

    def start_evaluation(self) -> None:
        """Predict the validation studies with the new and the starting model in a background thread."""
        if self.task is not None and self.task.isRunning():
            return
        matched = self.state.match.matched if self.state.match else []
        paths_by_id = {record.study_id: record.path for record in matched}
        studies = [
            (study_id, paths_by_id[study_id])
            for study_id in self.state.validation_ids
            if study_id in paths_by_id
        ]
        if not studies:
            self.status.setText(
                self.tr("No validation studies are known for this run, so no ROC curves can be drawn.")
            )
            return
        folder, parent = self.model_folder(), self._parent_folder()
        labels, finding_ids = self.state.labels, self.state.finding_ids
        self.status.setText(self.tr("Evaluating on {count} validation studies...").format(count=len(studies)))
        self.progress.setRange(0, len(studies) * (2 if parent else 1))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.task = BackgroundTask(
            lambda progress: services.evaluate_on_validation(
                folder, studies, labels, finding_ids, parent, progress
            ),
            self,
        )
        self.task.progressed.connect(lambda done, total: self.progress.setValue(done))
        self.task.succeeded.connect(self._evaluation_done)
        self.task.failed.connect(self._evaluation_failed)
        self.task.start()

    def _evaluation_done(self, result: dict) -> None:
        self.progress.setVisible(False)
        self.status.clear()
        self.evaluation = result
        self.show_results(result["model"], result["parent"])

    def _evaluation_failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self.status.setText(self.tr("Evaluation failed: {message}").format(message=message))

    def show_results(self, report: dict, parent_report: dict | None) -> None:
        """Fill the AUROC table and the ROC plot from evaluation reports (``EvaluationResult.to_dict``)."""
        current = finding_aurocs(report)
        parent = finding_aurocs(parent_report or {})
        self.table.setRowCount(len(current))
        for row, (finding, value) in enumerate(current.items()):
            before = parent.get(finding)
            change = value - before if isinstance(value, float) and isinstance(before, float) else None
            cells = [self.state.finding_name(finding), _format(value), _format(before), _format(change)]
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.roc_plot.clear()
        self.roc_plot.plot([0, 1], [0, 1], pen=pg.mkPen("#9e9e9e", style=Qt.PenStyle.DashLine))
        findings = report.get("findings") if isinstance(report.get("findings"), dict) else {}
        for index, (finding, values) in enumerate(findings.items()):
            roc = values.get("roc") if isinstance(values, dict) else None
            if isinstance(roc, dict) and roc.get("fpr") and roc.get("tpr"):
                pen = pg.mkPen(ROC_COLORS[index % len(ROC_COLORS)], width=2)
                self.roc_plot.plot(roc["fpr"], roc["tpr"], pen=pen, name=self.state.finding_name(finding))
        value = macro_auroc(report)
        if value is None:
            valid = [v for v in current.values() if isinstance(v, float) and not math.isnan(v)]
            value = sum(valid) / len(valid) if valid else None
        self.summary.setText(self.tr("Macro AUROC on validation: {value}").format(value=_format(value)))

    def use_model(self) -> None:
        """Register the model in the library, emit ``modelAccepted`` and show it in the main window.

        The main window's ``open_model(folder)`` is called when it has one, else its ``reload_models()``.
        """
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
        elif window is not None and hasattr(window, "reload_models"):
            # The main window's model picker reads the library, so re-reading it lists the new model.
            window.reload_models()
        self.use_button.setEnabled(False)
        self.use_button.setText(self.tr("Model added to the library"))
