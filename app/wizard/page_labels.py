"""Wizard page 3: label the reports, review and edit the labels, and check finding prevalence."""

from __future__ import annotations

import logging
from urllib.parse import urlparse

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizardPage,
)

from app.finding_axis import FindingAxisLabels
from app.wizard import services
from app.wizard.background import BackgroundTask
from app.wizard.state import WizardState
from greenrfm_core.labels.llm import is_loopback_url

logger = logging.getLogger(__name__)

# A finding needs this many positive studies for the classifier to learn it at all. The split page checks
# separately that validation has positives to compute an AUROC.
MIN_POSITIVES_TO_TRAIN = 5
VALUE_TEXT = {1: "1", 0: "0", -1: "-1"}


class LabelsPage(QWizardPage):
    """Labeler choice, the editable label table with evidence tooltips, the prevalence chart and warnings."""

    def __init__(self, state: WizardState, parent=None):
        super().__init__(parent)
        self.state = state
        self.task: BackgroundTask | None = None
        self._loading = False
        self.setTitle(self.tr("Labels"))
        self.setSubTitle(
            self.tr("Labels distilled from the reports: 1 present, 0 absent, -1 uncertain. Edit any cell.")
        )
        self.rules = QRadioButton(self.tr("Rule-based labeler (reports stay on this computer)"), self)
        self.llm = QRadioButton(self.tr("Language model endpoint"), self)
        self.rules.setChecked(True)
        self.endpoint = QLineEdit(self)
        self.endpoint.setPlaceholderText("http://127.0.0.1:8000/v1")
        self.model_name = QLineEdit(self)
        self.model_name.setPlaceholderText(self.tr("Model name on the endpoint"))
        self.endpoint_warning = QLabel(self)
        self.endpoint_warning.setObjectName("endpointWarning")
        self.endpoint_warning.setWordWrap(True)
        self.endpoint_warning.setStyleSheet("color: #b35900;")
        self.run_button = QPushButton(self.tr("Label reports"), self)
        self.run_button.clicked.connect(self.start_labeling)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.warnings = QLabel(self)
        self.warnings.setObjectName("prevalenceWarnings")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #b35900;")
        self.table = QTableWidget(self)
        self.table.setObjectName("labelTable")
        self.table.itemChanged.connect(self._cell_edited)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.chart = pg.PlotWidget(self)
        self.chart.setBackground("w")
        self.chart.setTitle(self.tr("Positive studies per finding"))
        self.chart.setLabel("bottom", self.tr("Positive studies"))
        self.chart.setMinimumHeight(220)
        self.finding_labels = FindingAxisLabels(self.chart)
        # The chart grows to keep one label line per finding, and scrolls when the page is shorter.
        self.chart_scroll = QScrollArea(self)
        self.chart_scroll.setWidgetResizable(True)
        self.chart_scroll.setWidget(self.chart)

        for widget in (self.rules, self.llm):
            widget.toggled.connect(self._update_endpoint)
        self.endpoint.textChanged.connect(self._update_endpoint)
        choice = QHBoxLayout()
        choice.addWidget(self.rules)
        choice.addWidget(self.llm)
        choice.addWidget(self.endpoint)
        choice.addWidget(self.model_name)
        choice.addWidget(self.run_button)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.chart_scroll)
        splitter.setSizes([300, 300])
        layout = QVBoxLayout(self)
        layout.addLayout(choice)
        layout.addWidget(self.endpoint_warning)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addWidget(self.warnings)
        layout.addWidget(splitter, 1)
        self._update_endpoint()

    def _update_endpoint(self) -> None:
        use_llm = self.llm.isChecked()
        self.endpoint.setEnabled(use_llm)
        self.model_name.setEnabled(use_llm)
        url = self.endpoint.text().strip()
        if use_llm and url and not is_loopback_url(url):
            self.endpoint_warning.setText(
                self.tr(
                    "Warning: {host} is not this computer. The report texts will be sent there and leave this "
                    "machine; use it only if your hospital allows it."
                ).format(host=urlparse(url).hostname)
            )
        else:
            self.endpoint_warning.clear()

    def initializePage(self) -> None:
        """Show labels from a labels file at once, or start the labeler on the matched reports."""
        if self.state.labels_file is not None:
            self.rules.setEnabled(False)
            self.llm.setEnabled(False)
            self.run_button.setEnabled(False)
            self.show_labels()
        elif not self.state.labels:
            self.start_labeling()
        else:
            self.show_labels()

    def _matched_ids(self) -> list[str]:
        return [record.study_id for record in self.state.match.matched] if self.state.match else []

    def start_labeling(self) -> None:
        """Run the chosen labeler on the matched studies' reports in a background thread."""
        if self.task is not None and self.task.isRunning():
            return
        endpoint = self.endpoint.text().strip() if self.llm.isChecked() else None
        if self.llm.isChecked() and not endpoint:
            self.error.setText(
                self.tr("Enter the language model endpoint URL, or choose the rule-based labeler.")
            )
            return
        if endpoint and not is_loopback_url(endpoint):
            answer = QMessageBox.warning(
                self,
                self.tr("Reports leave this computer"),
                self.tr(
                    "The report texts will be sent to {host}, which is not this computer. Continue?"
                ).format(host=urlparse(endpoint).hostname),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.error.clear()
        reports = {study_id: self.state.reports.get(study_id, "") for study_id in self._matched_ids()}
        schema = self.state.schema
        self.progress.setRange(0, max(1, len(reports)))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.run_button.setEnabled(False)
        model = self.model_name.text().strip() or None
        self.task = BackgroundTask(
            lambda progress: services.label_reports(reports, schema, endpoint, progress, model=model), self
        )
        self.task.progressed.connect(lambda done, total: self.progress.setValue(done))
        self.task.succeeded.connect(self._labeling_done)
        self.task.failed.connect(self._labeling_failed)
        self.task.start()

    def _labeling_failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self.run_button.setEnabled(True)
        self.error.setText(self.tr("Labeling failed: {message}").format(message=message))

    def _labeling_done(self, result) -> None:
        self.progress.setVisible(False)
        self.run_button.setEnabled(True)
        self.state.labels, self.state.evidence = result
        self.show_labels()
        self.completeChanged.emit()

    def show_labels(self) -> None:
        """Fill the review table, the prevalence chart and the warnings from the current labels."""
        finding_ids = self.state.finding_ids
        study_ids = [study_id for study_id in self._matched_ids() if study_id in self.state.labels]
        self._loading = True
        self.table.clear()
        self.table.setRowCount(len(study_ids))
        self.table.setColumnCount(len(finding_ids))
        self.table.setHorizontalHeaderLabels([self.state.finding_name(f) for f in finding_ids])
        self.table.setVerticalHeaderLabels(study_ids)
        for row, study_id in enumerate(study_ids):
            vector = self.state.labels[study_id]
            for column, finding in enumerate(finding_ids):
                item = QTableWidgetItem(VALUE_TEXT.get(int(vector[column]), str(vector[column])))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                sentence = self.state.evidence.get((study_id, finding))
                item.setToolTip(sentence or self.tr("No sentence mentions this finding"))
                self.table.setItem(row, column, item)
        self._loading = False
        self.update_prevalence()

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        if self._loading:
            return
        study_id = self.table.verticalHeaderItem(item.row()).text()
        text = item.text().strip()
        if text not in ("1", "0", "-1"):
            self._loading = True
            item.setText(VALUE_TEXT[int(self.state.labels[study_id][item.column()])])
            self._loading = False
            self.error.setText(self.tr("A label must be 1 (present), 0 (absent) or -1 (uncertain)."))
            return
        self.error.clear()
        self.state.labels[study_id][item.column()] = float(text)
        item.setToolTip(self.tr("Edited by hand"))
        self.update_prevalence()

    def positives_per_finding(self) -> np.ndarray:
        """Return the number of positive matched studies per finding, shape (n_findings,)."""
        vectors = [self.state.labels[s] for s in self._matched_ids() if s in self.state.labels]
        if not vectors:
            return np.zeros(len(self.state.finding_ids), dtype=int)
        return (np.stack(vectors) == 1).sum(axis=0)

    def update_prevalence(self) -> None:
        """Redraw the bar chart of positives per finding and list findings with too few positives."""
        positives = self.positives_per_finding()
        finding_ids = self.state.finding_ids
        self.chart.clear()
        # Horizontal bars keep every finding name readable, even for the 30 findings of abdominal CT.
        rows = np.arange(len(positives))[::-1]
        self.chart.addItem(
            pg.BarGraphItem(x0=np.zeros(len(positives)), y=rows, width=positives, height=0.7, brush="#2e7d32")
        )
        names = [self.state.finding_name(f) for f in finding_ids]
        rows_height = self.finding_labels.set_names([int(y) for y in rows], names)
        # The title and the bottom axis with its label take about 90 px.
        self.chart.setMinimumHeight(max(220, rows_height + 90))
        self.chart.setYRange(-0.5, len(positives) - 0.5, padding=0)
        rare = [finding_ids[i] for i, count in enumerate(positives) if count < MIN_POSITIVES_TO_TRAIN]
        if rare:
            self.warnings.setText(
                self.tr(
                    "{count} finding(s) have fewer than {minimum} positive studies, too few to train or "
                    "evaluate: {names}"
                ).format(
                    count=len(rare),
                    minimum=MIN_POSITIVES_TO_TRAIN,
                    names=", ".join(self.state.finding_name(f) for f in rare),
                )
            )
        else:
            self.warnings.clear()

    def isComplete(self) -> bool:
        """Return True once every matched study has labels."""
        ids = self._matched_ids()
        return bool(ids) and all(study_id in self.state.labels for study_id in ids)
