"""Training wizard end to end: reports to a registered model through a real ``greenrfm train`` process.

The run is killed with SIGKILL after its first checkpoint and resumed from it, so one short training covers
the interrupted-job path as well. Screenshots go to the test's tmp folder and to /tmp/wizard-shots/.
"""

from __future__ import annotations

import csv
import os
import re
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.exceptions import TimeoutError

from app.wizard import TrainingWizard, find_pending_job
from app.wizard.runner import CAN_PAUSE
from app.wizard.wizard import PAGE_CONFIGURE, PAGE_DATA, PAGE_LABELS, PAGE_RESULTS, PAGE_SPLIT, PAGE_TRAIN
from greenrfm_core.io.dicom_writer import write_dicom_series
from greenrfm_core.library import JobState, Library, is_process_alive
from greenrfm_core.volume import Volume
from tests.test_gui_wizard import save_shot

pytestmark = [pytest.mark.gui, pytest.mark.slow]

N_STUDIES = 12


def _chest_volume(effusion: bool, nodule: bool) -> Volume:
    array = np.full((8, 24, 24), -1000.0, dtype=np.float32)
    array[:, 4:20, 4:20] = -850.0  # lungs
    if effusion:
        array[:, 15:20, 4:20] = 15.0
    if nodule:
        array[3:5, 8:11, 8:11] = 60.0
    return Volume(array=array, spacing=(2.0, 2.0, 4.0), modality="CT")


