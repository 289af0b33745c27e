"""Resample a Volume onto a task grid and scale its intensities, as ``preprocess_volume`` does for every study.

Resampling is one ``torch.nn.functional.grid_sample`` call (trilinear) on an LPS-aligned output grid centred
on the input's centre, so oblique series are straightened in the same step. When the output spacing is at
least twice the input spacing along an axis, the input is first averaged over blocks of that many voxels
(``avg_pool3d``), which suppresses aliasing of noise and makes the sampling step cheaper.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from greenrfm_core.preprocess.spec import Spec, is_mri, plane_shape
from greenrfm_core.volume import Volume


@dataclass(frozen=True)
class GridGeometry:
    """Placement of the output grid of :func:`resample_to_grid` for one input volume.

    Attributes:
        pool_factors: (x, y, z) block sizes averaged before sampling, 1 where the axis is not pooled.
        in_origin: LPS position (mm) of the first voxel of the pooled input.
        in_spacing: (x, y, z) spacing in mm of the pooled input.
        in_shape: (x, y, z) voxels of the pooled input.
        axes: 3 x 3 matrix from one output index step to its LPS displacement in mm.
        centre: LPS position (mm) of the output grid's centre, the centre of the input.
    """

    pool_factors: tuple[int, int, int]
    in_origin: np.ndarray
    in_spacing: np.ndarray
    in_shape: np.ndarray
    axes: np.ndarray
    centre: np.ndarray

    def output_to_world(self, out_shape) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(matrix, offset)`` with LPS world = matrix @ output index + offset for ``out_shape`` (x, y, z)."""
        offset = self.centre - self.axes @ ((np.asarray(out_shape, dtype=float) - 1) / 2.0)
        return self.axes, offset


def grid_geometry(volume: Volume, out_shape, out_spacing) -> GridGeometry:
    """Return the output grid geometry that :func:`resample_to_grid` uses for ``volume``.

    Args:
        volume: the input; only its geometry is read.
        out_shape: output voxels along (x, y, z).
        out_spacing: output spacing in mm along (x, y, z), or ``None`` to stretch the input's field of view
            along each index axis over ``out_shape``.
    """
    in_spacing = np.asarray(volume.spacing, dtype=float)
    direction = np.asarray(volume.direction, dtype=float)
    origin = np.asarray(volume.origin, dtype=float)
    in_shape = np.asarray(volume.shape_xyz, dtype=float)
    out_shape = np.asarray(out_shape, dtype=float)
    if out_spacing is None:
        target_spacing = in_shape * in_spacing / out_shape
    else:
        target_spacing = np.asarray(out_spacing, dtype=float)

    factors = np.array(
        [max(1, min(math.floor(target_spacing[a] / in_spacing[a] + 1e-6), int(in_shape[a]))) for a in range(3)]
    )
    if np.any(factors > 1):
        # A pooled voxel is centred on the middle of its block of input voxels.
        origin = origin + direction @ ((factors - 1) / 2.0 * in_spacing)
        in_spacing = in_spacing * factors
        in_shape = np.floor(in_shape / factors)
    centre = origin + direction @ np.diag(in_spacing) @ ((in_shape - 1) / 2.0)
    # A fixed grid's index axes follow the input's index axes; a spaced grid is LPS-aligned.
    axes = direction @ np.diag(target_spacing) if out_spacing is None else np.diag(target_spacing)
    return GridGeometry(tuple(int(f) for f in factors), origin, in_spacing, in_shape, axes, centre)


