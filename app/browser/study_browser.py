"""The study browser panel: scan progress, the table of series, scan warnings, a thumbnail and recent studies."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.browser.thumbnail import middle_slice_pixels, thumbnail_image
from app.settings import RecentStudy

log = logging.getLogger(__name__)


def format_study_date(value: str) -> str:
    """Format a DICOM date (YYYYMMDD) as YYYY-MM-DD; other text is returned unchanged."""
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return value


class StudyBrowser(QWidget):
    """Lists the series of the last scan; double-click (or Open series) opens one in the viewer.

    Patient names come from the scan's ``display`` facts and are shown in the table only.
    """

    openFolderRequested = Signal()
    cancelRequested = Signal()
    seriesActivated = Signal(object, object)
    recentActivated = Signal(object)

    COLUMNS = 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scan_result = None
        self._rows: list[tuple[object, object]] = []

        open_button = QPushButton(self.tr("Open folder..."), self)
        open_button.clicked.connect(self.openFolderRequested)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setToolTip(self.tr("Stop the scan; the files read so far are kept"))
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.cancel_button.hide()
        self.progress = QProgressBar(self)
        self.progress.hide()
        self.summary = QLabel(self.tr("Open a folder of DICOM files, a DICOMDIR or a NIfTI file."), self)
        self.summary.setWordWrap(True)

        self.table = QTableWidget(0, self.COLUMNS, self)
        self.table.setHorizontalHeaderLabels(
            [
                self.tr("Patient"),
                self.tr("Study date"),
                self.tr("Modality"),
                self.tr("Description"),
                self.tr("Series"),
                self.tr("Slices"),
            ]
        )
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_selection_changed)
        self.table.cellDoubleClicked.connect(lambda row, _column: self.activate_row(row))

        self.open_series_button = QPushButton(self.tr("Open series"), self)
        self.open_series_button.setEnabled(False)
        self.open_series_button.clicked.connect(lambda: self.activate_row(self.table.currentRow()))
        self.thumbnail = QLabel(self)
        self.thumbnail.setFixedSize(196, 196)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setStyleSheet("background: black; color: #888;")
        self.thumbnail_caption = QLabel(self)
        self.thumbnail_caption.setWordWrap(True)

        self.warnings = QListWidget(self)
        self.warnings.setWordWrap(True)
        self.recent = QListWidget(self)
        self.recent.itemActivated.connect(
            lambda item: self.recentActivated.emit(item.data(Qt.ItemDataRole.UserRole))
        )
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.warnings, self.tr("Warnings"))
        self.tabs.addTab(self.recent, self.tr("Recent"))

        top = QHBoxLayout()
        top.addWidget(open_button)
        top.addWidget(self.cancel_button)
        preview = QHBoxLayout()
        preview.addWidget(self.thumbnail)
        side = QVBoxLayout()
        side.addWidget(self.thumbnail_caption)
        side.addStretch(1)
        side.addWidget(self.open_series_button)
        preview.addLayout(side, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 3)
        layout.addLayout(preview)
        layout.addWidget(self.tabs, 2)

    # ----- scanning state -----

    def set_scanning(self, scanning: bool) -> None:
        """Show the progress bar and Cancel button while a scan runs."""
        self.progress.setVisible(scanning)
        self.cancel_button.setVisible(scanning)
        if scanning:
            self.progress.setRange(0, 0)
            self.summary.setText(self.tr("Scanning..."))

    def set_progress(self, done: int, total: int) -> None:
        """Move the scan progress bar."""
        self.progress.setRange(0, max(total, 0))
        self.progress.setValue(done)
        self.summary.setText(self.tr("Scanning... {done} of {total} files").format(done=done, total=total))

    # ----- results -----

    def set_scan_result(self, result) -> None:
        """Fill the table from a ``ScanResult`` (one row per series) and list its warnings."""
        self.scan_result = result
        self._rows = [(study, series) for study in result.studies for series in study.series]

        self.table.setRowCount(len(self._rows))
        for row, (study, series) in enumerate(self._rows):
            description = series.description or str(study.attributes.get("study_description") or "")
            number = "" if series.series_number is None else str(series.series_number)
            cells = [
                study.display.get("patient_name", "").replace("^", " ").strip(),
                format_study_date(str(study.attributes.get("study_date") or "")),
                series.modality,
                description,
                f"{number} {self._plane_name(series.plane)}".strip(),
                str(series.number_of_slices),
            ]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if series.warnings:
                    item.setForeground(Qt.GlobalColor.yellow)
                    item.setToolTip("\n".join(series.warnings))
                self.table.setItem(row, column, item)

        self.warnings.clear()
        all_warnings = list(result.warnings) + [w for _, series in self._rows for w in series.warnings]
        for warning in all_warnings:
            self.warnings.addItem(QListWidgetItem(warning))
        if all_warnings:
            self.tabs.setCurrentWidget(self.warnings)

        summary = self.tr(
            "{series} series in {studies} studies; {dicom} DICOM files, {other} other files."
        ).format(
            series=len(self._rows),
            studies=len(result.studies),
            dicom=result.dicom_files,
            other=result.non_dicom_files,
        )
        if all_warnings:
            summary += " " + self.tr("{count} warnings.").format(count=len(all_warnings))
        if result.cancelled:
            summary += " " + self.tr("Scan cancelled; the list is incomplete.")
        self.summary.setText(summary)
        self.open_series_button.setEnabled(bool(self._rows))
        if self._rows:
            self.table.selectRow(0)

    def _plane_name(self, plane: str) -> str:
        names = {
            "axial": self.tr("axial"),
            "coronal": self.tr("coronal"),
            "sagittal": self.tr("sagittal"),
            "oblique": self.tr("oblique"),
            "mixed": self.tr("mixed"),
        }
        return names.get(plane, plane)

    def row_count(self) -> int:
        """Return the number of series in the table."""
        return len(self._rows)

    def series_at(self, row: int):
        """Return ``(study, series)`` of table row ``row``."""
        return self._rows[row]

    def activate_row(self, row: int) -> None:
        """Open the series of ``row`` (emits ``seriesActivated``)."""
        if 0 <= row < len(self._rows):
            self.table.selectRow(row)
            self.seriesActivated.emit(*self._rows[row])

    def _on_selection_changed(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self._rows):
            return
        _study, series = self._rows[row]
        self.thumbnail_caption.setText(
            self.tr("{modality}, {slices} slices, {plane}").format(
                modality=series.modality,
                slices=series.number_of_slices,
                plane=self._plane_name(series.plane) or "-",
            )
        )
        try:
            image = thumbnail_image(middle_slice_pixels(series))
        except Exception as error:  # noqa: BLE001 - a thumbnail failure must only blank the preview
            log.warning("thumbnail of %s failed: %s", series.display_name, error)
            self.thumbnail.setText(self.tr("No preview"))
            return
        self.thumbnail.setPixmap(QPixmap.fromImage(image))

    # ----- recent studies -----

    def set_recent(self, recent: list[RecentStudy]) -> None:
        """Show the recent studies (double-click opens one)."""
        self.recent.clear()
        for entry in recent:
            label = entry.label or entry.path
            item = QListWidgetItem(f"{label}\n{entry.path}")
            item.setData(Qt.ItemDataRole.UserRole, entry)
            item.setToolTip(entry.path)
            self.recent.addItem(item)
