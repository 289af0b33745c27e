"""Right-hand panel: model picker, Predict button and the findings table and chart."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.predictions.findings_chart import FindingsChart
from app.predictions.model_catalog import ModelEntry
from app.predictions.results import FindingResult

log = logging.getLogger(__name__)

POSITIVE_BACKGROUND = QColor(110, 50, 20)

# Pixels added to the widest word of a finding name for the cell's margins and focus frame. An estimate
# checked with the Fusion style of Qt 6 only.
NAME_PADDING_PX = 16


class _NumberItem(QTableWidgetItem):
    """A table cell that sorts by its numeric value, not its text."""

    def __init__(self, value: float, text: str) -> None:
        super().__init__(text)
        self.value = value
        self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other: QTableWidgetItem) -> bool:
        if isinstance(other, _NumberItem):
            return self.value < other.value
        return super().__lt__(other)


class FindingsPanel(QWidget):
    """Lets the user pick a model, run it on the open study and choose a finding to see its heat map."""

    predictRequested = Signal()
    findingSelected = Signal(str)
    openModelRequested = Signal()
    modelChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entries: list[ModelEntry] = []
        self.results: list[FindingResult] = []

        self.model_box = QComboBox(self)
        self.model_box.setToolTip(self.tr("Model used for Predict"))
        self.model_box.currentIndexChanged.connect(self._on_model_changed)
        open_button = QPushButton(self.tr("Open..."), self)
        open_button.setToolTip(self.tr("Open a model folder (manifest.json + model.safetensors)"))
        open_button.clicked.connect(self.openModelRequested)
        self.model_info = QLabel(self)
        self.model_info.setWordWrap(True)
        self.model_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.model_warning = QLabel(self)
        self.model_warning.setWordWrap(True)
        self.model_warning.setStyleSheet(
            "background: #5a4a14; color: #fff4d0; padding: 4px; border-radius: 3px; font-weight: bold;"
        )
        self.model_warning.hide()

        self.predict_button = QPushButton(self.tr("Predict"), self)
        self.predict_button.setToolTip(self.tr("Run the model on the open study"))
        self.predict_button.setEnabled(False)
        self.predict_button.clicked.connect(self.predictRequested)
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.status_label = QLabel(self)
        self.status_label.setWordWrap(True)

        self.table = QTableWidget(0, 4, self)
        self.table.setHorizontalHeaderLabels(
            [self.tr("Finding"), self.tr("Probability"), self.tr("Threshold"), self.tr("Result")]
        )
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Names wrap between words instead of ending in "...", and set_results widens the table to fit the
        # longest word, so no name is cut off.
        self.table.setWordWrap(True)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        # Rows follow the height of their wrapped names whenever the column width changes.
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2, 3):
            self.table.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.ResizeToContents
            )
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self.chart = FindingsChart(self)

        model_row = QHBoxLayout()
        model_row.addWidget(QLabel(self.tr("Model:"), self))
        model_row.addWidget(self.model_box, 1)
        model_row.addWidget(open_button)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.chart)
        splitter.setSizes([300, 260])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(model_row)
        layout.addWidget(self.model_info)
        layout.addWidget(self.model_warning)
        layout.addWidget(self.predict_button)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(splitter, 1)

    # ----- models -----

    def set_models(self, entries: list[ModelEntry], select_folder: str = "") -> None:
        """Fill the picker; select the entry whose folder is ``select_folder`` when present."""
        self.entries = list(entries)
        self.model_box.blockSignals(True)
        self.model_box.clear()
        chosen = 0
        source_names = {
            "demo": self.tr("bundled"),
            "library": self.tr("library"),
            "folder": self.tr("folder"),
        }
        for index, entry in enumerate(self.entries):
            self.model_box.addItem(
                f"{entry.name} ({entry.task}, {source_names.get(entry.source, entry.source)})"
            )
            if select_folder and str(entry.folder) == select_folder:
                chosen = index
        self.model_box.blockSignals(False)
        if self.entries:
            self.model_box.setCurrentIndex(chosen)
        self._on_model_changed()

    def select_model(self, folder: str | Path) -> bool:
        """Select the entry whose folder is ``folder`` (compared after resolving links); False if none is."""
        target = Path(folder).resolve()
        for index, entry in enumerate(self.entries):
            if Path(entry.folder).resolve() == target:
                self.model_box.setCurrentIndex(index)
                return True
        return False

    def current_model(self) -> ModelEntry | None:
        """Return the selected model entry, or None when the picker is empty."""
        index = self.model_box.currentIndex()
        return self.entries[index] if 0 <= index < len(self.entries) else None

    def _on_model_changed(self) -> None:
        entry = self.current_model()
        if entry is None:
            self.model_info.setText(self.tr("No model available. Open a model folder or train one."))
            self.model_warning.hide()
            self.modelChanged.emit()
            return
        provenance = entry.provenance
        created = str(provenance.get("created", "")) or self.tr("unknown")
        metrics = entry.manifest.get("metrics") or {}
        macro = metrics.get("macro_auroc")
        lines = [
            self.tr("Task: {task}").format(task=entry.task),
            self.tr("Findings: {count}").format(count=len(entry.finding_ids)),
            self.tr("Created: {created}").format(created=created),
            self.tr("Folder: {folder}").format(folder=entry.folder),
        ]
        if isinstance(macro, (int, float)):
            lines.append(self.tr("Validation macro AUROC: {value:.3f}").format(value=macro))
        self.model_info.setText("\n".join(lines))
        warnings = []
        if entry.synthetic:
            warnings.append(self.tr("Trained on synthetic phantoms only."))
        if provenance.get("not_for_clinical_use", True):
            warnings.append(self.tr("Not for clinical use."))
        self.model_warning.setText(" ".join(warnings))
        self.model_warning.setVisible(bool(warnings))
        self.modelChanged.emit()

    # ----- prediction state -----

    def set_busy(self, busy: bool, text: str = "") -> None:
        """Show or hide the progress bar and lock the Predict button while a prediction runs."""
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)
        self.predict_button.setEnabled(not busy)
        self.model_box.setEnabled(not busy)
        self.status_label.setText(text)

    def set_progress(self, done: int, total: int, text: str) -> None:
        """Move the progress bar (``total`` 0 shows a busy indicator)."""
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)
        if text:
            self.status_label.setText(text)

    def clear_results(self) -> None:
        """Empty the table and chart."""
        self.results = []
        self.table.setRowCount(0)
        self.chart.clear()

    def set_results(self, results: list[FindingResult], timing_text: str = "") -> None:
        """Fill the table and chart; rows above threshold are highlighted."""
        self.results = list(results)
        self.table.blockSignals(True)
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(results))

        for row_index, row in enumerate(results):
            name_item = QTableWidgetItem(row.name)
            name_item.setData(Qt.ItemDataRole.UserRole, row.finding_id)
            name_item.setToolTip(f"{row.name} ({row.finding_id})")
            cells = [
                name_item,
                _NumberItem(row.probability, f"{row.probability:.3f}"),
                _NumberItem(row.threshold, f"{row.threshold:.3f}"),
                QTableWidgetItem(self.tr("positive") if row.positive else self.tr("negative")),
            ]
            for column, item in enumerate(cells):
                if row.positive:
                    item.setBackground(QBrush(POSITIVE_BACKGROUND))
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row_index, column, item)
        self.table.setSortingEnabled(True)
        self.table.sortItems(1, Qt.SortOrder.DescendingOrder)
        self.table.blockSignals(False)
        self._fit_name_column([row.name for row in results])

        self.chart.set_results(results)
        positives = sum(row.positive for row in results)
        summary = self.tr("{positives} of {count} findings above threshold.").format(
            positives=positives, count=len(results)
        )
        self.status_label.setText(f"{summary} {timing_text}".strip())

    def _fit_name_column(self, names: list[str]) -> None:
        """Set the table's minimum width so the Finding column fits the longest word of ``names`` in bold."""
        font = self.table.font()
        font.setBold(True)
        metrics = QFontMetrics(font)
        words = [word for name in names for word in name.split()]
        name_width = max((metrics.horizontalAdvance(word) for word in words), default=0) + NAME_PADDING_PX
        header = self.table.horizontalHeader()
        other_columns = sum(header.sectionSize(column) for column in range(1, self.table.columnCount()))
        scroll_bar = self.table.verticalScrollBar().sizeHint().width()
        frame = 2 * self.table.frameWidth()
        self.table.setMinimumWidth(name_width + other_columns + scroll_bar + frame)

    def select_finding(self, finding_id: str) -> None:
        """Select the table row of ``finding_id`` (emits ``findingSelected``)."""
        for row_index in range(self.table.rowCount()):
            item = self.table.item(row_index, 0)
            if item.data(Qt.ItemDataRole.UserRole) == finding_id:
                self.table.selectRow(row_index)
                return
        raise KeyError(f"finding {finding_id!r} is not in the findings table")

    def _on_selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            item = self.table.item(rows[0].row(), 0)
            self.findingSelected.emit(item.data(Qt.ItemDataRole.UserRole))
