"""Checks of preprocessed three-plane MRI studies for missing planes and sequences.

Preprocessing fills a series the study lacks with an all-zero channel (see ``greenrfm_core.preprocess``), and
a percentile-scaled series with any contrast has non-zero voxels. So an all-zero channel marks a missing (or
blank) series, and a plane whose channels are all zero marks a missing plane. The check reads the cached
arrays, so it needs no second DICOM scan.
"""

from __future__ import annotations

import numpy as np


def find_missing_series(arrays: dict[str, np.ndarray], spec: dict) -> tuple[list[str], list[tuple[str, str]]]:
    """Find the planes and sequences of an MRI spec that a preprocessed study has no signal for.

    Args:
        arrays: plane -> float32 array (sequences, z, y, x), as ``preprocess_study`` returns for MRI.
        spec: MRI preprocessing spec with ``planes`` and ``sequences``.

    Returns:
        ``(missing_planes, missing_sequences)``: planes with no series at all, and ``(plane, sequence)``
        pairs missing from planes that have at least one series.
    """
    missing_planes: list[str] = []
    missing_sequences: list[tuple[str, str]] = []
    sequences = list(spec["sequences"])
    for plane in spec["planes"]:
        array = arrays.get(plane)
        if array is None:
            missing_planes.append(plane)
            continue
        empty = [sequence for index, sequence in enumerate(sequences) if not np.any(array[index])]
        if len(empty) == len(sequences):
            missing_planes.append(plane)
        else:
            missing_sequences.extend((plane, sequence) for sequence in empty)
    return missing_planes, missing_sequences


def as_float_arrays(result, spec: dict):
    """Convert a ``preprocess_study`` result to float32: (C, z, y, x) for CT, plane -> (C, z, y, x) for MRI."""
    if isinstance(result, dict):
        return {plane: np.asarray(result[plane], dtype=np.float32) for plane in spec["planes"]}
    array = np.asarray(result, dtype=np.float32)
    return array[None] if array.ndim == 3 else array


def array_bytes(arrays) -> int:
    """Return the size in bytes of one study's array or plane -> array dict."""
    if isinstance(arrays, dict):
        return sum(int(array.nbytes) for array in arrays.values())
    return int(arrays.nbytes)
