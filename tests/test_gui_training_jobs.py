"""Main window and training wizard together: "Use this model", start-up job offer and language switch.

Run with ``xvfb-run -a -s "-screen 0 1280x800x24" python -m pytest tests/test_gui_training_jobs.py -q``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shiboken6

pytest.importorskip("pytestqt")

from PySide6.QtWidgets import QApplication, QMessageBox

from greenrfm_core.library import JobState, Library
from greenrfm_core.volume import Volume
from tests.test_gui_viewer import model_folder  # noqa: F401  (pytest fixture)

pytestmark = pytest.mark.gui

TIMEOUT_MS = 60_000


@pytest.fixture()
def window(qtbot):
    from app.main_window import MainWindow
    from app.settings import StudioSettings

    main_window = MainWindow(StudioSettings(), "en")
    main_window.resize(1200, 760)
    main_window.show()
    qtbot.waitExposed(main_window)
    yield main_window
    # A language switch deletes this window and builds a new one, so qtbot must not own it.
    if shiboken6.isValid(main_window):
        main_window.close()


@pytest.fixture()
def sleeper():
    """A live Python process used as the training process of a job (killed by its PID afterwards)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    yield process
    process.kill()
    process.wait(10)


def add_job(library_path: Path, run_dir: Path, pid: int | None = None, state: JobState | None = None) -> int:
    """Record a chest CT job. With ``pid`` it runs in that process, and with ``state`` it ends in that state."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "events.jsonl").write_text("", encoding="utf-8")
    command = ["greenrfm", "train", "--task", "chest-ct", "--out", str(run_dir)]
    with Library(library_path) as library:
        job_id = library.add_job("chest-ct", command, run_dir, run_dir / "events.jsonl")
        if pid is not None:
            library.mark_job_started(job_id, pid)
        if state is not None:
            library.set_job_state(job_id, state, message="test job")
    return job_id


def small_ct() -> Volume:
    array = np.random.default_rng(3).normal(0.0, 200.0, (48, 64, 64)).astype(np.float32)
    return Volume(array, spacing=(4.0, 4.0, 6.0), modality="CT")


def test_use_this_model_opens_in_viewer(window, model_folder, qtbot, tmp_path):  # noqa: F811
    from app.wizard import TrainingWizard

    library_path = tmp_path / "library.sqlite"
    window.training_jobs.library_path = library_path
    job_id = add_job(library_path, tmp_path / "run", state=JobState.DONE)
    window.show_volume(small_ct(), {"description": "use model"}, {})
    assert window.findings.current_model() is None or window.findings.current_model().folder != model_folder

    wizard = TrainingWizard(window, library_path=library_path, job_id=job_id, offer_pending=False)
    qtbot.addWidget(wizard)
    wizard.train_page.model_path = str(model_folder)
    results = wizard.results_page
    results.state.job_id = job_id
    accepted = []
    wizard.modelAccepted.connect(lambda model_id, folder: accepted.append(folder))
    try:
        with qtbot.waitSignal(window.predictions.predictionFinished, timeout=TIMEOUT_MS) as blocker:
            results.use_button.click()
        assert accepted == [str(model_folder)], results.error.text()
        assert blocker.args == [True], window.messages.history
        assert Path(window.findings.current_model().folder).resolve() == Path(model_folder).resolve()
        assert window.findings.table.rowCount() == 18
        assert not results.use_button.isEnabled()
    finally:
        wizard.close()


def test_open_model_rejects_bad_folder(window, tmp_path):
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    assert window.open_model(empty) is False
    assert window.messages.level == "error"
    level, text = window.messages.history[-1]
    assert level == "error"
    assert "not-a-model" in text


def test_start_up_offers_interrupted_job(window, qtbot, tmp_path):
    library_path = tmp_path / "library.sqlite"
    window.training_jobs.library_path = library_path
    assert window.training_jobs.offer_pending_job() is None, "empty library"

    job_id = add_job(library_path, tmp_path / "run", state=JobState.INTERRUPTED)
    box = window.training_jobs.offer_pending_job()
    assert box is not None
    assert box.isVisible()
    assert not box.isModal(), "the offer must not block the main window"
    assert "interrupted" in box.text()
    assert QApplication.activeModalWidget() is None

    box.button(QMessageBox.StandardButton.Yes).click()
    wizard = window.training_jobs.wizard
    assert wizard is not None
    qtbot.addWidget(wizard)
    qtbot.waitExposed(wizard)
    assert wizard.state.job_id == job_id
    assert wizard.train_page.resume_button.isVisibleTo(wizard.train_page)
    wizard.close()


def test_start_up_offer_declined(window, tmp_path):
    library_path = tmp_path / "library.sqlite"
    window.training_jobs.library_path = library_path
    add_job(library_path, tmp_path / "run", state=JobState.INTERRUPTED)
    box = window.training_jobs.offer_pending_job()
    box.button(QMessageBox.StandardButton.No).click()
    assert window.training_jobs.wizard is None
    assert window.training_jobs.pending_box is None


def test_language_switch_reopens_wizard_on_job(window, qtbot, tmp_path, sleeper):
    from app.i18n import install_translators
    from app.main_window import MainWindow

    library_path = tmp_path / "library.sqlite"
    window.training_jobs.library_path = library_path
    job_id = add_job(library_path, tmp_path / "run", pid=sleeper.pid)
    old_wizard = window.training_jobs.open_wizard(job_id=job_id, offer_pending=False)
    qtbot.waitExposed(old_wizard)
    assert old_wizard.windowTitle() == "Train a model"
    assert old_wizard.runner.is_following()
    try:
        window.actions_by_name["language_zh_CN"].trigger()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=20_000)
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        assert len(windows) == 1
        new_window = windows[0]
        qtbot.addWidget(new_window)
        new_wizard = new_window.training_jobs.wizard
        assert new_wizard is not None
        assert new_wizard is not old_wizard
        assert new_wizard.isVisible()
        assert new_wizard.parentWidget() is new_window
        assert new_wizard.windowTitle() == "训练模型"
        assert new_wizard.state.job_id == job_id
        assert new_wizard.runner.is_following()
        assert sleeper.poll() is None, "the training process keeps running"
        with Library(library_path) as library:
            assert library.get_job(job_id).state is JobState.RUNNING
        new_wizard.runner.detach()
        new_wizard.close()
        new_window.close()
    finally:
        install_translators("en")


def test_language_switch_rebuilds_wizard_without_job(window, qtbot, tmp_path):
    from app.i18n import install_translators
    from app.main_window import MainWindow

    window.training_jobs.library_path = tmp_path / "library.sqlite"
    old_wizard = window.training_jobs.open_wizard(offer_pending=False)
    qtbot.waitExposed(old_wizard)
    try:
        window.actions_by_name["language_zh_CN"].trigger()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=20_000)
        new_window = next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        )
        qtbot.addWidget(new_window)
        new_wizard = new_window.training_jobs.wizard
        assert new_wizard is not None and new_wizard.isVisible()
        assert new_wizard.windowTitle() == "训练模型"
        assert new_wizard.state.job_id is None
        new_wizard.close()
        new_window.close()
    finally:
        install_translators("en")
