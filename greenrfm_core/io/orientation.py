"""Reorient voxel arrays to the canonical LPS orientation of :class:`greenrfm_core.volume.Volume`."""

from __future__ import annotations

import numpy as np
from nibabel.orientations import apply_orientation, inv_ornt_aff, io_orientation


def to_canonical(array_xyz: np.ndarray, affine_lps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flip and permute an array so its index axes run towards patient Left, Posterior and Superior.

    Only flips and axis permutations are applied, so no voxel is interpolated. An oblique array keeps the
    residual rotation in the returned affine.

    Args:
        array_xyz: voxel array indexed ``[i, j, k]``.
        affine_lps: 4x4 matrix mapping ``(i, j, k, 1)`` to LPS millimetres.

    Returns:
        ``(array_zyx, affine_lps)``: the reoriented array indexed ``[k, j, i]`` and its new affine.
    """
    affine_lps = np.asarray(affine_lps, dtype=float)
    # io_orientation matches each index axis to the closest world axis of whatever frame the affine maps
    # to, so passing an LPS affine yields flips towards +L, +P and +S.
    orientation = io_orientation(affine_lps)
    if np.isnan(orientation).any():
        raise ValueError(
            f"the image affine has a degenerate (zero) axis and cannot be reoriented:\n{affine_lps}"
        )
    reoriented = apply_orientation(array_xyz, orientation)
    new_affine = affine_lps @ inv_ornt_aff(orientation, array_xyz.shape)
    return np.ascontiguousarray(reoriented.transpose(2, 1, 0)), new_affine


def geometry_from_affine(affine_lps: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...], np.ndarray]:
    """Split a 4x4 LPS affine into Volume's ``spacing``, ``origin`` and ``direction``."""
    linear = np.asarray(affine_lps, dtype=float)[:3, :3]
    spacing = np.linalg.norm(linear, axis=0)
    direction = linear / spacing
    origin = np.asarray(affine_lps, dtype=float)[:3, 3]
    return tuple(float(s) for s in spacing), tuple(float(o) for o in origin), direction
