"""Stop, pause and resume requests from POSIX signals, acted on at the next step boundary.

* SIGTERM: save a checkpoint and exit with code 0 (a requested stop; ``--resume`` continues it).
* SIGINT (Ctrl+C): save a checkpoint and exit with code 130, the shell convention for SIGINT.
* SIGUSR1: pause after the current step (event ``paused``); SIGUSR2 resumes (event ``resumed``).
  SIGUSR1/SIGUSR2 do not exist on Windows, where the GUI stops and resumes the run instead.
"""

from __future__ import annotations

import logging
import signal
import threading

logger = logging.getLogger(__name__)

EXIT_STOPPED = 0
EXIT_INTERRUPTED = 130


class TrainingControl:
    """Flags set by signal handlers (or the caller) and polled by the training loop between steps."""

    def __init__(self) -> None:
        self.stop_signal: int | None = None
        self._running = threading.Event()
        self._running.set()
        self._previous: dict[int, object] = {}

    @property
    def stop_requested(self) -> bool:
        """Whether a stop was requested."""
        return self.stop_signal is not None

    @property
    def paused(self) -> bool:
        """Whether a pause is requested and not yet lifted."""
        return not self._running.is_set()

    def request_stop(self, signum: int = signal.SIGTERM) -> None:
        """Ask the loop to checkpoint and stop; also lifts a pause so the loop can act on it."""
        self.stop_signal = signum
        self._running.set()

    def request_pause(self) -> None:
        """Ask the loop to pause after the current step."""
        self._running.clear()

    def request_resume(self) -> None:
        """Lift a pause."""
        self._running.set()

    def wait_while_paused(self, poll_s: float = 0.5) -> None:
        """Block until the pause is lifted or a stop is requested."""
        while not self._running.wait(poll_s):
            pass

    @property
    def exit_code(self) -> int:
        """Process exit code after a requested stop: 130 for SIGINT, 0 otherwise."""
        return EXIT_INTERRUPTED if self.stop_signal == signal.SIGINT else EXIT_STOPPED

    def install(self) -> TrainingControl:
        """Install the signal handlers; only possible in the main thread, elsewhere this logs and skips."""
        if threading.current_thread() is not threading.main_thread():
            logger.debug("Not in the main thread; training signals are not handled")
            return self
        handlers = {
            signal.SIGTERM: lambda signum, frame: self._on_stop(signum),
            signal.SIGINT: lambda signum, frame: self._on_stop(signum),
        }
        if hasattr(signal, "SIGUSR1"):
            handlers[signal.SIGUSR1] = lambda signum, frame: self.request_pause()
            handlers[signal.SIGUSR2] = lambda signum, frame: self.request_resume()
        for signum, handler in handlers.items():
            self._previous[signum] = signal.signal(signum, handler)
        return self

    def _on_stop(self, signum: int) -> None:
        if self.stop_requested and signum == signal.SIGINT:
            # A second Ctrl+C interrupts at once instead of waiting for the step to finish.
            raise KeyboardInterrupt
        logger.warning("Received %s; saving a checkpoint after the current step", signal.Signals(signum).name)
        self.request_stop(signum)

    def uninstall(self) -> None:
        """Restore the handlers that were in place before :meth:`install`."""
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()
