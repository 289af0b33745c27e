"""Study browser and broken input under Xvfb: the window shows a message and stays alive."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

pytestmark = pytest.mark.gui

PATIENT_NAME = "Li^Siming"
TIMEOUT_MS = 60_000


def small_ct(seed: int = 3):
    """A 40-slice CT volume with a bright block on the patient's left."""
    from greenrfm_core.volume import Volume

    rng = np.random.default_rng(seed)
    _, y, x = np.mgrid[0:40, 0:96, 0:96]
    body = ((x - 48) ** 2 / 40**2 + (y - 48) ** 2 / 30**2) < 1
    array = np.where(body, 40.0, -1000.0).astype(np.float32) + rng.normal(0, 10, (40, 96, 96)).astype(
        np.float32
    )
    array[:, 40:56, 80:86] = 900.0
    return Volume(array, spacing=(2.0, 2.0, 5.0), origin=(-96.0, -96.0, 0.0), modality="CT")


@pytest.fixture(scope="module")
def dicom_folder(tmp_path_factory):
    from greenrfm_core.io import write_dicom_series

    folder = tmp_path_factory.mktemp("browser-dicom")
    write_dicom_series(
        small_ct(),
        folder,
        modality="CT",
        patient={"name": PATIENT_NAME, "id": "ID-99"},
        study_description="Browser test study",
        series_description="Axial soft tissue",
        study_date="20240315",
    )
    return folder


@pytest.fixture()
def window(qtbot):
    from app.main_window import MainWindow
    from app.settings import StudioSettings

    main_window = MainWindow(StudioSettings(), "en")
    qtbot.addWidget(main_window)
    main_window.resize(1300, 800)
    main_window.show()
    qtbot.waitExposed(main_window)
    yield main_window
    main_window.close()


def scan_and_wait(window, qtbot, folder) -> None:
    with qtbot.waitSignal(window.scanFinished, timeout=TIMEOUT_MS):
        window.open_folder(folder)


def test_empty_folder_shows_message(window, qtbot, tmp_path):
    scan_and_wait(window, qtbot, tmp_path)
    assert window.messages.level == "error"
    assert "No DICOM images found" in window.messages.text()
    assert window.isVisible()
    assert window.volume is None


def test_non_dicom_files_show_message(window, qtbot, tmp_path):
    for index in range(5):
        (tmp_path / f"notes-{index}.txt").write_text("not an image\n" * 20)
    (tmp_path / "fake.dcm").write_bytes(b"\x00" * 300)
    scan_and_wait(window, qtbot, tmp_path)
    assert window.messages.level == "error"
    assert "6 files" in window.messages.text()
    assert window.volume is None
    assert window.isVisible()


def test_missing_path_and_bad_nifti(window, qtbot, tmp_path):
    window.open_path(str(tmp_path / "gone"))
    assert window.messages.level == "error"
    assert "Not found" in window.messages.text()
    broken = tmp_path / "broken.nii.gz"
    broken.write_bytes(b"this is not gzip data")
    window.open_nifti(broken)
    qtbot.waitUntil(
        lambda: window.messages.level == "error" and "broken.nii.gz" in window.messages.text(),
        timeout=TIMEOUT_MS,
    )
    assert window.volume is None
    assert window.isVisible()


def test_truncated_series_warns_and_stays_alive(window, qtbot, dicom_folder, tmp_path):
    import shutil

    folder = tmp_path / "truncated"
    shutil.copytree(dicom_folder, folder)
    victim = sorted(folder.glob("*.dcm"))[5]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    scan_and_wait(window, qtbot, folder)
    warnings = [window.browser.warnings.item(row).text() for row in range(window.browser.warnings.count())]
    assert any("truncated" in text for text in warnings), warnings
    qtbot.waitUntil(lambda: window.volume is not None or window.messages.level == "error", timeout=TIMEOUT_MS)
    assert window.messages.history, "the window must tell the user about the damaged file"
    assert any(level in ("warning", "error") for level, _ in window.messages.history)
    assert window.isVisible()


