"""Wizard page 2: choose the studies folder and the reports or labels file, then scan and match them."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from app.wizard import services
from app.wizard.background import BackgroundTask
from app.wizard.state import WizardState

logger = logging.getLogger(__name__)


def _path_row(parent: QWidget, line_edit: QLineEdit, button_text: str, on_click) -> QHBoxLayout:
    row = QHBoxLayout()
    button = QPushButton(button_text, parent)
    button.clicked.connect(on_click)
    row.addWidget(line_edit)
    row.addWidget(button)
    return row


class DataPage(QWizardPage):
    """Studies folder, reports or labels file, id column, and the match result per study."""

    def __init__(self, state: WizardState, parent=None):
        super().__init__(parent)
        self.state = state
        self.task: BackgroundTask | None = None
        self._scanned = False
        self.setTitle(self.tr("Data"))
        self.setSubTitle(
            self.tr(
                "Choose the folder of studies and the reports spreadsheet (or a ready labels file), then scan."
            )
        )
        self.studies_edit = QLineEdit(self)
        self.reports_edit = QLineEdit(self)
        self.labels_edit = QLineEdit(self)
        self.reports_edit.setPlaceholderText(self.tr("CSV or XLSX with one report per study"))
        self.labels_edit.setPlaceholderText(
            self.tr("Optional: labels CSV with study_id and one column per finding")
        )
        self.id_column = QComboBox(self)
        self.id_column.setEditable(True)
        self.id_column.setToolTip(
            self.tr("Column that holds the study folder name, accession number or study UID")
        )
        self.scan_button = QPushButton(self.tr("Scan and match"), self)
        self.scan_button.setObjectName("scanButton")
        self.scan_button.clicked.connect(self.start_scan)
        self.progress = QProgressBar(self)
        self.progress.setVisible(False)
        self.summary = QLabel(self)
        self.summary.setObjectName("summary")
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("matchTable")
        self.table.setHorizontalHeaderLabels([self.tr("Study"), self.tr("Status"), self.tr("Reason")])
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)

        form = QFormLayout()
        form.addRow(
            self.tr("Studies folder"),
            _path_row(self, self.studies_edit, self.tr("Browse..."), self._browse_studies),
        )
        form.addRow(
            self.tr("Reports file"),
            _path_row(self, self.reports_edit, self.tr("Browse..."), self._browse_reports),
        )
        form.addRow(
            self.tr("Labels file"),
            _path_row(self, self.labels_edit, self.tr("Browse..."), self._browse_labels),
        )
        form.addRow(self.tr("Study id column"), self.id_column)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.scan_button)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        for edit in (self.studies_edit, self.reports_edit, self.labels_edit):
            edit.textChanged.connect(self._inputs_changed)

    def _browse_studies(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Choose the studies folder"), self.studies_edit.text()
        )
        if folder:
            self.studies_edit.setText(folder)

    def _browse_reports(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("Choose the reports file"),
            self.reports_edit.text(),
            self.tr("Reports (*.csv *.xlsx)"),
        )
        if path:
            self.reports_edit.setText(path)

    def _browse_labels(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose the labels file"), self.labels_edit.text(), self.tr("Labels (*.csv)")
        )
        if path:
            self.labels_edit.setText(path)

    def _inputs_changed(self) -> None:
        if self._scanned:
            self._scanned = False
            self.completeChanged.emit()

    def start_scan(self) -> None:
        """Read the reports or labels file and match it to the studies in a background thread."""
        if self.task is not None and self.task.isRunning():
            return
        self.error.clear()
        self.summary.clear()
        self._scanned = False
        self.completeChanged.emit()
        studies = Path(self.studies_edit.text().strip()) if self.studies_edit.text().strip() else None
        reports = Path(self.reports_edit.text().strip()) if self.reports_edit.text().strip() else None
        labels = Path(self.labels_edit.text().strip()) if self.labels_edit.text().strip() else None
        id_column = self.id_column.currentText().strip() or None
        finding_ids = self.state.finding_ids
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.scan_button.setEnabled(False)
        self.task = BackgroundTask(
            lambda progress: services.scan_dataset(studies, reports, labels, id_column, finding_ids), self
        )
        self.task.succeeded.connect(lambda result: self._scan_done(result, studies, reports, labels))
        self.task.failed.connect(self._scan_failed)
        self.task.raised.connect(self._offer_columns)
        self.task.start()

    def _offer_columns(self, error: Exception) -> None:
        columns = getattr(error, "columns", None)
        if not columns:
            return
        current = self.id_column.currentText()
        self.id_column.blockSignals(True)
        self.id_column.clear()
        self.id_column.addItems(columns)
        self.id_column.setCurrentText(current)
        self.id_column.blockSignals(False)

    def _scan_failed(self, message: str) -> None:
        self.progress.setVisible(False)
        self.scan_button.setEnabled(True)
        self.error.setText(self.tr("Scan failed: {message}").format(message=message))

    def _scan_done(self, result: dict, studies: Path, reports: Path | None, labels: Path | None) -> None:
        self.progress.setVisible(False)
        self.scan_button.setEnabled(True)
        match = result["match"]
        state = self.state
        state.studies_dir, state.reports_file, state.labels_file = studies, reports, labels
        state.id_column = result["id_column"]
        state.reports = result["reports"]
        state.labels = dict(result["labels"])
        state.match = match
        self.id_column.blockSignals(True)
        self.id_column.clear()
        self.id_column.addItems(result["columns"])
        self.id_column.setCurrentText(result["id_column"])
        self.id_column.blockSignals(False)
        self.summary.setText(
            self.tr(
                "{matched} matched, {rows} report rows without a study, {studies} studies without a report, "
                "{unreadable} unreadable (id column: {column})"
            ).format(
                matched=len(match.matched),
                rows=len(match.unmatched_rows),
                studies=len(match.unmatched_studies),
                unreadable=len(match.unreadable),
                column=result["id_column"],
            )
        )
        rows = [(record.study_id, self.tr("Matched"), "") for record in match.matched]
        rows += [
            (study_id, self.tr("No study"), self.tr("No study folder matches this report row"))
            for study_id in match.unmatched_rows
        ]
        rows += [
            (name, self.tr("No report"), self.tr("No report row names this study"))
            for name in match.unmatched_studies
        ]
        rows += [(name, self.tr("Unreadable"), reason) for name, reason in match.unreadable]
        self.table.setRowCount(len(rows))
        for row, cells in enumerate(rows):
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self._scanned = True
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        """Return True once a scan matched at least one study."""
        return self._scanned and self.state.match is not None and bool(self.state.match.matched)
