"""The in-memory image volume that every loader returns and every later stage consumes.

Canonical orientation: the voxel array is indexed ``array[k, j, i]`` (slices, rows, columns, the order of
SimpleITK's ``GetArrayFromImage``). After loading, index ``i`` runs towards the patient's Left, ``j``
towards Posterior and ``k`` towards Superior (DICOM's LPS patient axes), so ``direction`` is the identity for
axial, coronal and sagittal acquisitions. Only an oblique series keeps a residual rotation in ``direction``.
``spacing`` and ``origin`` are in millimetres and ordered (x, y, z) = (i, j, k), also like SimpleITK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Flips the x and y axes between DICOM's LPS and NIfTI's RAS world coordinates.
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


@dataclass
class Volume:
    """A 3D image with its geometry.

    Attributes:
        array: voxel values, shape ``(z, y, x)``; CT in Hounsfield units (float32), MRI in scanner units.
        spacing: voxel size in mm along (x, y, z).
        origin: LPS position in mm of the centre of voxel ``[0, 0, 0]``.
        direction: 3x3 matrix whose columns are the LPS unit vectors of the i, j and k index axes.
        modality: DICOM modality (``CT``, ``MR``) or ``""`` when unknown (NIfTI).
        metadata: non-identifying facts (series description, sequence, manufacturer, source hash, warnings).
            Patient name, ID and birth date never go here.
    """

    array: np.ndarray
    spacing: tuple[float, float, float]
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    direction: np.ndarray = field(default_factory=lambda: np.eye(3))
    modality: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.array.ndim != 3:
            raise ValueError(f"Volume.array must be 3D (z, y, x); got shape {self.array.shape}")
        self.spacing = tuple(float(s) for s in self.spacing)
        self.origin = tuple(float(o) for o in self.origin)
        self.direction = np.asarray(self.direction, dtype=float).reshape(3, 3)
        if any(s <= 0 for s in self.spacing):
            raise ValueError(f"Volume.spacing must be positive in mm; got {self.spacing}")

    @property
    def shape_xyz(self) -> tuple[int, int, int]:
        """Number of voxels along (x, y, z)."""
        z, y, x = self.array.shape
        return (x, y, z)

    def affine_lps(self) -> np.ndarray:
        """Return the 4x4 matrix mapping (i, j, k, 1) voxel indices to LPS millimetres."""
        affine = np.eye(4)
        affine[:3, :3] = self.direction @ np.diag(self.spacing)
        affine[:3, 3] = self.origin
        return affine

    def affine_ras(self) -> np.ndarray:
        """Return the 4x4 matrix mapping (i, j, k, 1) voxel indices to RAS millimetres (NIfTI convention)."""
        return LPS_TO_RAS @ self.affine_lps()

    def index_to_world(self, ijk: np.ndarray) -> np.ndarray:
        """Map voxel indices ``(..., 3)`` ordered (i, j, k) to LPS millimetres."""
        ijk = np.asarray(ijk, dtype=float)
        return ijk @ (self.direction @ np.diag(self.spacing)).T + np.asarray(self.origin)
