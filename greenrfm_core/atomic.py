"""Atomic file writes shared by every module that saves files.

A write goes to a temporary file in the target's own folder, is flushed to disk with fsync and then renamed
over the target with ``os.replace``. A crash or a full disk therefore leaves either the old file or the new
one, never a truncated file; the temporary file is removed when the write fails.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(path: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on a clean exit fsync it and rename it over ``path``.

    For libraries that write by file name (nibabel, onnx, safetensors, Qt). ``suffix`` defaults to the
    target's own suffix, because some writers choose the format from it (``.nii.gz``).
    """
    path = Path(path)
    if suffix is None:
        suffix = "".join(path.suffixes) or ".tmp"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    except OSError as error:
        # The temporary file's name would only confuse the user: name the file they asked for.
        raise OSError(
            error.errno, f"cannot write {path}: {error.strerror}; choose a writable folder"
        ) from error
    os.close(handle)
    temporary = Path(temp_name)
    try:
        yield temporary
        with open(temporary, "rb") as stream:
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return ``path``."""
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (no newline translation) and return ``path``."""
    return atomic_write_bytes(path, text.encode(encoding))


def atomic_write_json(path: str | Path, data: Any, allow_nan: bool = True) -> Path:
    """Write ``data`` as indented UTF-8 JSON (non-ASCII kept readable) atomically and return ``path``.

    ``allow_nan=False`` raises ``ValueError`` on NaN or infinity, which strict JSON readers reject.
    """
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=allow_nan) + "\n"
    return atomic_write_text(path, text)