def test_scan_fills_table_thumbnail_and_recent(window, qtbot, dicom_folder):
    with qtbot.waitSignal(window.studyLoaded, timeout=TIMEOUT_MS):
        window.open_folder(dicom_folder)
    browser = window.browser
    assert browser.row_count() == 1
    cells = [browser.table.item(0, column).text() for column in range(browser.COLUMNS)]
    assert cells == ["Li Siming", "2024-03-15", "CT", "Axial soft tissue", "1 axial", "40"]
    pixmap = browser.thumbnail.pixmap()
    assert pixmap is not None and not pixmap.isNull()
    grey = np.array([pixmap.toImage().pixelColor(x, 48).red() for x in range(pixmap.width())])
    assert grey.std() > 10, "the thumbnail shows the middle slice, not a blank image"

    from app.settings import settings_path

    stored = json.loads(settings_path().read_text(encoding="utf-8"))
    assert stored["recent"][0]["path"] == str(dicom_folder)
    assert "Li" not in json.dumps(stored), "settings must contain no patient name"
    assert "ID-99" not in json.dumps(stored), "settings must contain no patient ID"
    assert browser.recent.count() >= 1
    assert window.recent_menu.actions()[0].toolTip() == str(dicom_folder)


def test_nifti_open_and_drop_folder(window, qtbot, dicom_folder, tmp_path):
    from greenrfm_core.io import write_nifti

    nifti = write_nifti(small_ct(5), tmp_path / "volume.nii.gz")
    with qtbot.waitSignal(window.studyLoaded, timeout=TIMEOUT_MS):
        window.open_path(str(nifti))
    assert window.volume.array.shape == (40, 96, 96)
    assert window.viewer.capture("axial").std() > 10

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(dicom_folder))])
    drop = QDropEvent(
        QPointF(400, 300),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(
        QPointF(400, 300),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(enter)
    assert enter.isAccepted(), "the window accepts dragged folders"
    # QApplication routes a synthetic drop only during a real drag, so the handler is called directly.
    with qtbot.waitSignal(window.studyLoaded, timeout=TIMEOUT_MS):
        window.dropEvent(drop)
    assert window.study_facts["description"] == "Browser test study"


def test_background_task_cancel(qtbot):
    from app.workers import BackgroundTask, CancelledError

    started = threading.Event()

    def work(report, cancelled):
        started.set()
        while not cancelled():
            threading.Event().wait(0.01)
        raise CancelledError()

    task = BackgroundTask(work)
    with qtbot.waitSignal(task.cancelled, timeout=TIMEOUT_MS):
        task.start()
        assert started.wait(10)
        task.cancel()
    assert not task.running


def test_background_task_error_reaches_window(window, qtbot):
    def work(report, cancelled):
        raise ValueError("bad spacing 0.0 in series 3")

    window.run_task(work, lambda result: None)
    qtbot.waitUntil(lambda: window.messages.level == "error", timeout=TIMEOUT_MS)
    assert "bad spacing 0.0 in series 3" in window.messages.text()
    window.messages.dismiss()
    assert window.messages.text() == ""
    assert QPoint(0, 0) == window.messages.pos() or window.messages.isHidden()


def test_dicomdir_opens_its_folder(window, qtbot, dicom_folder, tmp_path):
    from pydicom.fileset import FileSet

    file_set = FileSet()
    for path in sorted(dicom_folder.glob("*.dcm")):
        file_set.add(path)
    file_set.write(tmp_path / "media")
    dicomdir = tmp_path / "media" / "DICOMDIR"
    assert dicomdir.is_file()
    with qtbot.waitSignal(window.studyLoaded, timeout=TIMEOUT_MS):
        window.open_path(str(dicomdir))
    assert window.browser.row_count() == 1
    assert window.volume.array.shape == (40, 96, 96)
    assert window.settings.recent[0].kind == "dicomdir"
    assert window.settings.recent[0].path == str(dicomdir)


def test_cancelled_scan_keeps_partial_list(window, qtbot, dicom_folder):
    with qtbot.waitSignal(window.scanFinished, timeout=TIMEOUT_MS):
        window.open_folder(dicom_folder)
        # The scan checks the flag before each of the 40 files, so it stops long before the end.
        window.cancel_scan()
    assert "Scan cancelled" in window.browser.summary.text()
    assert window.messages.level == "info", "a cancelled scan is not an error"
    assert window.volume is None, "nothing opens by itself after a cancel"
    assert window.browser.progress.isHidden()
    assert window.browser.cancel_button.isHidden()
    assert window.isVisible()
