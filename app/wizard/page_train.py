"""Wizard page 6: follow the training process with progress, ETA, loss and AUROC plots and a log panel."""

from __future__ import annotations

import logging

import pyqtgraph as pg
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWizardPage,
)

from app.wizard.runner import CAN_PAUSE, TrainingRunner
from app.wizard.state import WizardState
from greenrfm_core.library import JobState

logger = logging.getLogger(__name__)


def macro_auroc(metrics: dict) -> float | None:
    """Return the macro AUROC from an eval or done event's ``metrics`` (evaluation report or flat dict)."""
    if not isinstance(metrics, dict):
        return None
    for container in (metrics.get("macro"), metrics.get("classifier"), metrics):
        if not isinstance(container, dict):
            continue
        for key in ("classifier_macro_auroc", "macro_auroc"):
            if isinstance(container.get(key), (int, float)):
                return float(container[key])
    return None


class TrainPage(QWizardPage):
    """Live view of one training job; pause/resume, cancel and resume-from-checkpoint controls."""

    def __init__(self, state: WizardState, runner: TrainingRunner, parent=None):
        super().__init__(parent)
        self.state = state
        self.runner = runner
        self.last_metrics: dict = {}
        self.model_path: str | None = None
        self.setTitle(self.tr("Train"))
        self.setSubTitle(
            self.tr("Training runs in its own process; you can close this window and come back later.")
        )
        self.status = QLabel(self)
        self.status.setObjectName("trainStatus")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("trainProgress")
        self.eta = QLabel(self)
        self.memory = QLabel(self)
        self.loss_plot = pg.PlotWidget(self)
        self.loss_plot.setBackground("w")
        self.loss_plot.setTitle(self.tr("Training loss"))
        self.loss_plot.setLabel("bottom", self.tr("Epoch"))
        self.loss_plot.addLegend()
        self.step_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#90caf9", width=1), name=self.tr("step"))
        self.loss_curve = self.loss_plot.plot(
            [], [], pen=pg.mkPen("#1565c0", width=2), symbol="o", name=self.tr("epoch mean")
        )
        self.auroc_plot = pg.PlotWidget(self)
        self.auroc_plot.setBackground("w")
        self.auroc_plot.setTitle(self.tr("Validation AUROC"))
        self.auroc_plot.setLabel("bottom", self.tr("Epoch"))
        self.auroc_plot.setYRange(0.0, 1.0)
        self.auroc_curve = self.auroc_plot.plot([], [], pen=pg.mkPen("#2e7d32", width=2), symbol="o")
        self.log = QPlainTextEdit(self)
        self.log.setObjectName("trainLog")
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(5000)
        self.pause_button = QPushButton(self.tr("Pause"), self)
        self.pause_button.setEnabled(False)
        self.pause_button.setVisible(CAN_PAUSE)
        self.cancel_button = QPushButton(self.tr("Cancel training"), self)
        self.cancel_button.setEnabled(False)
        self.resume_button = QPushButton(self.tr("Resume from last checkpoint"), self)
        self.resume_button.setObjectName("resumeButton")
        self.resume_button.setVisible(False)
        self.pause_button.clicked.connect(self._toggle_pause)
        self.cancel_button.clicked.connect(self.cancel)
        self.resume_button.clicked.connect(self.resume)
        self.runner.eventReceived.connect(self.handle_event)
        self.runner.logLine.connect(self.log.appendPlainText)
        self.runner.stateChanged.connect(self._state_changed)
        self._reset_series()

        numbers = QHBoxLayout()
        numbers.addWidget(self.status, 1)
        numbers.addWidget(self.eta)
        numbers.addWidget(self.memory)
        plots = QHBoxLayout()
        plots.addWidget(self.loss_plot)
        plots.addWidget(self.auroc_plot)
        buttons = QHBoxLayout()
        buttons.addWidget(self.pause_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.resume_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(numbers)
        layout.addWidget(self.progress)
        layout.addLayout(plots, 2)
        layout.addWidget(self.log, 1)
        layout.addLayout(buttons)

    def _reset_series(self) -> None:
        self.current_stage: str | None = None
        self.epoch_offset = 0.0
        self.step_x: list[float] = []
        self.step_y: list[float] = []
        self.loss_x: list[float] = []
        self.loss_y: list[float] = []
        self.auroc_x: list[float] = []
        self.auroc_y: list[float] = []
        for curve in (self.step_curve, self.loss_curve, self.auroc_curve):
            curve.setData([], [])

    def initializePage(self) -> None:
        """Start the recorded job, or attach to it when it already has a process."""
        if self.runner.job_id == self.state.job_id and self.runner.is_following():
            return
        job = self.runner.library.get_job(self.state.job_id)
        self._reset_series()
        if job.pid is None and job.state == JobState.QUEUED:
            try:
                self.runner.start(self.state.job_id)
            except RuntimeError as error:
                self.log.appendPlainText(str(error))
        else:
            self.runner.attach(self.state.job_id)

    def handle_event(self, event) -> None:
        """Update progress, ETA, memory, plots and the log from one training event."""
        kind = event.kind
        self.pause_button.setEnabled(self.runner.can_pause or self.runner.state == JobState.PAUSED)
        epoch = event.get("epoch")
        if kind == "start":
            self.status.setText(self.tr("Training started"))
            if event.get("stage") and event.get("stage") != self.current_stage:
                # Every stage counts epochs from zero, so later stages continue to the right on the plots.
                self.current_stage = event.get("stage")
                self.epoch_offset = max(self.step_x + self.loss_x + self.auroc_x, default=0.0)
        elif kind == "progress":
            step, total = event.get("step"), event.get("total_steps")
            if isinstance(step, int) and isinstance(total, int) and total > 0:
                self.progress.setRange(0, total)
                self.progress.setValue(min(step, total))
            stage = event.get("stage") or ""
            if self.runner.state != JobState.PAUSED:
                self.status.setText(
                    self.tr("Stage {stage}, epoch {epoch}").format(stage=stage, epoch=(epoch or 0) + 1)
                )
            if isinstance(event.get("eta_s"), (int, float)):
                self.eta.setText(
                    self.tr("Time left: {minutes:.0f} min {seconds:.0f} s").format(
                        minutes=event.get("eta_s") // 60, seconds=event.get("eta_s") % 60
                    )
                )
            if isinstance(event.get("loss"), (int, float)) and isinstance(step, int) and total:
                # Steps are plotted at fractional epochs, so step losses and epoch means share one axis.
                self.step_x.append(self.epoch_offset + (epoch or 0) + step / total)
                self.step_y.append(float(event.get("loss")))
                self.step_curve.setData(self.step_x, self.step_y)
            self._update_memory(event)
        elif kind == "epoch":
            if isinstance(event.get("loss"), (int, float)) and epoch is not None:
                self.loss_x.append(self.epoch_offset + float(epoch))
                self.loss_y.append(float(event.get("loss")))
                self.loss_curve.setData(self.loss_x, self.loss_y)
            self._update_memory(event)
        elif kind == "eval":
            metrics = event.get("metrics") or {}
            # The text stage evaluates the report classifier, which does not measure the image model.
            if metrics.get("source", "classifier") != "classifier":
                return
            self.last_metrics = metrics
            value = macro_auroc(metrics)
            if value is not None and epoch is not None:
                self.auroc_x.append(self.epoch_offset + float(epoch))
                self.auroc_y.append(value)
                self.auroc_curve.setData(self.auroc_x, self.auroc_y)
        elif kind == "checkpoint":
            self.log.appendPlainText(self.tr("Checkpoint saved: {path}").format(path=event.get("path")))
        elif kind == "warning":
            self.log.appendPlainText(self.tr("Warning: {message}").format(message=event.get("message")))
        elif kind == "error":
            self.log.appendPlainText(self.tr("Error: {message}").format(message=event.get("message")))
        elif kind == "done" and event.get("stage") is None:
            self.model_path = event.get("path")
            if event.get("metrics"):
                self.last_metrics = event.get("metrics")
            self.progress.setValue(self.progress.maximum())

    def _update_memory(self, event) -> None:
        memory = event.get("device_memory_mb")
        if isinstance(memory, (int, float)):
            self.memory.setText(self.tr("Device memory: {memory:.0f} MiB").format(memory=memory))

    def _state_changed(self, value: str) -> None:
        state = JobState(value)
        texts = {
            JobState.RUNNING: self.tr("Running"),
            JobState.PAUSED: self.tr("Paused"),
            JobState.DONE: self.tr("Finished"),
            JobState.CANCELLED: self.tr("Cancelled; the last checkpoint is kept and can be resumed."),
            JobState.FAILED: self.tr("Failed; see the log below. You can resume from the last checkpoint."),
            JobState.INTERRUPTED: self.tr(
                "Interrupted: the training process stopped. Resume from the last checkpoint."
            ),
            JobState.QUEUED: self.tr("Queued"),
        }
        self.status.setText(texts[state])
        self.pause_button.setEnabled(self.runner.can_pause or state == JobState.PAUSED)
        self.pause_button.setText(self.tr("Resume") if state == JobState.PAUSED else self.tr("Pause"))
        self.cancel_button.setEnabled(state.is_active)
        self.resume_button.setVisible(state.is_resumable)
        self.completeChanged.emit()

    def _toggle_pause(self) -> None:
        if self.runner.state == JobState.PAUSED:
            self.runner.unpause()
        else:
            self.runner.pause()

    def cancel(self) -> None:
        """Ask the training process to save a checkpoint and stop."""
        if self.runner.cancel():
            self.log.appendPlainText(
                self.tr("Cancelling: the training process saves a checkpoint and stops.")
            )

    def resume(self) -> None:
        """Restart the job from its last checkpoint with ``--resume``."""
        self.resume_button.setVisible(False)
        try:
            self.runner.start(self.state.job_id, resume=True)
        except RuntimeError as error:
            self.log.appendPlainText(str(error))

    def isComplete(self) -> bool:
        """Return True once the job is done, which unlocks the results page."""
        return self.runner.state == JobState.DONE
