"""Liveness checks for training processes recorded in the library."""

from __future__ import annotations

import psutil

# psutil rounds process creation times differently per platform. A recorded start time within this many
# seconds of the live process's start time therefore counts as the same process.
_START_TIME_TOLERANCE_S = 1.0


def process_start_time(pid: int) -> float | None:
    """Return the start time (Unix seconds) of process ``pid``, or None if it does not exist."""
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return None


def is_process_alive(pid: int | None, started_at: float | None = None) -> bool:
    """Check whether the process ``pid`` still runs and is the one that was recorded.

    Args:
        pid: process id stored for a job; None means the job never started a process.
        started_at: the process start time stored with the pid. When given, a live process with a different
            start time is a reused pid and counts as dead.

    Returns:
        True if the process exists, is not a zombie and matches ``started_at``.
    """
    if not pid:
        return False
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        return started_at is None or abs(process.create_time() - started_at) <= _START_TIME_TOLERANCE_S
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False
