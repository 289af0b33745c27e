"""Run and follow a ``greenrfm train`` process without blocking the GUI.

The process is started detached through ``QProcess.startDetached`` and ``greenrfm_core.library.launch``,
which appends its output to a log file in the run folder. Closing the window can therefore leave it running,
and a later session can reattach. The runner follows the job by tailing the events file and the log, and by
polling whether the recorded pid is alive, so a crash of the training process never affects the GUI.

The job's end state comes from its events. A final ``done`` event means done, an ``error`` event means failed
and a cancel request means cancelled. A process that vanished without any of these is interrupted and can be
resumed.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from greenrfm_core.library import EventTail, JobState, Library, is_process_alive
from greenrfm_core.resource_paths import python_executable

logger = logging.getLogger(__name__)

POLL_INTERVAL_MS = 250
LOG_FILENAME = "train.log"
# Pause and resume use SIGUSR1/SIGUSR2, which Windows lacks.
CAN_PAUSE = hasattr(signal, "SIGUSR1") and hasattr(signal, "SIGUSR2")


class TrainingRunner(QObject):
    """Start, follow, pause, resume and cancel one training job recorded in the library.

    Args:
        library_path: the library database; the runner opens its own connection.
        parent: the owning QObject.

    Signals:
        eventReceived(object): a ``greenrfm_core.library.TrainingEvent`` read from the events file.
        logLine(str): one line the training process wrote to stdout or stderr.
        stateChanged(str): the job's new ``JobState`` value.
    """

    eventReceived = Signal(object)
    logLine = Signal(str)
    stateChanged = Signal(str)

    def __init__(self, library_path: str | Path | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._library = Library(library_path)
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_INTERVAL_MS)
        self._timer.timeout.connect(self.poll)
        self._job_id: int | None = None
        self._pid: int | None = None
        self._pid_started_at: float | None = None
        self._events: EventTail | None = None
        self._log_path: Path | None = None
        self._log_offset = 0
        self._cancel_requested = False
        self._loop_running = False
        self._saw_done: dict | None = None
        self._saw_error: str | None = None
        self.state: JobState | None = None

    @property
    def job_id(self) -> int | None:
        """The followed job, or None."""
        return self._job_id

    @property
    def pid(self) -> int | None:
        """The pid of the followed training process, or None."""
        return self._pid

    @property
    def library(self) -> Library:
        """The runner's library connection (GUI thread only)."""
        return self._library

    def is_following(self) -> bool:
        """Return whether the runner is polling a live process."""
        return self._timer.isActive()

    def start(self, job_id: int, resume: bool = False) -> None:
        """Start the job's recorded command, or resume it with ``--resume`` from its last checkpoint.

        Raises:
            RuntimeError: the process could not be started (the job is marked failed).
        """
        job = self._library.get_job(job_id)
        command = list(job.command)
        if resume and "--resume" not in command:
            command.append("--resume")
        run_dir = Path(job.run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        self._follow(job_id, replay=resume)
        # The launcher appends the process's output to the log and then becomes the training process.
        launcher = [
            python_executable(),
            "-m",
            "greenrfm_core.library.launch",
            "--log",
            str(self._log_path),
            "--",
        ]
        started, pid = QProcess.startDetached(launcher[0], launcher[1:] + command, str(run_dir))
        if not started:
            message = f"Failed to start the training process {command[0]!r} in {run_dir}; check that the folder is writable."
            self._library.set_job_state(job_id, JobState.FAILED, message=message)
            self._set_state(JobState.FAILED)
            self._timer.stop()
            raise RuntimeError(message)
        self._library.mark_job_started(job_id, pid, command=command)
        self._adopt_process(job_id)
        logger.info("Started training job %d as pid %d%s", job_id, pid, " (resume)" if resume else "")
        self._set_state(JobState.RUNNING)
        self._timer.start()

    def attach(self, job_id: int) -> JobState:
        """Follow a job started earlier, replaying its events so plots show the whole run.

        Returns:
            The job's current state; only running or paused jobs keep being polled.
        """
        job = self._library.get_job(job_id)
        self._follow(job_id, replay=True)
        self._adopt_process(job_id)
        self._set_state(job.state)
        self.poll()
        if job.state.is_active:
            self._timer.start()
        return job.state

    def _follow(self, job_id: int, replay: bool) -> None:
        job = self._library.get_job(job_id)
        self._job_id = job_id
        self._cancel_requested = False
        self._loop_running = False
        self._saw_done = None
        self._saw_error = None
        events_path = Path(job.events_file)
        self._events = EventTail(events_path, offset=0 if replay else self._file_size(events_path))
        self._log_path = Path(job.run_dir) / LOG_FILENAME
        self._log_offset = self._file_size(self._log_path)

    def _adopt_process(self, job_id: int) -> None:
        job = self._library.get_job(job_id)
        self._pid = job.pid
        self._pid_started_at = job.pid_started_at

    @staticmethod
    def _file_size(path: Path) -> int:
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return 0

    def poll(self) -> None:
        """Read new events and log lines, and finish the job if its process has exited."""
        if self._events is None or self._job_id is None:
            return
        self._read_log()
        for event in self._events.read_new():
            self._track(event)
            self.eventReceived.emit(event)
        if self._timer.isActive() and not is_process_alive(self._pid, self._pid_started_at):
            # The process may have written its last lines between the read above and its exit.
            self._read_log()
            for event in self._events.read_new():
                self._track(event)
                self.eventReceived.emit(event)
            self._timer.stop()
            self._finish()

    def _track(self, event) -> None:
        if event.kind == "start":
            self._saw_done = None
            self._saw_error = None
            # A run's first start event has no stage. Its signal handlers exist only once a stage starts, and
            # before that SIGUSR1 would end the process instead of pausing it. Replayed events of an earlier
            # process (before a resume) are older than the current process, so they are ignored here.
            started_at = self._pid_started_at
            if started_at is None or float(event.get("time") or 0.0) >= started_at - 1.0:
                self._loop_running = bool(event.get("stage"))
        elif event.kind == "done" and event.get("stage") is None:
            # Each stage ends with its own done event; only the run's final one has no stage.
            self._saw_done = event.get("metrics") or {}
        elif event.kind == "error":
            self._saw_error = event.get("message") or "Training reported an error."
        elif event.kind == "paused":
            self._set_state(JobState.PAUSED)
        elif event.kind == "resumed":
            self._set_state(JobState.RUNNING)

    def _read_log(self) -> None:
        if self._log_path is None:
            return
        try:
            with open(self._log_path, "rb") as handle:
                handle.seek(self._log_offset)
                data = handle.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n")
        if end < 0:
            return
        self._log_offset += end + 1
        for line in data[:end].decode("utf-8", errors="replace").splitlines():
            self.logLine.emit(line)

    def _finish(self) -> None:
        if self._saw_done is not None:
            state, message = JobState.DONE, None
        elif self._cancel_requested:
            state, message = JobState.CANCELLED, "Cancelled; the last checkpoint can be resumed."
        elif self._saw_error:
            state, message = JobState.FAILED, self._saw_error
        else:
            state, message = JobState.INTERRUPTED, "The training process stopped without finishing."
        self._library.set_job_state(
            self._job_id, state, message=message, final_metrics=self._saw_done or None
        )
        logger.info("Training job %d ended: %s", self._job_id, state.value)
        self._set_state(state)

    def _set_state(self, state: JobState) -> None:
        state = JobState(state)
        if state == self.state:
            return
        self.state = state
        if (
            self._job_id is not None
            and state in (JobState.PAUSED, JobState.RUNNING)
            and self._timer.isActive()
        ):
            self._library.set_job_state(self._job_id, state)
        self.stateChanged.emit(state.value)

    def _send(self, signal_number: int) -> bool:
        if not is_process_alive(self._pid, self._pid_started_at):
            return False
        try:
            os.kill(self._pid, signal_number)
        except ProcessLookupError:
            return False
        return True

    @property
    def can_pause(self) -> bool:
        """Whether the process runs a training stage, so SIGUSR1 reaches its handler."""
        return CAN_PAUSE and self._loop_running and self.state == JobState.RUNNING

    def pause(self) -> bool:
        """Ask the process to pause after the current step (SIGUSR1); returns whether the signal was sent."""
        if not self.can_pause or not self._send(signal.SIGUSR1):
            return False
        self._set_state(JobState.PAUSED)
        return True

    def unpause(self) -> bool:
        """Ask a paused process to continue (SIGUSR2); returns whether the signal was sent."""
        if not CAN_PAUSE or not self._send(signal.SIGUSR2):
            return False
        self._set_state(JobState.RUNNING)
        return True

    def cancel(self) -> bool:
        """Ask the process to save a checkpoint and exit (SIGTERM); returns whether the signal was sent.

        NOTE: on Windows ``os.kill`` with SIGTERM ends the process at once, so no checkpoint is saved there.
        """
        if CAN_PAUSE and self.state == JobState.PAUSED:
            self._send(signal.SIGUSR2)
        # NOTE: SIGTERM before the run installs its handlers ends it without a checkpoint; the previous
        # checkpoint, if any, is still there for --resume.
        self._cancel_requested = self._send(signal.SIGTERM)
        return self._cancel_requested

    def detach(self) -> None:
        """Stop following the job and leave its process running."""
        self._timer.stop()
        logger.info("Detached from training job %s; it keeps running as pid %s", self._job_id, self._pid)

    def close(self) -> None:
        """Stop polling and close the library connection."""
        self._timer.stop()
        self._library.close()
