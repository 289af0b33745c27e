"""The train-on-my-data wizard: task, data, labels, split, configure, train, results."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWizard

from app.wizard.background import BackgroundTask
from app.wizard.page_configure import ConfigurePage
from app.wizard.page_data import DataPage
from app.wizard.page_labels import LabelsPage
from app.wizard.page_results import ResultsPage
from app.wizard.page_split import SplitPage
from app.wizard.page_task import TaskPage
from app.wizard.page_train import TrainPage
from app.wizard.runner import TrainingRunner
from app.wizard.state import WizardState
from greenrfm_core.library import JobState, Library

logger = logging.getLogger(__name__)

PAGE_TASK, PAGE_DATA, PAGE_LABELS, PAGE_SPLIT, PAGE_CONFIGURE, PAGE_TRAIN, PAGE_RESULTS = range(7)


def find_pending_job(library_path: Path | None = None):
    """Return the newest running, paused or interrupted job, or None (jobs with a dead pid count as interrupted)."""
    with Library(library_path) as library:
        jobs = library.list_jobs([JobState.RUNNING, JobState.PAUSED, JobState.INTERRUPTED])
    return jobs[0] if jobs else None


class TrainingWizard(QWizard):
    """Train or fine-tune a model on a folder of studies and a reports spreadsheet.

    Args:
        parent: the main window; if it has ``open_model(folder)``, "Use this model" calls it.
        library_path: the library database; defaults to the user's data folder.
        job_id: open straight on the training page, following this job (reattach or resume).
        offer_pending: when no ``job_id`` is given, ask whether to follow a running or interrupted job.

    Signals:
        modelAccepted(int, str): library id and folder of the model the user chose to use.
    """

    modelAccepted = Signal(int, str)

    def __init__(
        self,
        parent=None,
        library_path: str | Path | None = None,
        job_id: int | None = None,
        offer_pending: bool = True,
    ):
        super().__init__(parent)
        self.library_path = Path(library_path) if library_path else None
        self.state = WizardState()
        self.runner = TrainingRunner(self.library_path, self)
        self.setWindowTitle(self.tr("Train a model"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.resize(1100, 760)
        self.task_page = TaskPage(self.state)
        self.data_page = DataPage(self.state)
        self.labels_page = LabelsPage(self.state)
        self.split_page = SplitPage(self.state)
        self.configure_page = ConfigurePage(self.state, self.library_path)
        self.train_page = TrainPage(self.state, self.runner)
        self.results_page = ResultsPage(self.state, self.train_page, self.library_path)
        for page_id, page in enumerate(
            (
                self.task_page,
                self.data_page,
                self.labels_page,
                self.split_page,
                self.configure_page,
                self.train_page,
                self.results_page,
            )
        ):
            self.setPage(page_id, page)
        self.train_page.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("Show results"))
        self.results_page.modelAccepted.connect(self.modelAccepted)
        if job_id is not None:
            self.follow_job(job_id)
        elif offer_pending:
            QTimer.singleShot(0, self.offer_pending_job)

    def follow_job(self, job_id: int) -> None:
        """Open on the training page for a job recorded earlier: reattach if it runs, else offer resume."""
        with Library(self.library_path) as library:
            job = library.get_job(job_id)
        self.state.job_id = job_id
        self.state.task = job.task
        try:
            from greenrfm_core.schemas import load_schema

            self.state.schema = load_schema(job.command[job.command.index("--task") + 1])
        except (ValueError, IndexError, OSError) as error:
            logger.warning("Could not load the schema of job %d: %s", job_id, error)
        self.setStartId(PAGE_TRAIN)

    def offer_pending_job(self) -> None:
        """Ask whether to follow a job that is still running or resume one that was interrupted."""
        job = find_pending_job(self.library_path)
        if job is None:
            return
        if job.state.is_active:
            text = self.tr("A training job started on {date} is still running. Show its progress?")
        else:
            text = self.tr("A training job started on {date} was interrupted. Show it so you can resume it?")
        from PySide6.QtCore import QDateTime

        date = QDateTime.fromSecsSinceEpoch(int(job.created_at)).toString("yyyy-MM-dd HH:mm")
        answer = QMessageBox.question(self, self.tr("Training job"), text.format(date=date))
        if answer == QMessageBox.StandardButton.Yes:
            self.follow_job(job.id)
            self.restart()

    def confirm_leave(self) -> bool:
        """Ask whether a running job should keep running after the window closes.

        Returns:
            False if the user chose to stay; True after detaching from the job (and, on "No", cancelling it,
            which saves a checkpoint) or when no job is running.
        """
        if not (self.runner.is_following() and self.runner.state is not None and self.runner.state.is_active):
            return True
        answer = QMessageBox.question(
            self,
            self.tr("Training is running"),
            self.tr(
                "Keep training in the background after closing this window? Choose No to stop it; "
                "it saves a checkpoint that you can resume later."
            ),
            QMessageBox.StandardButton.Yes
            | QMessageBox.StandardButton.No
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Cancel:
            return False
        if answer == QMessageBox.StandardButton.No and self.runner.cancel():
            # No runner follows the process after this window closes, so the outcome is recorded now.
            self.runner.library.set_job_state(
                self.runner.job_id,
                JobState.CANCELLED,
                message="Cancelled; the last checkpoint can be resumed.",
            )
        self.runner.detach()
        return True

    def closeEvent(self, event) -> None:
        """Close the window unless the user chose to stay with a running job."""
        if not self.confirm_leave():
            event.ignore()
            return
        self._wait_for_background_tasks()
        super().closeEvent(event)

    def reject(self) -> None:
        """Handle Cancel and Escape like closing, so a running job is never dropped silently."""
        if self.confirm_leave():
            self._wait_for_background_tasks()
            super().reject()

    def _wait_for_background_tasks(self) -> None:
        # A QThread destroyed while it runs aborts the process, and scans or measurements cannot be cut short.
        for task in self.findChildren(BackgroundTask):
            if task.isRunning():
                logger.info("Waiting for a background task of the wizard to finish before closing")
                task.wait()
