"""Regenerate the user-guide screenshots in docs/images/ by driving the real app in English and Chinese.

Run under an X server (the VTK views need OpenGL)::

    xvfb-run -a -s "-screen 0 1280x800x24" python docs/screenshots.py

Each language runs in its own process with a scratch ``GREENRFM_HOME``, so no user settings, library or
cache are touched. The script renders a small phantom chest CT cohort with reports in that language, then:

1. opens the cohort in the study browser (``study-browser-<lang>.png``);
2. opens the bundled demo study, predicts with the bundled demo model and selects the most probable
   positive finding whose heat map has activation (``main-window-<lang>.png``). When the demo model is
   missing, or none of its heat maps has activation, a tiny model trained by the script is used instead;
3. walks the training wizard through every page on the cohort, training for one epoch at 32 x 32 x 16
   voxels (``wizard-<n>-<page>-<lang>.png``).

The main window is captured with ``app.screenshot.window_screenshot``, which reads the VTK views back through
``vtkWindowToImageFilter``; wizard pages have no OpenGL and use ``QWidget.grab``. Images are scaled to
``--width`` pixels and stored as 8-bit palette PNGs to keep the repository small. The whole run takes a few
minutes on a 2-core CPU, most of it the two wizard trainings.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LANGUAGES = ("en", "zh_CN")
WINDOW_SIZE = (1280, 800)
COHORT_SIZE = 12

log = logging.getLogger("screenshots")


def wait_until(predicate, timeout_s: float, description: str) -> None:
    """Process Qt events until ``predicate()`` is true; raise ``TimeoutError`` naming ``description`` otherwise."""
    from PySide6.QtWidgets import QApplication

    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout_s:.0f} s waiting for {description}")
        QApplication.processEvents()
        time.sleep(0.02)
    QApplication.processEvents()


def settle(seconds: float = 0.5) -> None:
    """Process events for ``seconds`` so layouts, plots and renders finish before a capture."""
    from PySide6.QtWidgets import QApplication

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.02)


def save_image(image, path: Path, width: int) -> None:
    """Scale a QImage to ``width`` pixels, reduce it to an 8-bit palette and write it as PNG."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage

    if image.isNull():
        raise RuntimeError(f"the capture for {path.name} is empty")
    scaled = image.scaledToWidth(width, Qt.TransformationMode.SmoothTransformation)
    palette = scaled.convertToFormat(QImage.Format.Format_Indexed8, Qt.ImageConversionFlag.ThresholdDither)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not palette.save(str(path), "PNG", 0):
        raise OSError(f"failed to write {path}; check that the folder is writable")
    print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path} ({path.stat().st_size // 1024} KiB)")


def make_cohort(scratch: Path, language: str) -> Path:
    """Render the phantom chest CT cohort (DICOM, reports in ``language``) and return its folder."""
    from greenrfm_core.cli import main as greenrfm

    cohort = scratch / "cohort"
    report_language = "zh" if language.startswith("zh") else "en"
    code = greenrfm(
        ["phantom", "--task", "chest-ct", "--n", str(COHORT_SIZE), "--size", "small", "--format", "dicom",
         "--seed", "3", "--lang", report_language, "--out", str(cohort)]
    )
    if code != 0:
        raise RuntimeError(f"greenrfm phantom failed with exit code {code}")
    return cohort


def fallback_model(scratch: Path) -> Path:
    """Train a tiny chest CT model, for checkouts without the bundled demo model.

    Only the vision stage runs, on the ground-truth labels of its own English-report cohort with fixed seeds,
    so both languages get the same model.
    """
    from greenrfm_core.cli import main as greenrfm

    cohort = make_cohort(scratch / "fallback", "en")
    run = scratch / "fallback-run"
    code = greenrfm(
        ["train", "--task", "chest-ct", "--data", str(cohort), "--labels", str(cohort / "labels.csv"),
         "--stage", "vision", "--profile", "lite", "--epochs", "1", "--input-shape", "32", "32", "16",
         "--width-mult", "0.25", "--device", "cpu", "--seed", "0", "--out", str(run)]
    )
    if code != 0:
        raise RuntimeError(f"greenrfm train failed with exit code {code}")
    return run / "model"


def capture_main_window(language: str, scratch: Path, cohort: Path, out: Path, width: int) -> None:
    """Capture the study browser and the main window with predictions and a heat map."""
    from app.main import demo_study_folder
    from app.main_window import MainWindow
    from app.screenshot import window_screenshot
    from app.settings import StudioSettings

    window = MainWindow(StudioSettings.load(), language)
    window.resize(*WINDOW_SIZE)
    window.show()
    settle()

    scanned, loaded = [], []
    window.scanFinished.connect(lambda: scanned.append(True))
    window.studyLoaded.connect(lambda: loaded.append(True))
    window.open_folder(cohort)
    wait_until(lambda: bool(scanned) and bool(loaded), 120, "the cohort scan and its first series")
    settle(1.0)
    save_image(window_screenshot(window, window.viewer), out / f"study-browser-{language}.png", width)

    predicted, heatmaps = [], []
    window.predictions.predictionFinished.connect(predicted.append)
    window.predictions.heatmapShown.connect(heatmaps.append)
    loaded.clear()
    window.open_folder(demo_study_folder())
    wait_until(lambda: bool(loaded), 120, "the demo study to load")

    panel = window.findings
    demo = next((index for index, entry in enumerate(panel.entries) if entry.source == "demo"), None)
    if demo is not None:
        panel.model_box.setCurrentIndex(demo)
        if predict_and_show_heatmap(window, predicted, heatmaps):
            finish_main_window(window, language, out, width)
            return
        log.warning("the demo model gave no heat map with activation; using a tiny trained model instead")
    else:
        log.warning("no bundled demo model; training a tiny model for the screenshot")
    if not window.predictions.add_model_folder(fallback_model(scratch)):
        raise RuntimeError("the fallback model folder was rejected")
    if not predict_and_show_heatmap(window, predicted, heatmaps):
        raise RuntimeError("no finding of the fallback model has a heat map with activation")
    finish_main_window(window, language, out, width)


def predict_and_show_heatmap(window, predicted: list, heatmaps: list) -> bool:
    """Predict with the selected model and select the first finding whose heat map has activation.

    A finding's heat map can be flat (the app then shows a message over the views), so the positive findings
    are tried in order of probability. Returns False when none of them has activation.
    """
    predicted.clear()
    window.predictions.predict()
    wait_until(lambda: bool(predicted), 300, "the prediction")
    if not predicted[0]:
        raise RuntimeError("the prediction failed; see the message area of the window")
    candidates = [result for result in window.predictions.results if result.positive]
    for result in candidates or window.predictions.results[:1]:
        heatmaps.clear()
        window.findings.select_finding(result.finding_id)
        wait_until(lambda: bool(heatmaps), 120, f"the heat map of {result.finding_id}")
        if window.viewer.heatmap is not None and float(window.viewer.heatmap.max()) > 0:
            return True
        log.warning("the heat map of %s is flat; trying the next finding", result.finding_id)
    return False


def finish_main_window(window, language: str, out: Path, width: int) -> None:
    """Capture the main window after the heat map is shown, then close it."""
    from app.screenshot import window_screenshot

    # Close the "heat map is empty" message of a flat finding tried before, as a user would.
    window.messages.dismiss()
    settle(1.0)
    save_image(window_screenshot(window, window.viewer), out / f"main-window-{language}.png", width)
    window.close()


def capture_wizard(language: str, scratch: Path, cohort: Path, out: Path, width: int) -> None:
    """Walk the training wizard page by page on the cohort and capture each page."""
    from app.wizard import TrainingWizard
    from greenrfm_core.library import JobState

    wizard = TrainingWizard(library_path=scratch / "library.sqlite", offer_pending=False)
    wizard.resize(1100, 760)
    wizard.show()
    settle()

    def shot(number: int, name: str) -> None:
        settle(0.8)
        save_image(wizard.grab().toImage(), out / f"wizard-{number}-{name}-{language}.png", width)

    shot(1, "task")

    wizard.next()
    data = wizard.data_page
    data.studies_edit.setText(str(cohort))
    data.reports_edit.setText(str(cohort / "reports.csv"))
    data.scan_button.click()
    wait_until(data.isComplete, 120, "the data page to match studies and reports")
    shot(2, "data")

    wizard.next()
    wait_until(wizard.labels_page.isComplete, 120, "the rule-based labeler")
    shot(3, "labels")

    wizard.next()
    wait_until(wizard.split_page.isComplete, 30, "the patient-level split")
    shot(4, "split")

    wizard.next()
    configure = wizard.configure_page
    configure.epochs.setValue(1)
    configure.profile.setCurrentIndex(configure.profile.findData("lite"))
    configure.input_shape.setText("32 32 16")
    configure.output.setText(str(scratch / "wizard-run"))
    configure.start_measurement()
    wait_until(lambda: configure.measure_button.isEnabled(), 300, "the device measurement")
    shot(5, "configure")

    wizard.next()
    wait_until(lambda: wizard.runner.state == JobState.DONE, 600, "the wizard's training job")
    shot(6, "train")

    wizard.next()
    results = wizard.results_page
    wait_until(lambda: results.evaluation is not None or "failed" in results.status.text(), 300, "evaluation")
    shot(7, "results")
    wizard.runner.detach()
    wizard.close()


def run_language(language: str, out: Path, width: int, parts: list[str]) -> int:
    """Capture every screenshot of one language in this process."""
    with tempfile.TemporaryDirectory(prefix="greenrfm-shots-") as scratch_name:
        scratch = Path(scratch_name)
        os.environ["GREENRFM_HOME"] = str(scratch / "home")
        cohort = make_cohort(scratch, language)

        from PySide6.QtWidgets import QApplication

        from app.i18n import install_translators

        application = QApplication.instance() or QApplication([sys.argv[0]])
        application.setApplicationName("GreenRFM Studio")
        install_translators(language)
        if "main" in parts:
            capture_main_window(language, scratch, cohort, out, width)
        if "wizard" in parts:
            capture_wizard(language, scratch, cohort, out, width)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate docs/images/*.png from the running app.")
    parser.add_argument("--languages", nargs="+", choices=LANGUAGES, default=list(LANGUAGES),
                        help="user-interface languages to capture (default: en zh_CN)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images", help="output folder")
    parser.add_argument("--width", type=int, default=1000, help="width of the stored images in pixels")
    parser.add_argument("--parts", nargs="+", choices=["main", "wizard"], default=["main", "wizard"],
                        help="main: study browser and main window; wizard: every wizard page (default: both)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        print("no X display: run under xvfb-run -a -s \"-screen 0 1280x800x24\"", file=sys.stderr)
        return 2
    if len(args.languages) == 1:
        return run_language(args.languages[0], args.out.resolve(), args.width, args.parts)
    # One process per language: Qt widgets read their translations when they are built.
    failed = []
    for language in args.languages:
        command = [sys.executable, __file__, "--languages", language, "--out", str(args.out), "--width",
                   str(args.width), "--parts", *args.parts]
        if subprocess.run(command, check=False).returncode != 0:
            failed.append(language)
    if failed:
        print(f"screenshots failed for: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
