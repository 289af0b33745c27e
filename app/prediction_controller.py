"""Prediction flow of the main window: model list, Predict, heat maps and exports."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QCheckBox, QFileDialog

from app.export.findings_export import write_findings_csv, write_findings_json
from app.export.pdf_report import ReportContent, study_lines, write_pdf_report
from app.predictions.model_catalog import ModelEntry, entry_from_folder, list_models
from app.predictions.results import FindingResult, finding_results

if TYPE_CHECKING:
    from app.main_window import MainWindow

log = logging.getLogger(__name__)


def _timing_text(prediction: Any) -> str:
    timings = getattr(prediction, "timings", None) or {}
    total = timings.get("total_s") if isinstance(timings, dict) else None
    if total is None and isinstance(timings, dict):
        total = sum(float(value) for value in timings.values() if isinstance(value, (int, float)))
    return f"({float(total):.1f} s)" if total else ""


class PredictionController(QObject):
    """Runs the chosen model on the open study and keeps its results for the heat map and exports."""

    predictionFinished = Signal(bool)
    heatmapShown = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.panel = window.findings
        self.prediction: Any = None
        self.results: list[FindingResult] = []
        self.model_entry: ModelEntry | None = None
        self._predictors: dict[str, Any] = {}
        self._heatmap_request = ""
        self.panel.predictRequested.connect(self.predict)
        self.panel.findingSelected.connect(self.show_heatmap)
        self.panel.openModelRequested.connect(self.choose_model_folder)
        self.panel.modelChanged.connect(self._on_model_changed)

    # ----- models -----

    def reload_models(self) -> None:
        """Fill the model picker from the demo model, the library and the opened folders."""
        entries, problems = list_models(self.window.settings.model_folders)
        self.panel.set_models(entries, self.window.settings.last_model)
        for problem in problems:
            self.window.show_warning(
                self.tr("A model could not be listed: {problem}").format(problem=problem)
            )
        self._update_actions()

    def choose_model_folder(self) -> None:
        """Ask for a model folder and add it."""
        folder = QFileDialog.getExistingDirectory(self.window, self.tr("Open a model folder"))
        if folder:
            self.add_model_folder(folder)

    def add_model_folder(self, folder: str | Path) -> bool:
        """Add a model folder to the picker and select it; returns False (with a message) if it is invalid."""
        try:
            entry_from_folder(folder, "folder")
        except (OSError, ValueError) as error:
            self.window.show_error(
                self.tr("{folder} is not a usable model folder: {error}").format(folder=folder, error=error)
            )
            return False
        self.window.settings.add_model_folder(str(Path(folder)))
        self.window.settings.last_model = str(Path(folder))
        self.window._save_settings()
        self.reload_models()
        return True

    def _on_model_changed(self) -> None:
        entry = self.panel.current_model()
        if entry is not None and str(entry.folder) != self.window.settings.last_model:
            self.window.settings.last_model = str(entry.folder)
            self.window._save_settings()
        self._update_actions()

    def study_changed(self) -> None:
        """Forget the previous study's results when a new study opens."""
        self.prediction = None
        self.results = []
        self.panel.clear_results()
        self.panel.status_label.clear()
        self._update_actions()

    def _update_actions(self) -> None:
        can_predict = self.window.volume is not None and self.panel.current_model() is not None
        self.panel.predict_button.setEnabled(can_predict and not self.panel.progress.isVisible())
        actions = getattr(self.window, "actions_by_name", {})
        if "predict" in actions:
            actions["predict"].setEnabled(can_predict)
        for name in ("export_csv", "export_json", "export_pdf"):
            if name in actions:
                actions[name].setEnabled(bool(self.results))

    # ----- prediction -----

    def _predictor(self, entry: ModelEntry):
        """Return a cached Predictor for ``entry`` (created on the worker thread on first use)."""
        from greenrfm_core.inference import Predictor

        key = str(entry.folder)
        if key not in self._predictors:
            self._predictors[key] = Predictor(entry.folder)
        return self._predictors[key]

    def predict(self) -> None:
        """Run the chosen model on the open study in the background."""
        entry = self.panel.current_model()
        volume = self.window.volume
        if entry is None or volume is None:
            self.window.show_warning(self.tr("Open a study and choose a model first."))
            return
        if self.panel.progress.isVisible():
            return
        source = volume
        if entry.is_three_plane_mri:
            # A three-plane model reads the sagittal, coronal and axial series of the whole study itself.
            # NOTE: the GUI tests cover CT models only; this MRI path has not been run against a knee MRI study.
            source = self.window.study_folder
            if source is None:
                self.window.show_warning(
                    self.tr("This MRI model needs a DICOM study folder, not a single file.")
                )
                return
        self.panel.set_busy(True, self.tr("Running {model}...").format(model=entry.name))
        self.window.viewer.clear_heatmap()

        language = "zh" if self.window.language.startswith("zh") else "en"
        steps = {
            "load model": self.tr("Loading the model..."),
            "preprocess": self.tr("Preprocessing the study..."),
        }
        steps["model"] = self.tr("Running the model...")

        def work(report, cancelled):
            report(0, 0, steps["load model"])
            predictor = self._predictor(entry)
            predictor.progress = lambda step, fraction: report(
                int(fraction * 100), 100, steps.get(step, step)
            )
            return predictor.predict(source, lang=language)

        self.window.run_task(
            work, lambda prediction: self._on_prediction(entry, prediction), self._on_failure
        )

    def _on_prediction(self, entry: ModelEntry, prediction: Any) -> None:
        self.panel.set_busy(False)
        self.model_entry = entry
        self.prediction = prediction
        names = entry.finding_names(self.window.language)
        try:
            self.results = finding_results(
                prediction, entry.finding_ids, names, entry.manifest.get("thresholds")
            )
        except (AttributeError, KeyError, ValueError) as error:
            self._on_failure(f"{type(error).__name__}: {error}")
            return
        self.panel.set_results(self.results, _timing_text(prediction))
        self._update_actions()
        log.info("prediction done with %s: %d findings", entry.name, len(self.results))
        self.predictionFinished.emit(True)

    def _on_failure(self, message: str) -> None:
        self.panel.set_busy(False)
        self._update_actions()
        self.window.show_error(self.tr("Prediction failed: {error}").format(error=message))
        self.predictionFinished.emit(False)

    # ----- heat maps -----

    def show_heatmap(self, finding_id: str) -> None:
        """Compute the heat map of ``finding_id`` in the background and overlay it on the views."""
        if self.prediction is None:
            return
        self._heatmap_request = finding_id
        prediction = self.prediction
        volume = self.window.volume
        planes = list(getattr(prediction, "planes", []) or [])
        shown_plane = getattr(self.window.study_source, "plane", "")
        plane = None
        if planes:
            plane = shown_plane if shown_plane in planes else planes[0]

        def work(report, cancelled):
            # Upsampled activation also covers the air around the body, so the overlay keeps tissue only.
            if plane is None:
                return np.asarray(prediction.heatmap(finding_id, body_only=True), dtype=np.float32)
            # Three-plane MRI: the map of the plane on screen, resampled onto the series on screen.
            heatmap = prediction.heatmap(finding_id, volume=volume, plane=plane, body_only=True)
            return np.asarray(heatmap, dtype=np.float32)

        def done(heatmap: np.ndarray) -> None:
            if finding_id != self._heatmap_request:
                return
            try:
                names = {row.finding_id: row.name for row in self.results}
                name = names.get(finding_id, finding_id)
                has_activation = self.window.viewer.set_heatmap(heatmap, finding_id, display_name=name)
            except ValueError as error:
                self.window.show_error(self.tr("The heat map cannot be shown: {error}").format(error=error))
                return
            if not has_activation:
                self.window.show_info(
                    self.tr("The heat map of {finding} is empty: no region raised the model's score.").format(
                        finding=name
                    )
                )
            self.heatmapShown.emit(finding_id)

        self.window.run_task(
            work,
            done,
            lambda message: self.window.show_error(self.tr("Heat map failed: {error}").format(error=message)),
        )

    # ----- exports -----

    def choose_export(self, kind: str) -> None:
        """Ask for a file name and export as ``csv``, ``json`` or ``pdf``."""
        if not self.results:
            self.window.show_warning(self.tr("Run Predict first; there is nothing to export yet."))
            return
        filters = {
            "csv": self.tr("CSV files (*.csv)"),
            "json": self.tr("JSON files (*.json)"),
            "pdf": self.tr("PDF files (*.pdf)"),
        }
        dialog = QFileDialog(self.window, self.tr("Export findings"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(filters[kind])
        dialog.setDefaultSuffix(kind)
        dialog.selectFile(f"findings.{kind}")
        identifiers_box = None
        if kind == "pdf":
            # The non-native dialog accepts an extra widget; the box is off by default.
            dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
            identifiers_box = QCheckBox(self.tr("Include patient name and ID in the report"), dialog)
            layout = dialog.layout()
            if layout is not None:
                layout.addWidget(identifiers_box)
        if not dialog.exec():
            return
        path = dialog.selectedFiles()[0]
        self.export(kind, path, include_identifiers=bool(identifiers_box and identifiers_box.isChecked()))

    def export(self, kind: str, path: str | Path, include_identifiers: bool = False) -> Path | None:
        """Write the findings to ``path`` as ``csv``, ``json`` or ``pdf``; returns the path, or None on error.

        Patient name and ID appear only in a PDF and only with ``include_identifiers``.
        """
        path = Path(path)
        try:
            if kind == "csv":
                write_findings_csv(path, self.results)
            elif kind == "json":
                write_findings_json(path, self.results, self._model_facts(), self.window.study_facts)
            elif kind == "pdf":
                write_pdf_report(path, self._report_content(include_identifiers))
            else:
                raise ValueError(f"unknown export format {kind!r}; use csv, json or pdf")
        except OSError as error:
            self.window.show_error(self.tr("Export to {path} failed: {error}").format(path=path, error=error))
            return None
        self.window.show_info(self.tr("Saved {path}").format(path=path))
        return path

    def _model_facts(self) -> dict[str, Any]:
        entry = self.model_entry
        if entry is None:
            return {}
        return {
            "name": entry.name,
            "task": entry.task,
            "folder": str(entry.folder),
            "synthetic": entry.synthetic,
            "created": entry.provenance.get("created"),
        }

    def _report_content(self, include_identifiers: bool) -> ReportContent:
        viewer = self.window.viewer
        images = []
        captions = {"axial": self.tr("Axial"), "coronal": self.tr("Coronal"), "sagittal": self.tr("Sagittal")}
        for plane in ("axial", "coronal", "sagittal"):
            pixels = viewer.capture(plane)
            # A centred square keeps the three key images the same size whatever the view's shape.
            height, width, _ = pixels.shape
            side = min(height, width)
            top, left = (height - side) // 2, (width - side) // 2
            pixels = np.ascontiguousarray(pixels[top : top + side, left : left + side])
            height, width = side, side
            image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
            caption = captions[plane]
            if viewer.heatmap_title:
                caption += f" ({viewer.heatmap_title})"
            images.append((caption, image))
        entry = self.model_entry
        model_lines = []
        if entry is not None:
            model_lines = [
                (self.tr("Model"), entry.name),
                (self.tr("Task"), entry.task),
                (self.tr("Created"), str(entry.provenance.get("created", ""))),
            ]
            if entry.synthetic:
                model_lines.append((self.tr("Training data"), self.tr("synthetic phantoms only")))
        study = dict(self.window.study_facts)
        if include_identifiers:
            study.update(
                {
                    "patient_name": self.window.study_display.get("patient_name", "")
                    .replace("^", " ")
                    .strip(),
                    "patient_id": self.window.study_display.get("patient_id", ""),
                }
            )
        return ReportContent(
            title=self.tr("GreenRFM Studio findings report"),
            study_lines=study_lines(study, include_identifiers),
            model_lines=model_lines,
            results=self.results,
            images=images,
            notice=self.tr(
                "Not for clinical use. Research software; the model output must not guide diagnosis or treatment."
            ),
        )
