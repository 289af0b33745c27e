"""A worker thread that runs one blocking core call (scan, labeling) and reports back to the GUI thread."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QThread, Signal

logger = logging.getLogger(__name__)


class BackgroundTask(QThread):
    """Run ``function(progress)`` in a thread; ``progress(done, total)`` may be called from it.

    Signals are delivered in the GUI thread. An exception becomes ``failed(message)`` with the exception's
    text, which the core writes to name the file or value and the fix.

    Signals:
        progressed(int, int): items done and total.
        succeeded(object): the function's return value.
        failed(str): the error message.
        raised(object): the exception itself, emitted before ``failed`` for pages that need its attributes.
    """

    progressed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    raised = Signal(object)

    def __init__(self, function: Callable[[Callable[[int, int], None]], Any], parent=None):
        super().__init__(parent)
        self._function = function

    def run(self) -> None:
        try:
            result = self._function(lambda done, total: self.progressed.emit(int(done), int(total)))
        except (OSError, ValueError, KeyError, RuntimeError, UnicodeError) as error:
            logger.warning("Background task failed: %s", error)
            self.raised.emit(error)
            self.failed.emit(str(error))
            return
        except Exception as error:
            logger.exception("Background task failed unexpectedly")
            self.failed.emit(f"{type(error).__name__}: {error}")
            return
        self.succeeded.emit(result)
