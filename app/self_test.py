"""``greenrfm-studio --self-test``: open the demo study, predict with the demo model, save a screenshot, exit.

Installers run it to prove that Qt, VTK/OpenGL, the model and the translations work on the machine.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from app.screenshot import save_screenshot

log = logging.getLogger(__name__)

SELF_TEST_TIMEOUT_MS = 600_000


class DemoRun(QObject):
    """Open the demo study, run the demo model and show the top finding's heat map, step by step.

    With ``exit_when_done`` (the self-test) the application exits with 0 after the screenshot, or 1 on the
    first error message or after ``SELF_TEST_TIMEOUT_MS``.
    """

    def __init__(self, window, study_dir: Path, screenshot: Path | None, exit_when_done: bool) -> None:
        super().__init__(window)
        self.window = window
        self.study_dir = study_dir
        self.screenshot = screenshot
        self.exit_when_done = exit_when_done
        self._finished = False
        self._predict_on_load = True
        self._awaiting_prediction = False
        window.studyLoaded.connect(self._on_study_loaded)
        window.predictions.predictionFinished.connect(self._on_prediction)
        window.predictions.heatmapShown.connect(self._on_heatmap)
        if exit_when_done:
            original = window.messages.show_message

            def watch(text: str, level: str = "info") -> None:
                original(text, level)
                if level == "error":
                    self._finish(1, f"error shown in the window: {text}")

            window.messages.show_message = watch
            QTimer.singleShot(SELF_TEST_TIMEOUT_MS, lambda: self._finish(1, "timed out"))

    def start(self) -> None:
        """Select the demo model and open the demo study."""
        panel = self.window.findings
        for index, entry in enumerate(panel.entries):
            if entry.source == "demo":
                panel.model_box.setCurrentIndex(index)
                break
        else:
            if self.exit_when_done:
                self._finish(1, "the bundled demo model was not found; reinstall GreenRFM Studio")
                return
            self._predict_on_load = False
            self.window.show_warning(
                self.tr("The bundled demo model was not found, so the demo study opens without a prediction.")
            )
        self.window.open_folder(self.study_dir)

    def _on_study_loaded(self) -> None:
        if not self._finished and self._predict_on_load:
            self._predict_on_load = False
            self._awaiting_prediction = True
            self.window.predictions.predict()

    def _on_prediction(self, succeeded: bool) -> None:
        # Only the demo's own prediction selects a finding; later ones are the user's.
        if not succeeded or self._finished or not self._awaiting_prediction:
            return
        self._awaiting_prediction = False
        results = self.window.predictions.results
        positives = [row for row in results if row.positive]
        if results:
            # The positive finding with the highest probability gives the most informative heat map.
            self.window.findings.select_finding((positives or results)[0].finding_id)

    def _on_heatmap(self, _finding_id: str) -> None:
        if self._finished or not self.exit_when_done:
            return
        if self.screenshot is not None:
            QApplication.processEvents()
            save_screenshot(self.window, self.window.viewer, self.screenshot)
            print(f"self-test: screenshot written to {self.screenshot}")
        self._finish(0)

    def _finish(self, code: int, reason: str = "") -> None:
        """Close the window and exit with ``code``; ``reason`` explains a failure (code 1)."""
        if self._finished or not self.exit_when_done:
            return
        self._finished = True
        if code == 0:
            print("self-test passed")
        else:
            print(f"self-test FAILED: {reason}", file=sys.stderr)
        self.window.close()
        # exit() before exec() has no effect, and start() can fail before the event loop runs.
        QTimer.singleShot(0, lambda: QApplication.instance().exit(code))
