"""Run a blocking core call on a QThread and deliver its result or error back on the GUI thread."""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

log = logging.getLogger(__name__)


class CancelledError(Exception):
    """Raised inside a task when the user pressed Cancel."""


class TaskWorker(QObject):
    """Calls ``function(report_progress, is_cancelled)`` once on its thread.

    ``report_progress(done, total, text)`` may be called from the task to move the progress bar, and
    ``is_cancelled()`` returns True after :meth:`cancel`. The task raises :class:`CancelledError` to end
    without a result (``cancelled``), or returns a partial result (``succeeded``).
    """

    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(
        self, function: Callable[[Callable[[int, int, str], None], Callable[[], bool]], Any]
    ) -> None:
        super().__init__()
        self._function = function
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Ask the task to stop at its next check."""
        self._cancel.set()

    def is_cancelled(self) -> bool:
        """Return True once :meth:`cancel` was called."""
        return self._cancel.is_set()

    def _report(self, done: int, total: int, text: str = "") -> None:
        self.progress.emit(int(done), int(total), text)

    @Slot()
    def run(self) -> None:
        try:
            result = self._function(self._report, self.is_cancelled)
        except CancelledError:
            self.cancelled.emit()
            return
        except Exception as error:  # noqa: BLE001 - any failure of a core call must reach the window, not kill it
            log.error("background task failed: %s\n%s", error, traceback.format_exc())
            self.failed.emit(f"{type(error).__name__}: {error}")
            return
        # A task that returns after a cancel request returns a partial result on purpose (a cancelled scan
        # lists the files read so far), so it still counts as a success.
        self.succeeded.emit(result)


class BackgroundTask(QObject):
    """Owns a worker and its thread; keep a reference until ``finished`` fires.

    Signals are delivered on the thread that created the task (the GUI thread).
    """

    progress = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, function: Callable, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._worker = TaskWorker(function)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self.progress)
        self._worker.succeeded.connect(self._on_succeeded)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self.running = False

    def start(self) -> None:
        """Start the task's thread."""
        self.running = True
        self._thread.start()

    def cancel(self) -> None:
        """Ask the task to stop; ``cancelled`` fires when it has."""
        self._worker.cancel()

    def wait(self, timeout_ms: int = 30000) -> bool:
        """Block until the thread ends; return False on timeout."""
        return self._thread.wait(timeout_ms)

    def _finish(self) -> None:
        self._thread.quit()
        self._thread.wait()
        self.running = False
        self.finished.emit()

    def _on_succeeded(self, result: object) -> None:
        self._finish()
        self.succeeded.emit(result)

    def _on_failed(self, message: str) -> None:
        self._finish()
        self.failed.emit(message)

    def _on_cancelled(self) -> None:
        self._finish()
        self.cancelled.emit()