def resample_to_grid(
    volume: Volume,
    out_shape: tuple[int, int, int],
    out_spacing: tuple[float, float, float] | None,
    pad_value: float,
    device: torch.device | str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Resample ``volume`` onto an LPS-aligned grid centred on the volume's centre.

    Args:
        volume: input image; ``array`` shape (z, y, x).
        out_shape: output voxels along (x, y, z).
        out_spacing: output spacing in mm along (x, y, z). ``None`` stretches the input's field of view
            along each index axis over ``out_shape``, so the spacing follows the study.
        pad_value: value for output voxels outside the input's field of view.
        device: torch device for the computation; the CPU when ``None``.

    Returns:
        ``(image, inside)``: float32 tensor (z, y, x) and a bool tensor (z, y, x) that is True where the output
        voxel lies inside the input's field of view.
    """
    device = torch.device(device) if device is not None else torch.device("cpu")
    array = np.asarray(volume.array)
    if array.dtype != np.float32:
        array = array.astype(np.float32)
    image = torch.from_numpy(np.ascontiguousarray(array)).to(device)
    geometry = grid_geometry(volume, out_shape, out_spacing)
    factors = geometry.pool_factors
    if any(factor > 1 for factor in factors):
        kernel = (factors[2], factors[1], factors[0])
        image = F.avg_pool3d(image[None, None], kernel_size=kernel, stride=kernel)[0, 0]
    in_shape = np.array(image.shape[::-1])

    index_to_world = np.asarray(volume.direction, dtype=float) @ np.diag(geometry.in_spacing)
    world_to_index = np.linalg.inv(index_to_world)
    out_matrix, out_offset = geometry.output_to_world(out_shape)
    # Input index = A @ output index + b.
    matrix = world_to_index @ out_matrix
    offset = world_to_index @ (out_offset - geometry.in_origin)

    out_x, out_y, out_z = (torch.arange(n, dtype=torch.float32, device=device) for n in out_shape)
    mat = torch.as_tensor(matrix, dtype=torch.float32, device=device)
    off = torch.as_tensor(offset, dtype=torch.float32, device=device)
    # Index coordinates (i, j, k) for every output voxel, shape (z, y, x, 3), built by broadcasting.
    coords = (
        out_z[:, None, None, None] * mat[:, 2]
        + out_y[None, :, None, None] * mat[:, 1]
        + out_x[None, None, :, None] * mat[:, 0]
        + off
    )
    sizes = torch.as_tensor(in_shape, dtype=torch.float32, device=device)
    inside = ((coords >= -0.5) & (coords <= sizes - 0.5)).all(dim=-1)
    # grid_sample with align_corners=True maps -1 and +1 to the first and last voxel centres.
    grid = torch.where(sizes > 1, 2.0 * coords / (sizes - 1).clamp(min=1) - 1.0, torch.zeros_like(coords))
    sampled = F.grid_sample(
        image[None, None], grid[None], mode="bilinear", padding_mode="border", align_corners=True
    )[0, 0]
    sampled = torch.where(inside, sampled, torch.full_like(sampled, float(pad_value)))
    return sampled, inside


def window_scale(image: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Clip ``image`` to the window [low, high] (e.g. Hounsfield units) and scale it linearly to [0, 1]."""
    return ((image.clamp(low, high) - low) / (high - low)).to(torch.float32)


def percentile_scale(image: torch.Tensor, inside: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Scale ``image`` so its ``low`` and ``high`` percentiles map to 0 and 1, clipped to [0, 1].

    Percentiles are taken over voxels inside the field of view only, so padding does not shift them.
    """
    values = image[inside].detach().cpu().numpy()
    if values.size == 0:
        return torch.zeros_like(image)
    p_low, p_high = np.percentile(values, [low, high])
    if p_high <= p_low:
        return torch.zeros_like(image)
    scaled = ((image - float(p_low)) / float(p_high - p_low)).clamp(0.0, 1.0)
    return torch.where(inside, scaled, torch.zeros_like(scaled)).to(torch.float32)


def preprocess_volume(
    volume: Volume,
    spec: Spec,
    *,
    plane: str | None = None,
    device: torch.device | str | None = None,
) -> np.ndarray:
    """Resample, scale and crop or pad one volume to the spec's grid.

    CT: resample to ``spec["spacing"]`` on a ``spec["shape"]`` grid centred on the volume, window to
    ``intensity.min``..``intensity.max`` (Hounsfield units) and scale to [0, 1]; voxels outside the scan are
    filled with the window minimum (air), i.e. 0. MRI: the plane's field of view is resampled to the plane's
    fixed grid and scaled by the spec's percentiles; padding is 0.

    Args:
        volume: input in canonical LPS orientation, ``array`` shape (z, y, x).
        spec: a spec from :func:`greenrfm_core.preprocess.load_spec`.
        plane: ``"sagittal"``, ``"coronal"`` or ``"axial"``; required for MRI specs, ignored for CT.
        device: torch device for the computation; the CPU when ``None``.

    Returns:
        float32 array of shape (z, y, x) = reversed ``shape``.
    """
    intensity = spec["intensity"]
    out_shape = plane_shape(spec, plane if is_mri(spec) else None)
    spacing = spec.get("spacing")
    spacing = tuple(float(s) for s in spacing) if spacing is not None else None
    if intensity["kind"] == "window":
        low, high = float(intensity["min"]), float(intensity["max"])
        image, _ = resample_to_grid(volume, out_shape, spacing, pad_value=low, device=device)
        result = window_scale(image, low, high)
    else:
        image, inside = resample_to_grid(volume, out_shape, spacing, pad_value=0.0, device=device)
        result = percentile_scale(image, inside, float(intensity["low"]), float(intensity["high"]))
    return result.cpu().numpy().astype(np.float32, copy=False)
