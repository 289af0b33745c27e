"""The main window's link to the training wizard: opening it, start-up offer of pending jobs, language switch."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

from PySide6.QtCore import QDateTime, QObject, Qt
from PySide6.QtWidgets import QMessageBox

log = logging.getLogger(__name__)


class TrainingJobs(QObject):
    """Opens the training wizard for a main window and keeps a reference to the open one.

    Args:
        window: the main window, which becomes the wizard's parent.
        library_path: the library database; None means the user's data folder.
    """

    def __init__(self, window, library_path: str | Path | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.library_path = Path(library_path) if library_path else None
        self.wizard = None
        self.pending_box: QMessageBox | None = None

    def open_wizard(self, job_id: int | None = None, offer_pending: bool = True):
        """Open the training wizard, on the training page of ``job_id`` when given.

        The wizard module loads pyqtgraph, so it is imported here on first use and not at start-up.

        Returns:
            The wizard, or None when the wizard module cannot be imported.
        """
        try:
            from app.wizard import TrainingWizard
        except ImportError as error:
            self.window.show_error(
                self.tr("The training wizard is not available: {error}").format(error=error)
            )
            return None
        self.wizard = TrainingWizard(
            self.window, library_path=self.library_path, job_id=job_id, offer_pending=offer_pending
        )
        self.wizard.show()
        return self.wizard

    def offer_pending_job(self) -> QMessageBox | None:
        """Ask, in a non-modal box, whether to follow a running training job or resume an interrupted one.

        Returns:
            The box, or None when the library lists no running, paused or interrupted job.
        """
        try:
            from app.wizard import find_pending_job

            job = find_pending_job(self.library_path)
        except (ImportError, OSError, ValueError, sqlite3.Error) as error:
            log.warning("pending training jobs not checked: %s", error)
            return None
        if job is None:
            return None
        date = QDateTime.fromSecsSinceEpoch(int(job.created_at)).toString("yyyy-MM-dd HH:mm")
        if job.state.is_active:
            text = self.tr("A training job started on {date} is still running. Show its progress?")
        else:
            text = self.tr("A training job started on {date} was interrupted. Open it so you can resume it?")
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Training job"),
            text.format(date=date),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            self.window,
        )
        box.setObjectName("pendingJobBox")
        # Non-modal, so the main window stays usable and scripted runs (--demo, tests) do not wait for an answer.
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        job_id = job.id

        def answered(button) -> None:
            self.pending_box = None
            if box.standardButton(button) == QMessageBox.StandardButton.Yes:
                log.info("reopening training job %d from the start-up offer", job_id)
                self.open_wizard(job_id=job_id)

        box.buttonClicked.connect(answered)
        box.show()
        self.pending_box = box
        log.info("offered training job %d (%s) at start-up", job_id, job.state.value)
        return box

    def move_wizard_to(self, new_window) -> None:
        """Rebuild the open wizard under ``new_window`` in the language now installed.

        A wizard that follows a job reopens on that job's training page, and the job keeps running. A wizard
        that has not started a job yet reopens on its first page.
        """
        wizard = self.wizard
        self.wizard = None
        if wizard is None or not wizard.isVisible():
            return
        job_id = wizard.state.job_id
        geometry = wizard.geometry()
        # Detaching first stops the runner's polling, so closing skips the "keep training?" question.
        wizard.runner.detach()
        wizard.close()
        wizard.deleteLater()
        # The job record lives in the old wizard's library, which is not always the default one.
        new_jobs = new_window.training_jobs
        new_jobs.library_path = wizard.library_path or new_jobs.library_path
        # NOTE: choices made on the pages before a job exists (folders, labels, split) are not carried over.
        new_wizard = new_jobs.open_wizard(job_id=job_id, offer_pending=False)
        if new_wizard is not None:
            new_wizard.setGeometry(geometry)
        log.info("training wizard rebuilt after the language switch (job %s)", job_id)
