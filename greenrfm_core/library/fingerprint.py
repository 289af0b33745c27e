"""Dataset fingerprints: a hash that changes when the studies folder or the reports file changes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

_READ_CHUNK = 1 << 20


def fingerprint_dataset(studies_dir: str | Path, *tables: str | Path | None) -> str:
    """Hash a dataset's file listing and its report or label tables.

    Study files are hashed by relative path, size and modification time, because reading every DICOM byte of
    a large cohort would take minutes. The tables are hashed by content.

    Args:
        studies_dir: the folder of studies; walked recursively.
        *tables: reports or labels files; None entries are skipped.

    Returns:
        A SHA-256 hex digest.
    """
    digest = hashlib.sha256()
    root = Path(studies_dir)
    for directory, subdirs, files in os.walk(root):
        subdirs.sort()
        for name in sorted(files):
            path = Path(directory) / name
            try:
                stat = path.stat()
            except OSError:
                continue
            relative = path.relative_to(root).as_posix()
            digest.update(f"{relative}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for table in tables:
        if table is None:
            continue
        digest.update(b"\0table\0")
        with open(table, "rb") as handle:
            while chunk := handle.read(_READ_CHUNK):
                digest.update(chunk)
    return digest.hexdigest()
