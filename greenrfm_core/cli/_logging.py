"""Logging helpers shared by the subcommand modules."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def io_warnings_printed_by_command(verbose: bool) -> Iterator[None]:
    """Silence ``greenrfm_core.io`` warnings below ERROR unless ``verbose``, restoring the level afterwards.

    For commands that print every scan and load warning themselves: without this, stderr shows each twice.
    """
    io_logger = logging.getLogger("greenrfm_core.io")
    previous = io_logger.level
    if not verbose:
        io_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        io_logger.setLevel(previous)
