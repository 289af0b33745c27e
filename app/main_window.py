"""The main window: study browser (left), three linked views (centre), findings panel (right)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QVBoxLayout, QWidget

from app.browser.study_browser import StudyBrowser, format_study_date
from app.menus import build_menus
from app.message_area import MessageArea
from app.prediction_controller import PredictionController
from app.predictions.findings_panel import FindingsPanel
from app.settings import StudioSettings
from app.training_jobs import TrainingJobs
from app.viewer import ThreeViewViewer
from app.workers import BackgroundTask, CancelledError
from greenrfm_core.io.identifiers import short_hash
from greenrfm_core.io.nifti import is_nifti_path
from greenrfm_core.resource_paths import icons_dir

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """GreenRFM Studio's main window.

    Long work (scanning, loading, predicting, heat maps) runs in background threads. Problems are shown in the
    non-modal message strip above the views instead of modal dialogs.
    """

    studyLoaded = Signal()
    scanFinished = Signal()

    def __init__(self, settings: StudioSettings, language: str) -> None:
        super().__init__()
        self.settings = settings
        self.language = language
        self.setWindowTitle(self.tr("GreenRFM Studio"))
        self.setAcceptDrops(True)
        self.resize(1500, 900)
        icon_path = _icon_path()
        if icon_path is not None:
            self.setWindowIcon(QIcon(str(icon_path)))

        self.volume = None
        self.study_source = None
        self.study_folder: Path | None = None
        self.study_facts: dict[str, str] = {}
        self.study_display: dict[str, str] = {}
        self._tasks: set[BackgroundTask] = set()
        self._scan_task: BackgroundTask | None = None
        self._auto_open_after_scan = True

        self.messages = MessageArea(self)
        self.viewer = ThreeViewViewer(self)
        central = QWidget(self)
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.messages)
        central_layout.addWidget(self.viewer, 1)
        self.setCentralWidget(central)

        self.browser = StudyBrowser(self)
        self.browser.openFolderRequested.connect(self.choose_folder)
        self.browser.cancelRequested.connect(self.cancel_scan)
        self.browser.seriesActivated.connect(self.open_series)
        self.browser.recentActivated.connect(lambda entry: self.open_path(entry.path))
        self.browser_dock = self._add_dock(
            self.tr("Studies"), self.browser, Qt.DockWidgetArea.LeftDockWidgetArea
        )

        self.findings = FindingsPanel(self)
        self.findings_dock = self._add_dock(
            self.tr("Findings"), self.findings, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.resizeDocks([self.browser_dock, self.findings_dock], [360, 380], Qt.Orientation.Horizontal)

        self.study_label = QLabel(self)
        self.position_label = QLabel(self)
        self.statusBar().addWidget(self.study_label, 1)
        self.statusBar().addPermanentWidget(self.position_label)
        self.viewer.cursorChanged.connect(self._show_position)

        self.predictions = PredictionController(self)
        self.training_jobs = TrainingJobs(self)
        self.actions_by_name = build_menus(self)
        self._refresh_recent()
        self.predictions.reload_models()

    def _add_dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{widget.__class__.__name__}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(area, dock)
        return dock

    # ----- background tasks -----

    def run_task(self, function, on_success, on_failure=None, on_progress=None) -> BackgroundTask:
        """Run ``function(report_progress, is_cancelled)`` on a thread; callbacks run on the GUI thread."""
        task = BackgroundTask(function, self)
        self._tasks.add(task)
        task.succeeded.connect(on_success)
        task.failed.connect(on_failure or (lambda message: self.show_error(message)))
        if on_progress is not None:
            task.progress.connect(on_progress)
        task.finished.connect(lambda: self._tasks.discard(task))
        task.start()
        return task

    def busy(self) -> bool:
        """Return True while any background task runs."""
        return any(task.running for task in self._tasks)

    # ----- messages -----

    def show_error(self, text: str) -> None:
        """Show an error in the message strip (the app carries on)."""
        self.messages.show_message(text, "error")

    def show_warning(self, text: str) -> None:
        """Show a warning in the message strip."""
        self.messages.show_message(text, "warning")

    def show_info(self, text: str) -> None:
        """Show a note in the message strip."""
        self.messages.show_message(text, "info")

    # ----- opening studies -----

    def choose_folder(self) -> None:
        """Ask for a folder of DICOM files and scan it."""
        folder = QFileDialog.getExistingDirectory(self, self.tr("Open a folder of DICOM files"))
        if folder:
            self.open_folder(folder)

    def choose_dicomdir(self) -> None:
        """Ask for a DICOMDIR file and scan the folder it describes."""
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open DICOMDIR"), "", self.tr("DICOMDIR (DICOMDIR);;All files (*)")
        )
        if path:
            self.open_dicomdir(path)

    def choose_nifti(self) -> None:
        """Ask for a NIfTI file and open it."""
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open NIfTI"), "", self.tr("NIfTI images (*.nii *.nii.gz);;All files (*)")
        )
        if path:
            self.open_nifti(path)

    def open_path(self, path: str) -> None:
        """Open a folder, DICOMDIR or NIfTI file by looking at what ``path`` is."""
        target = Path(path)
        if target.is_dir():
            self.open_folder(target)
        elif target.name.upper() == "DICOMDIR":
            self.open_dicomdir(target)
        elif is_nifti_path(target):
            self.open_nifti(target)
        elif target.exists():
            self.open_folder(target)
        else:
            # The path can contain a patient name, so the log gets its hash only.
            log.error("cannot open %s: no such file or folder", short_hash(str(path)))
            self.show_error(
                self.tr("Not found: {path}. It may have been moved or deleted.").format(path=path)
            )

    def open_dicomdir(self, path: str | Path) -> None:
        """Scan the folder that contains the DICOMDIR ``path`` (every file is read directly)."""
        self.open_folder(Path(path).parent, recent_path=Path(path), recent_kind="dicomdir")

    def open_folder(
        self,
        folder: str | Path,
        auto_open: bool = True,
        recent_path: Path | None = None,
        recent_kind: str = "folder",
    ) -> None:
        """Scan ``folder`` in the background; with ``auto_open`` the largest series opens when it finishes."""
        from greenrfm_core.io.scan import scan

        folder = Path(folder)
        if self._scan_task is not None and self._scan_task.running:
            self.show_warning(self.tr("A scan is already running. Cancel it first."))
            return
        if not folder.exists():
            log.error("cannot scan %s: folder not found", short_hash(str(folder)))
            self.show_error(self.tr("Folder not found: {path}").format(path=folder))
            return
        log.info("scanning folder %s", short_hash(str(folder)))
        self._auto_open_after_scan = auto_open
        self.browser.set_scanning(True)

        def work(report, cancelled):
            return scan(folder, progress=lambda done, total: report(done, total, ""), cancel=cancelled)

        def done(result) -> None:
            self.browser.set_scanning(False)
            self._scan_task = None
            self.browser.set_scan_result(result)
            self._after_scan(result, recent_path or folder, recent_kind)
            self.scanFinished.emit()

        def failed(message: str) -> None:
            self.browser.set_scanning(False)
            self._scan_task = None
            self.show_error(self.tr("Scanning {path} failed: {error}").format(path=folder, error=message))
            self.scanFinished.emit()

        self._scan_task = self.run_task(
            work, done, failed, lambda done_count, total, _text: self.browser.set_progress(done_count, total)
        )

    def cancel_scan(self) -> None:
        """Stop the running scan; the series found so far stay listed."""
        if self._scan_task is not None:
            self._scan_task.cancel()

    def _after_scan(self, result, path: Path, kind: str) -> None:
        series = result.all_series
        if result.cancelled:
            self.show_info(self.tr("Scan cancelled; the study browser lists the series found so far."))
            return
        if not series:
            self.show_error(
                self.tr(
                    "No DICOM images found in {path} ({files} files, {other} not DICOM). "
                    "Choose the folder that contains the study's .dcm files."
                ).format(path=result.root, files=result.files_seen, other=result.non_dicom_files)
            )
            return
        if result.warnings or any(s.warnings for s in series):
            self.show_warning(self.tr("The scan found problems; see the Warnings tab of the study browser."))
        self.settings.add_recent(str(path), kind, self._recent_label(result.studies[0]))
        self._save_settings()
        if self._auto_open_after_scan:
            best = max(
                range(self.browser.row_count()),
                key=lambda row: self.browser.series_at(row)[1].number_of_slices,
            )
            self.browser.table.selectRow(best)
            self.browser.activate_row(best)

    def _recent_label(self, study) -> str:
        parts = [
            format_study_date(str(study.attributes.get("study_date") or "")),
            ", ".join(study.modalities),
            str(study.attributes.get("study_description") or ""),
        ]
        return " | ".join(part for part in parts if part)

    def open_series(self, study, series) -> None:
        """Load ``series`` (a scan's ``SeriesInfo``) in the background and show it."""
        from greenrfm_core.io import load_series

        self.show_info(self.tr("Loading {series}...").format(series=series.display_name))

        def work(report, cancelled):
            volume = load_series(series)
            if cancelled():
                raise CancelledError()
            return volume

        facts = {
            "description": str(study.attributes.get("study_description") or ""),
            "study_date": format_study_date(str(study.attributes.get("study_date") or "")),
            "modality": series.modality,
            "series_description": series.description,
            "slices": str(series.number_of_slices),
        }
        display = {key: value for key, value in study.display.items() if value}
        scan_root = self.browser.scan_result.root if self.browser.scan_result is not None else None

        self.run_task(
            work,
            lambda volume: self.show_volume(volume, facts, display, source=series, study_folder=scan_root),
            lambda message: self.show_error(
                self.tr("Could not open {series}: {error}").format(series=series.display_name, error=message)
            ),
        )

    def open_nifti(self, path: str | Path) -> None:
        """Read a NIfTI file in the background and show it."""
        from greenrfm_core.io.nifti import read_nifti

        path = Path(path)

        def done(volume) -> None:
            self.settings.add_recent(str(path), "nifti", path.name)
            self._save_settings()
            self.show_volume(volume, {"description": path.name, "modality": volume.modality}, {}, source=path)

        self.run_task(
            lambda report, cancelled: read_nifti(path),
            done,
            lambda message: self.show_error(
                self.tr("Could not open {path}: {error}").format(path=path, error=message)
            ),
        )

    def show_volume(
        self,
        volume,
        facts: dict[str, str],
        display: dict[str, str],
        source=None,
        study_folder: Path | None = None,
    ) -> None:
        """Show a loaded volume in the three views and reset the findings of the previous study.

        Args:
            volume: the loaded Volume.
            facts: non-identifying study facts for exports (description, date, modality, series, slices).
            display: patient facts from the scan, shown on screen and printed only on request.
            source: the scan's SeriesInfo or the NIfTI path the volume came from.
            study_folder: the scanned folder, which three-plane MRI models read as a whole.
        """
        self.volume = volume
        self.study_source = source
        self.study_folder = study_folder
        spacing = " x ".join(f"{value:.2f}" for value in volume.spacing)
        self.study_facts = {**facts, "spacing": spacing}
        self.study_display = display
        self.viewer.set_volume(volume)
        self.predictions.study_changed()
        shape = " x ".join(str(n) for n in volume.shape_xyz)
        self.study_label.setText(
            self.tr("{modality} {description} | {shape} voxels | {spacing} mm").format(
                modality=volume.modality or "-",
                description=facts.get("description", ""),
                shape=shape,
                spacing=spacing,
            )
        )
        if self.messages.level == "info":
            # Only the "Loading..." note goes; scan warnings and errors stay until the user closes them.
            self.messages.dismiss()
        for warning in volume.metadata.get("warnings", []) or []:
            self.show_warning(str(warning))
        self._refresh_recent()
        log.info("opened volume %s, modality %s", shape, volume.modality or "unknown")
        self.studyLoaded.emit()

    def _show_position(self, i: int, j: int, k: int) -> None:
        if self.volume is None:
            return
        value = float(self.volume.array[k, j, i])
        self.position_label.setText(
            self.tr("Voxel ({i}, {j}, {k}) = {value:.0f}").format(i=i, j=j, k=k, value=value)
        )

    # ----- other menus -----

    def open_training_wizard(self) -> None:
        """Open the training wizard (a separate module, imported on first use)."""
        self.training_jobs.open_wizard()

    def offer_pending_training_job(self) -> None:
        """Offer, without blocking, to reattach to a running training job or resume an interrupted one."""
        self.training_jobs.offer_pending_job()

    def open_model(self, folder: str | Path) -> bool:
        """Select the model in ``folder`` in the model picker, adding it if needed, and predict the open study.

        Returns:
            False (after showing the reason) when ``folder`` is not a usable model folder.
        """
        target = Path(folder).resolve()
        # The library may have gained the model since the picker was filled.
        self.predictions.reload_models()
        selected = self.findings.select_model(target)
        if not selected and self.predictions.add_model_folder(target):
            selected = self.findings.select_model(target)
        if not selected:
            return False
        log.info("model %s opened in the viewer", target.name)
        self.raise_()
        self.activateWindow()
        if self.volume is not None:
            self.predictions.predict()
        return True

    def set_language(self, code: str) -> None:
        """Store the language choice and rebuild this window in it (after the menu action returns)."""
        from app.language_switch import switch_language

        self.settings.language = code
        self._save_settings()
        QTimer.singleShot(0, lambda: switch_language(self, code))

    # ----- settings and shutdown -----

    def _save_settings(self) -> None:
        try:
            self.settings.save()
        except OSError as error:
            log.warning("settings not saved: %s", error)

    def _refresh_recent(self) -> None:
        self.browser.set_recent(self.settings.recent)
        if hasattr(self, "recent_menu"):
            self.recent_menu.clear()
            for entry in self.settings.recent:
                action = self.recent_menu.addAction(entry.label or entry.path)
                action.setToolTip(entry.path)
                action.triggered.connect(lambda _checked=False, path=entry.path: self.open_path(path))
            self.recent_menu.setEnabled(bool(self.settings.recent))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if urls:
            self.open_path(urls[0])
            event.acceptProposedAction()

    def closeEvent(self, event: QCloseEvent) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            task.wait(10000)
        self._save_settings()
        self.viewer.finalize()
        super().closeEvent(event)


def _icon_path() -> Path | None:
    try:
        path = icons_dir() / "greenrfm-studio.png"
    except FileNotFoundError:
        return None
    return path if path.exists() else None
