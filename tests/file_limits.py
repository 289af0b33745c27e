"""Make real file writes fail past a size, as a full disk makes them fail, for the disk-full tests.

The kernel fails a write past ``RLIMIT_FSIZE`` with EFBIG, where a full disk gives ENOSPC; both reach the
code as the same ``OSError`` from the same write call, and no small filesystem has to be mounted. SIGXFSZ,
which the kernel also sends, is ignored so the process survives to handle the error.
"""

from __future__ import annotations

import contextlib
import resource
import signal
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def file_size_limit(max_bytes: int) -> Iterator[None]:
    """Fail writes of this process past ``max_bytes`` per file until the block ends."""
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    previous_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, previous_limit[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, previous_limit)
        signal.signal(signal.SIGXFSZ, previous_handler)


def file_size_limiter(max_bytes: int) -> Callable[[], None]:
    """Return a ``preexec_fn`` that limits a child process's files to ``max_bytes`` each."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, resource.RLIM_INFINITY))

    return limit
