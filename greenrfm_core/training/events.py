"""JSON-lines training events, the interface between a training run and the GUI's background worker.

Each line is one JSON object with ``event`` in ``start, progress, epoch, eval, checkpoint, warning, error,
paused, resumed, done`` plus the fields that apply (``stage, epoch, step, total_steps, loss, lr,
samples_per_s, eta_s, device_memory_mb, metrics, path, message``) and ``time`` in Unix seconds.
"""

from __future__ import annotations

import json
import logging
import math
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

EVENT_KINDS = ("start", "progress", "epoch", "eval", "checkpoint", "warning", "error", "paused", "resumed", "done")


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


class EventWriter:
    """Append events as JSON lines to a file or stdout; a writer with ``target=None`` drops them.

    Only rank 0 of a distributed run should write, so other ranks get ``EventWriter(None)``. Each line is
    flushed at once so a reader tailing the file sees events as they happen.

    Args:
        target: file path, ``-`` for stdout, or ``None``.
        append: append to an existing file (a resumed run) instead of truncating it.
    """

    def __init__(self, target: str | Path | None, append: bool = False) -> None:
        self._lock = threading.Lock()
        self._stream: IO[str] | None = None
        self._owns_stream = False
        if target is None:
            return
        if str(target) == "-":
            self._stream = sys.stdout
        else:
            path = Path(target)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._stream = path.open("a" if append else "w", encoding="utf-8")
            self._owns_stream = True

    def emit(self, event: str, **fields: Any) -> dict:
        """Write one event and return the dict written. Fields with ``None`` values are left out."""
        if event not in EVENT_KINDS:
            raise ValueError(f"unknown training event {event!r}; expected one of {', '.join(EVENT_KINDS)}")
        record = {"event": event, "time": round(time.time(), 3)}
        record.update({key: _clean(value) for key, value in fields.items() if value is not None})
        if self._stream is not None:
            line = json.dumps(record, ensure_ascii=False)
            with self._lock:
                self._stream.write(line + "\n")
                self._stream.flush()
        return record

    def warning(self, message: str, **fields: Any) -> dict:
        """Log ``message`` as a warning and emit it as a ``warning`` event."""
        logger.warning(message)
        return self.emit("warning", message=message, **fields)

    def close(self) -> None:
        """Close the file if this writer opened it."""
        if self._owns_stream and self._stream is not None:
            self._stream.close()
        self._stream = None


def read_events(path: str | Path) -> list[dict]:
    """Read an events file; a truncated last line (a run killed mid-write) is skipped."""
    events = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events
