"""Short, non-identifying labels for DICOM UIDs in logs, warnings and cache names."""

from __future__ import annotations

import hashlib


def short_hash(uid: str) -> str:
    """Return the first 8 hex digits of the SHA-1 of ``uid``, to name a study or series in logs."""
    return hashlib.sha1(uid.encode("utf-8")).hexdigest()[:8]
