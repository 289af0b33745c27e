"""On-disk cache of preprocessed arrays in ``cache_dir()/preprocessed``.

An entry is keyed by a fingerprint of the source and by the spec hash, so a changed spec or a changed file
never returns a stale array. Keys are hex digests: no patient name, ID, UID or path appears in a file name.
Each entry is one uncompressed ``.npy`` file per array plus a JSON file written last, which lists each
array's shape, dtype and BLAKE2b digest. A reader trusts an entry only when the JSON parses and every array
matches it. Any other entry is deleted with a warning, and the caller rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

import numpy as np

from greenrfm_core import paths
from greenrfm_core.atomic import atomic_path

logger = logging.getLogger(__name__)

CACHE_FORMAT = 1
_CHUNK = 1 << 22


def cache_root() -> Path:
    """Return the folder holding preprocessed entries, created if missing."""
    root = paths.cache_dir() / "preprocessed"
    root.mkdir(parents=True, exist_ok=True)
    return root


def digest_array(array: np.ndarray) -> str:
    """Return the BLAKE2b-128 hex digest of an array's bytes in C order."""
    data = np.ascontiguousarray(array)
    return hashlib.blake2b(memoryview(data).cast("B"), digest_size=16).hexdigest()


def fingerprint_path(path: str | os.PathLike) -> str:
    """Fingerprint a study on disk without reading its pixel data.

    A folder (DICOM series or study) is fingerprinted by the relative path, size and modification time of
    every file under it. A single file is fingerprinted by its content, read in chunks. Both change whenever
    a file is added, removed, replaced or rewritten.

    Args:
        path: a study folder, or a NIfTI or DICOM file.

    Returns:
        A hex digest.

    Raises:
        FileNotFoundError: when ``path`` does not exist.
    """
    path = Path(path)
    hasher = hashlib.blake2b(digest_size=16)
    if path.is_dir():
        entries = []
        for root, _dirs, files in os.walk(path):
            for name in files:
                file_path = Path(root, name)
                try:
                    stat = file_path.stat()
                except OSError:
                    continue
                entries.append(
                    f"{file_path.relative_to(path).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}"
                )
        hasher.update(b"dir\0")
        for entry in sorted(entries):
            hasher.update(entry.encode("utf-8", "surrogateescape") + b"\n")
    elif path.is_file():
        hasher.update(b"file\0")
        with open(path, "rb") as stream:
            while chunk := stream.read(_CHUNK):
                hasher.update(chunk)
    else:
        raise FileNotFoundError(f"study not found: {path}")
    return hasher.hexdigest()


def entry_key(source_fingerprint: str, spec_digest: str) -> str:
    """Combine a source fingerprint and a spec hash into the cache key (hex)."""
    text = f"{CACHE_FORMAT}\0{source_fingerprint}\0{spec_digest}"
    return hashlib.blake2b(text.encode("ascii"), digest_size=20).hexdigest()


def _entry_dir(key: str) -> Path:
    folder = cache_root() / key[:2]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _array_path(key: str, name: str) -> Path:
    return _entry_dir(key) / f"{key}.{name}.npy"


def _meta_path(key: str) -> Path:
    return _entry_dir(key) / f"{key}.json"


def _write_atomic(path: Path, write) -> None:
    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        write(stream)


def discard(key: str) -> None:
    """Delete every file of the entry ``key``; missing files are ignored."""
    folder = cache_root() / key[:2]
    for file_path in folder.glob(f"{key}.*"):
        file_path.unlink(missing_ok=True)


def store(key: str, arrays: dict[str, np.ndarray], spec_digest: str) -> None:
    """Write an entry: the arrays first, then the JSON that makes the entry valid.

    Args:
        key: from :func:`entry_key`.
        arrays: name -> array; names must be plain words (``image``, ``sagittal``).
        spec_digest: the spec hash, recorded for inspection.
    """
    meta = {"format": CACHE_FORMAT, "spec_hash": spec_digest, "arrays": {}}
    for name, array in arrays.items():
        if not name.isidentifier():
            raise ValueError(f"cache array names must be identifiers; got {name!r}")
        array = np.ascontiguousarray(array)
        _write_atomic(_array_path(key, name), lambda stream, a=array: np.save(stream, a, allow_pickle=False))
        meta["arrays"][name] = {
            "shape": list(array.shape),
            "dtype": array.dtype.str,
            "blake2b": digest_array(array),
        }
    payload = json.dumps(meta, sort_keys=True).encode("utf-8")
    _write_atomic(_meta_path(key), lambda stream: stream.write(payload))


def load(key: str) -> dict[str, np.ndarray] | None:
    """Return the verified arrays of entry ``key`` (read-only memory maps), or None on a miss.

    A present but unreadable entry (truncated file, bad JSON, digest mismatch) is deleted with a warning and
    reported as a miss.
    """
    meta_path = _meta_path(key)
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != CACHE_FORMAT:
            raise ValueError(f"cache format {meta.get('format')!r}, expected {CACHE_FORMAT}")
        arrays = {}
        for name, info in meta["arrays"].items():
            array = np.load(_array_path(key, name), mmap_mode="r", allow_pickle=False)
            if list(array.shape) != info["shape"] or array.dtype.str != info["dtype"]:
                raise ValueError(f"array {name!r} has shape {array.shape} {array.dtype}, expected {info}")
            if digest_array(array) != info["blake2b"]:
                raise ValueError(f"array {name!r} does not match its recorded digest")
            arrays[name] = array
        return arrays
    except (OSError, ValueError, KeyError, TypeError, AttributeError, json.JSONDecodeError) as error:
        logger.warning("discarding corrupt preprocessing cache entry %s: %s", key, error)
        discard(key)
        return None