@pytest.fixture(scope="module")
def report_cohort(tmp_path_factory):
    """Twelve small chest CT studies of nine patients with free-text reports (CSV, UTF-8)."""
    root = tmp_path_factory.mktemp("report-cohort")
    rows = []
    for index in range(N_STUDIES):
        effusion, nodule = index % 2 == 0, index % 3 == 0
        study_id = f"CT{index:03d}"
        write_dicom_series(
            _chest_volume(effusion, nodule), root / "studies" / study_id, patient={"id": f"P{min(index, 8)}"}
        )
        findings = "Small right pleural effusion. " if effusion else "No pleural effusion. "
        findings += "A 6 mm lung nodule in the right upper lobe." if nodule else "No lung nodule."
        rows.append([study_id, findings, "Chest CT as described."])
    with open(root / "reports.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["study_id", "findings", "impression"])
        writer.writerows(rows)
    return root


def wait_for_event(qtbot, events: list, kind: str, timeout_s: float, state) -> None:
    """Wait until an event of ``kind`` is in ``events``; on timeout, fail listing the last events."""
    try:
        qtbot.waitUntil(lambda: any(event.kind == kind for event in events), timeout=int(timeout_s * 1000))
    except TimeoutError:
        recent = [(event.kind, event.get("stage"), event.get("step")) for event in events[-12:]]
        pytest.fail(f"no {kind} event within {timeout_s} s; job state {state()}; last events {recent}")


def answer_next_question(button: QMessageBox.StandardButton) -> None:
    """Click ``button`` on the next modal message box as soon as it opens."""

    attempts = iter(range(200))

    def answer() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            box.button(button).click()
        elif next(attempts, None) is not None:
            QTimer.singleShot(50, answer)

    QTimer.singleShot(50, answer)


@pytest.fixture
def wizard(qtbot, tmp_path):
    # Not registered with qtbot.addWidget: pytest-qt would close the window before this fixture's teardown,
    # and closing while training runs asks whether to keep it running.
    window = TrainingWizard(library_path=tmp_path / "library.sqlite", offer_pending=False)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.runner.detach()
    if is_process_alive(window.runner.pid):
        os.kill(window.runner.pid, signal.SIGKILL)
    window.close()
    window.deleteLater()
    log = Path(tmp_path, "run", "train.log")
    if log.is_file():
        print("train.log tail:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-30:]))


@pytest.mark.timeout(600)
def test_wizard_trains_kills_resumes_and_registers(wizard, qtbot, tmp_path, report_cohort):
    library_path = tmp_path / "library.sqlite"

    # Data: reports file, id column proposed by the reader.
    wizard.next()
    data = wizard.data_page
    data.studies_edit.setText(str(report_cohort / "studies"))
    data.reports_edit.setText(str(report_cohort / "reports.csv"))
    data.scan_button.click()
    qtbot.waitUntil(data.isComplete, timeout=30000)
    assert wizard.currentId() == PAGE_DATA
    assert len(wizard.state.match.matched) == N_STUDIES
    assert data.id_column.currentText() == "study_id"

    # Labels: the rule-based labeler runs in the background and leaves evidence tooltips.
    wizard.next()
    labels = wizard.labels_page
    qtbot.waitUntil(labels.isComplete, timeout=60000)
    assert wizard.currentId() == PAGE_LABELS
    effusion = wizard.state.finding_ids.index("pleural_effusion")
    assert wizard.state.labels["CT000"][effusion] == 1
    assert wizard.state.labels["CT001"][effusion] == 0
    row = [labels.table.verticalHeaderItem(r).text() for r in range(labels.table.rowCount())].index("CT000")
    assert "pleural effusion" in labels.table.item(row, effusion).toolTip().lower()
    save_shot(wizard, tmp_path, "03-labels-from-reports")

    wizard.next()
    assert wizard.currentId() == PAGE_SPLIT
    assert wizard.split_page.isComplete()

    # Configure: one short epoch at reduced input size.
    wizard.next()
    assert wizard.currentId() == PAGE_CONFIGURE
    configure = wizard.configure_page
    configure.epochs.setValue(1)
    configure.profile.setCurrentIndex(configure.profile.findData("lite"))
    configure.input_shape.setText("32 32 16")
    configure.output.setText(str(tmp_path / "run"))
    assert "CPU" in configure.device.text() or "GiB" in configure.device.text()
    assert "per epoch" in configure.estimate.text()
    assert "rough estimate" in configure.estimate.text()

    # Measure a few real training steps of the chosen model on this device.
    qtbot.mouseClick(configure.measure_button, Qt.MouseButton.LeftButton)
    assert not configure.isComplete(), "training could start while the measurement runs"
    qtbot.waitUntil(lambda: configure.measure_button.isEnabled(), timeout=120000)
    assert configure.error.text() == ""
    assert "measured on this device" in configure.estimate.text()
    rate = float(re.search(r"at ([0-9.]+) studies/s", configure.estimate.text()).group(1))
    assert rate > 0
    assert configure.isComplete()
    configure.input_shape.setText("32 32 24")
    assert "rough estimate" in configure.estimate.text(), "a measurement of another input size was reused"
    configure.input_shape.setText("32 32 16")
    assert "measured on this device" in configure.estimate.text()
    save_shot(wizard, tmp_path, "05-configure")

    events = []
    wizard.runner.eventReceived.connect(events.append)
    wizard.next()
    assert wizard.currentId() == PAGE_TRAIN
    train = wizard.train_page
    runner = wizard.runner
    qtbot.waitUntil(lambda: any(e.kind == "checkpoint" for e in events), timeout=120000)
    assert train.progress.value() > 0
    assert train.step_y, "progress events did not reach the loss plot"
    with Library(library_path) as library:
        job = library.get_job(wizard.state.job_id)
    assert job.state is JobState.RUNNING
    assert "--split" in job.command
    assert (tmp_path / "run" / "labels.csv").is_file()

    # SIGKILL mid-run: the job shows as interrupted and offers resume.
    os.kill(runner.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: runner.state == JobState.INTERRUPTED, timeout=20000)
    assert train.resume_button.isVisible()
    assert not train.isComplete()
    save_shot(wizard, tmp_path, "06-train-interrupted")
    pending = find_pending_job(library_path)
    assert pending is not None and pending.id == wizard.state.job_id
    assert pending.state is JobState.INTERRUPTED

    resume_index = len(events)
    train.resume_button.click()
    qtbot.waitUntil(lambda: runner.state == JobState.RUNNING, timeout=5000)

    # A second window (the app reopened) reattaches by tailing the events file, and pauses the job.
    second = TrainingWizard(library_path=library_path, job_id=wizard.state.job_id, offer_pending=False)
    second_events = []
    second.runner.eventReceived.connect(second_events.append)
    second.show()
    qtbot.waitExposed(second)
    try:
        assert second.currentId() == PAGE_TRAIN
        assert second.runner.state == JobState.RUNNING
        assert second.runner.pid == runner.pid
        assert second.train_page.loss_y, "replayed epoch losses missing after reattaching"
        if CAN_PAUSE:
            # Pausing needs the resumed run's signal handlers, which exist once a stage has started.
            qtbot.waitUntil(lambda: second.runner.can_pause, timeout=90000)
            assert second.train_page.pause_button.isEnabled()
            assert second.runner.pause()
            wait_for_event(qtbot, second_events, "paused", timeout_s=150, state=lambda: second.runner.state)
            assert second.train_page.pause_button.text() == "Resume"
            save_shot(second, tmp_path, "06-train-reattached-paused")
            assert second.runner.unpause()
            wait_for_event(qtbot, second_events, "resumed", timeout_s=60, state=lambda: second.runner.state)
        # Closing a window that follows a running job asks whether to keep it; "Yes" leaves it running.
        assert second.runner.state.is_active, "the run ended before the close check"
        answer_next_question(QMessageBox.StandardButton.Yes)
        second.close()
        assert not second.isVisible()
        assert not second.runner.is_following()
        assert is_process_alive(runner.pid)
    finally:
        second.runner.detach()
        second.close()
        second.deleteLater()

    qtbot.waitUntil(lambda: runner.state == JobState.DONE, timeout=150000)
    assert any(e.kind == "start" for e in events[resume_index:])
    assert train.isComplete()
    assert train.loss_y, "epoch losses missing from the loss plot"
    assert train.auroc_y, "validation AUROC missing from the AUROC plot"
    assert train.model_path and Path(train.model_path, "manifest.json").is_file()
    save_shot(wizard, tmp_path, "06-train-done")
    with Library(library_path) as library:
        job = library.get_job(wizard.state.job_id)
    assert job.state is JobState.DONE
    assert "--resume" in job.command

    # Results: Predictor-based evaluation on the validation split, then register the model.
    wizard.next()
    assert wizard.currentId() == PAGE_RESULTS
    results = wizard.results_page
    qtbot.waitUntil(
        lambda: results.evaluation is not None or "failed" in results.status.text(), timeout=60000
    )
    assert results.evaluation is not None, results.status.text()
    report = results.evaluation["model"]
    assert set(report["findings"]) == set(wizard.state.finding_ids)
    assert report["findings"]["pleural_effusion"]["roc"]["fpr"]
    assert results.table.rowCount() == len(wizard.state.finding_ids)
    save_shot(wizard, tmp_path, "07-results")

    accepted = []
    results.modelAccepted.connect(lambda model_id, folder: accepted.append((model_id, folder)))
    results.use_button.click()
    assert accepted, results.error.text()
    with Library(library_path) as library:
        model = library.get_model(accepted[0][0])
    assert model.job_id == wizard.state.job_id
    assert model.task == "chest-ct"
    assert Path(model.folder) == Path(train.model_path).resolve()
    assert "pleural_effusion" in model.findings


def test_training_error_event_fails_job(qtbot, tmp_path, report_cohort):
    labels = tmp_path / "labels.csv"
    labels.write_text("study_id,not_a_finding\nCT000,1\n", encoding="utf-8")
    run_dir = tmp_path / "run"
    command = [
        sys.executable, "-m", "greenrfm_core", "train", "--task", "chest-ct",
        "--data", str(report_cohort / "studies"), "--labels", str(labels),
        "--out", str(run_dir), "--events", str(run_dir / "events.jsonl"), "--epochs", "1",
    ]  # fmt: skip
    library_path = tmp_path / "library.sqlite"
    with Library(library_path) as library:
        job_id = library.add_job("chest-ct", command, run_dir, run_dir / "events.jsonl")

    window = TrainingWizard(library_path=library_path, job_id=job_id, offer_pending=False)
    window.show()
    qtbot.waitExposed(window)
    try:
        qtbot.waitUntil(lambda: window.runner.state == JobState.FAILED, timeout=120000)
        log_text = window.train_page.log.toPlainText()
        save_shot(window, tmp_path, "06-train-failed")
    finally:
        window.runner.detach()
        window.close()
        window.deleteLater()
    with Library(library_path) as library:
        job = library.get_job(job_id)
    assert job.state is JobState.FAILED
    assert "no column matching a schema finding id" in job.message
    assert "Error: Labels CSV" in log_text
    assert "no column matching a schema finding id" in log_text
    assert window.train_page.resume_button.isVisibleTo(window.train_page)
