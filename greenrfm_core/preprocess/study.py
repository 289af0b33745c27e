"""Preprocess a whole study (CT volume or MRI planes and sequences), with the on-disk cache."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import torch

from greenrfm_core.preprocess import cache as preprocess_cache
from greenrfm_core.preprocess.spec import Spec, is_mri, load_spec, plane_shape, spec_hash
from greenrfm_core.preprocess.transforms import preprocess_volume
from greenrfm_core.volume import Volume

logger = logging.getLogger(__name__)

# Planes -> sequence name -> Volume, the in-memory form of an MRI study.
MriVolumes = Mapping[str, Mapping[str, Volume]]
StudySource = str | os.PathLike | Volume | MriVolumes


def fingerprint_volume(volume: Volume) -> str:
    """Fingerprint an in-memory volume: its ``metadata["source_hash"]`` when set, else its voxels and geometry."""
    source_hash = volume.metadata.get("source_hash")
    if source_hash:
        return f"source:{source_hash}"
    hasher = hashlib.blake2b(digest_size=16)
    hasher.update(repr((volume.array.shape, volume.array.dtype.str, volume.spacing, volume.origin)).encode())
    hasher.update(np.ascontiguousarray(volume.direction, dtype=np.float64).tobytes())
    hasher.update(memoryview(np.ascontiguousarray(volume.array)).cast("B"))
    return f"voxels:{hasher.hexdigest()}"


def _fingerprint(source: StudySource) -> str:
    if isinstance(source, Volume):
        return fingerprint_volume(source)
    if isinstance(source, Mapping):
        parts = []
        for plane in sorted(source):
            for sequence in sorted(source[plane]):
                parts.append(f"{plane}/{sequence}={fingerprint_volume(source[plane][sequence])}")
        return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()
    return f"path:{preprocess_cache.fingerprint_path(source)}"


def _load_ct(source: StudySource) -> Volume:
    if isinstance(source, Volume):
        return source
    if isinstance(source, Mapping):
        raise TypeError("a CT spec needs one Volume or a study path, not a mapping of MRI planes")
    from greenrfm_core.io import load_study

    return load_study(Path(source))


def _load_mri(source: StudySource) -> MriVolumes:
    if isinstance(source, Mapping):
        return source
    if isinstance(source, Volume):
        raise TypeError("an MRI spec needs {plane: {sequence: Volume}} or a study path, not a single Volume")
    from greenrfm_core.io import load_mri_study

    return load_mri_study(Path(source))


def _preprocess_mri(volumes: MriVolumes, spec: Spec, device) -> dict[str, np.ndarray]:
    result = {}
    for plane in spec["planes"]:
        x, y, z = plane_shape(spec, plane)
        channels = np.zeros((len(spec["sequences"]), z, y, x), dtype=np.float32)
        by_sequence = volumes.get(plane, {})
        for index, sequence in enumerate(spec["sequences"]):
            volume = by_sequence.get(sequence)
            if volume is None:
                # NOTE: a missing series becomes an all-zero channel, so one absent sequence does not drop
                # the study. The model then gets no signal in that channel.
                logger.warning(
                    "%s study has no %s %s series; using a zero channel", spec["task"], plane, sequence
                )
                continue
            channels[index] = preprocess_volume(volume, spec, plane=plane, device=device)
        result[plane] = channels
    return result


def preprocess_study(
    source: StudySource,
    spec: Spec | str,
    cache: bool = True,
    *,
    device: torch.device | str | None = None,
) -> np.ndarray | dict[str, np.ndarray]:
    """Preprocess a study for a task, reusing the on-disk cache when the source and spec are unchanged.

    Args:
        source: a study folder or file path (loaded with ``greenrfm_core.io.load_study`` for CT and
            ``load_mri_study`` for MRI), a :class:`Volume` (CT), or ``{plane: {sequence: Volume}}`` (MRI).
        spec: a spec dict or a task name / spec path for :func:`load_spec`.
        cache: read and write ``cache_dir()/preprocessed``; False always recomputes and stores nothing.
        device: torch device for resampling; the CPU when ``None``.

    Returns:
        CT: float32 array (1, z, y, x). MRI: ``{plane: float32 array (sequences, z, y, x)}`` in the spec's
        plane and sequence order. Arrays returned from the cache are read-only memory maps.
    """
    spec = load_spec(spec)
    key = None
    if cache:
        key = preprocess_cache.entry_key(_fingerprint(source), spec_hash(spec))
        hit = preprocess_cache.load(key)
        if hit is not None:
            logger.debug("preprocessing cache hit %s", key)
            return hit if is_mri(spec) else hit["image"]

    if is_mri(spec):
        arrays = _preprocess_mri(_load_mri(source), spec, device)
        result: np.ndarray | dict[str, np.ndarray] = arrays
    else:
        image = preprocess_volume(_load_ct(source), spec, device=device)[None]
        arrays = {"image": image}
        result = image

    if key is not None:
        try:
            preprocess_cache.store(key, arrays, spec_hash(spec))
        except OSError as error:
            logger.warning("could not write preprocessing cache entry %s: %s", key, error)
    return result
