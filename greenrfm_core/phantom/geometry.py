"""Voxel grid and vectorised painting primitives shared by the chest CT and knee MRI phantoms.

Coordinates are millimetres in the canonical LPS frame of :class:`greenrfm_core.volume.Volume`: ``x`` towards
the patient's Left, ``y`` towards Posterior, ``z`` towards Superior. ``x`` and ``y`` are 0 at the centre of the
field of view and ``z`` is 0 at the lowest slice. Every primitive touches only the voxels inside its bounding
box, so full-size (512 x 512 x 300) volumes stay fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

MaskFunction = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Grid:
    """A voxel grid: ``shape`` (z, y, x) voxels and ``spacing`` (x, y, z) in mm."""

    shape: tuple[int, int, int]
    spacing: tuple[float, float, float]

    @property
    def x(self) -> np.ndarray:
        """Voxel-centre x coordinates in mm, shape (nx,)."""
        nx = self.shape[2]
        return ((np.arange(nx) - (nx - 1) / 2.0) * self.spacing[0]).astype(np.float32)

    @property
    def y(self) -> np.ndarray:
        """Voxel-centre y coordinates in mm, shape (ny,)."""
        ny = self.shape[1]
        return ((np.arange(ny) - (ny - 1) / 2.0) * self.spacing[1]).astype(np.float32)

    @property
    def z(self) -> np.ndarray:
        """Voxel-centre z coordinates in mm from the lowest slice, shape (nz,)."""
        return (np.arange(self.shape[0]) * self.spacing[2]).astype(np.float32)

    @property
    def length_z(self) -> float:
        """Scan length in mm along z."""
        return self.shape[0] * self.spacing[2]

    def origin(self) -> tuple[float, float, float]:
        """LPS position of voxel (0, 0, 0) for a Volume of this grid."""
        return (float(self.x[0]), float(self.y[0]), 0.0)

    def index_range(self, axis: str, low_mm: float, high_mm: float) -> slice:
        """Return the slice of voxel indices along ``axis`` whose centres may lie in [low_mm, high_mm]."""
        coords = {"x": self.x, "y": self.y, "z": self.z}[axis]
        start = int(np.searchsorted(coords, low_mm, side="left"))
        stop = int(np.searchsorted(coords, high_mm, side="right"))
        return slice(max(start - 1, 0), min(stop + 1, coords.size))

    def box(self, low: tuple[float, float, float], high: tuple[float, float, float]):
        """Return ``(slices, X, Y, Z)`` for the bounding box [low, high] (x, y, z in mm).

        ``slices`` indexes a (z, y, x) array; ``X``, ``Y``, ``Z`` broadcast to the box's shape.
        """
        sx = self.index_range("x", low[0], high[0])
        sy = self.index_range("y", low[1], high[1])
        sz = self.index_range("z", low[2], high[2])
        x = self.x[sx][None, None, :]
        y = self.y[sy][None, :, None]
        z = self.z[sz][:, None, None]
        return (sz, sy, sx), x, y, z


def paint(
    volume: np.ndarray,
    grid: Grid,
    low: tuple[float, float, float],
    high: tuple[float, float, float],
    mask_function: MaskFunction,
    value: float | np.ndarray,
    within: np.ndarray | None = None,
) -> int:
    """Set ``volume`` to ``value`` where ``mask_function(X, Y, Z)`` is True inside a bounding box.

    Args:
        volume: (z, y, x) array edited in place.
        grid: the grid of ``volume``.
        low, high: bounding box corners (x, y, z) in mm.
        mask_function: returns a bool array broadcastable to the box from coordinate arrays in mm.
        value: scalar, or an array broadcastable to the box.
        within: optional (z, y, x) bool array restricting the painted voxels (e.g. the lungs).

    Returns:
        The number of voxels painted.
    """
    slices, x, y, z = grid.box(low, high)
    region = volume[slices]
    if region.size == 0:
        return 0
    mask = np.broadcast_to(mask_function(x, y, z), region.shape)
    if within is not None:
        mask = mask & within[slices]
    if np.ndim(value):
        region[mask] = np.broadcast_to(value, region.shape)[mask]
    else:
        region[mask] = value
    return int(mask.sum())


def ellipsoid(centre, radii) -> MaskFunction:
    """Mask function of an axis-aligned ellipsoid; centre and radii (x, y, z) in mm."""
    cx, cy, cz = centre
    rx, ry, rz = radii
    return lambda x, y, z: ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 + ((z - cz) / rz) ** 2 <= 1.0


def ellipsoid_box(centre, radii):
    """Return the bounding box ``(low, high)`` of an axis-aligned ellipsoid."""
    low = tuple(c - r for c, r in zip(centre, radii))
    high = tuple(c + r for c, r in zip(centre, radii))
    return low, high


def segment_distance(x, y, z, start, end) -> np.ndarray:
    """Distance in mm from each point to the line segment start-end (x, y, z in mm)."""
    start = np.asarray(start, dtype=np.float32)
    axis = np.asarray(end, dtype=np.float32) - start
    length2 = float(axis @ axis) or 1e-6
    dx, dy, dz = x - start[0], y - start[1], z - start[2]
    t = np.clip((dx * axis[0] + dy * axis[1] + dz * axis[2]) / length2, 0.0, 1.0)
    return np.sqrt((dx - t * axis[0]) ** 2 + (dy - t * axis[1]) ** 2 + (dz - t * axis[2]) ** 2)


def paint_capsule(volume, grid, start, end, radius, value, within=None) -> int:
    """Paint a cylinder with rounded ends (radius in mm) between two points; returns voxels painted."""
    low = tuple(min(a, b) - radius for a, b in zip(start, end))
    high = tuple(max(a, b) + radius for a, b in zip(start, end))
    return paint(
        volume,
        grid,
        low,
        high,
        lambda x, y, z: segment_distance(x, y, z, start, end) <= radius,
        value,
        within,
    )


def paint_sphere(volume, grid, centre, radius, value, within=None) -> int:
    """Paint a sphere (radius in mm); returns voxels painted."""
    low, high = ellipsoid_box(centre, (radius,) * 3)
    return paint(volume, grid, low, high, ellipsoid(centre, (radius,) * 3), value, within)


def mask_of(grid: Grid, low, high, mask_function: MaskFunction) -> np.ndarray:
    """Return a full-size (z, y, x) bool mask of ``mask_function`` inside a bounding box."""
    mask = np.zeros(grid.shape, dtype=bool)
    paint(mask, grid, low, high, mask_function, True)
    return mask
