"""Incremental reading of a training job's JSON-lines events file.

``greenrfm train --events FILE`` appends one JSON object per line with ``"event"`` in ``EVENT_KINDS``. A reader may see the last line half written, so ``EventTail`` only
returns complete lines and keeps its byte offset, which lets the GUI reattach to a running job.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

EVENT_KINDS = (
    "start",
    "progress",
    "epoch",
    "eval",
    "checkpoint",
    "warning",
    "error",
    "paused",
    "resumed",
    "done",
)


@dataclass
class TrainingEvent:
    """One training event; ``fields`` contains the whole JSON object, including ``event`` and ``time``."""

    kind: str
    fields: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """Return one field of the event, or ``default``."""
        return self.fields.get(key, default)


class EventTail:
    """Follow an events file and return the events appended since the last read.

    Args:
        path: the events file; it may not exist yet.
        offset: byte offset to start from (0 replays the whole file, which is how a reattach rebuilds plots).
    """

    def __init__(self, path: str | Path, offset: int = 0):
        self.path = Path(path)
        self.offset = offset
        self.invalid_lines = 0

    def read_new(self) -> list[TrainingEvent]:
        """Return the complete events appended since the previous call (none if the file does not exist)."""
        try:
            with open(self.path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size < self.offset:
                    # The writer truncated the file (a run restarted without appending); read it anew.
                    logger.info("Events file %s was truncated; reading it from the start", self.path)
                    self.offset = 0
                handle.seek(self.offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n")
        if end < 0:
            return []
        self.offset += end + 1
        events = []
        for raw_line in data[: end + 1].splitlines():
            line = raw_line.strip()
            if not line:
                continue
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                self._report_invalid(raw_line)
                continue
            if not isinstance(obj, dict) or "event" not in obj:
                self._report_invalid(raw_line)
                continue
            events.append(TrainingEvent(kind=str(obj["event"]), fields=obj))
        return events

    def _report_invalid(self, raw_line: bytes) -> None:
        self.invalid_lines += 1
        # One warning per file is enough to spot a broken writer; later lines go to the debug log.
        log = logger.warning if self.invalid_lines == 1 else logger.debug
        log("Skipping invalid line in events file %s: %r", self.path, raw_line[:200])


def read_events(path: str | Path) -> list[TrainingEvent]:
    """Return every complete event in an events file."""
    return EventTail(path).read_new()
