"""Resampling that repairs slice stacks: removing gantry-tilt shear and filling uneven slice spacing."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def remove_shear(
    stack: np.ndarray,
    shear: np.ndarray,
    row_direction: np.ndarray,
    column_direction: np.ndarray,
    pixel_spacing: tuple[float, float],
) -> np.ndarray:
    """Shift each slice in-plane so the stack lies on an orthogonal grid through the first slice.

    Args:
        stack: float32 slices sorted along the normal, shape ``(k, rows, columns)``.
        shear: in-plane LPS offset in mm of each slice's first pixel from the first slice's normal line,
            shape ``(k, 3)``.
        row_direction: unit LPS vector along a row (increasing column index).
        column_direction: unit LPS vector along a column (increasing row index).
        pixel_spacing: (row spacing, column spacing) in mm.

    Returns:
        The resampled stack (linear interpolation); voxels shifted in from outside get the stack minimum.
    """
    fill = float(stack.min()) if stack.size else 0.0
    result = np.empty_like(stack)
    for k in range(stack.shape[0]):
        # A pixel at (r, c) of slice k sits at the grid point (r + dj, c + di) of the orthogonal grid.
        di = float(shear[k] @ row_direction) / pixel_spacing[1]
        dj = float(shear[k] @ column_direction) / pixel_spacing[0]
        if abs(di) < 1e-6 and abs(dj) < 1e-6:
            result[k] = stack[k]
            continue
        ndimage.shift(stack[k], (dj, di), output=result[k], order=1, mode="constant", cval=fill)
    return result


def resample_to_regular_spacing(
    stack: np.ndarray, offsets: np.ndarray, spacing: float
) -> tuple[np.ndarray, float]:
    """Linearly interpolate slices at irregular offsets onto a regular grid starting at the first slice.

    Args:
        stack: float32 slices, shape ``(k, rows, columns)``, sorted by ``offsets``.
        offsets: distance of each slice from the first along the normal, mm, strictly increasing.
        spacing: target spacing in mm (the median spacing of the series).

    Returns:
        ``(resampled stack, spacing)``; the spacing is adjusted slightly so the last slice stays in place.
    """
    extent = float(offsets[-1] - offsets[0])
    count = max(round(extent / spacing) + 1, 2)
    spacing = extent / (count - 1)
    targets = offsets[0] + spacing * np.arange(count)
    upper = np.clip(np.searchsorted(offsets, targets, side="right"), 1, len(offsets) - 1)
    lower = upper - 1
    weights = (targets - offsets[lower]) / (offsets[upper] - offsets[lower])
    weights = np.clip(weights, 0.0, 1.0).astype(np.float32)
    result = np.empty((count, *stack.shape[1:]), dtype=stack.dtype)
    for index in range(count):
        weight = weights[index]
        if weight <= 0.0:
            result[index] = stack[lower[index]]
        elif weight >= 1.0:
            result[index] = stack[upper[index]]
        else:
            np.multiply(stack[lower[index]], 1.0 - weight, out=result[index])
            result[index] += weight * stack[upper[index]]
    return result, spacing
