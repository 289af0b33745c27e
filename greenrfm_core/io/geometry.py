"""Slice-stack geometry: plane labels, sorting along the slice normal, and gap, duplicate and tilt checks.

Slices are always ordered by Image Position (Patient) projected on the slice normal, never by file name or
Instance Number, because neither is guaranteed to follow the anatomy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from greenrfm_core.io.errors import SeriesGeometryError

# A normal within about 25 degrees of a patient axis (cosine >= 0.9) names the plane. Beyond that the
# series is called oblique.
PLANE_COSINE = 0.9
# Relative deviation from the median slice spacing that counts as uneven spacing.
SPACING_TOLERANCE = 0.02
# A gap larger than this multiple of the median spacing cannot be filled by interpolation.
MAX_GAP_RATIO = 3.0
# More missing slices than this (summed over all gaps) make the series unusable.
MAX_MISSING_SLICES = 5
# Positions closer than this along the normal, in mm, are the same slice position.
DUPLICATE_TOLERANCE_MM = 1e-3
# In-plane drift of the stack, as a fraction of a pixel, above which the stack is treated as sheared.
SHEAR_TOLERANCE_PIXELS = 0.05


def slice_normal(orientation: tuple[float, ...]) -> np.ndarray:
    """Return the unit slice normal (row direction x column direction) of Image Orientation (Patient)."""
    row = np.asarray(orientation[:3], dtype=float)
    column = np.asarray(orientation[3:6], dtype=float)
    normal = np.cross(row, column)
    norm = np.linalg.norm(normal)
    if norm < 1e-6:
        raise SeriesGeometryError(
            f"Image Orientation (Patient) {list(orientation)} has parallel row and column vectors"
        )
    return normal / norm


def plane_of(orientation: tuple[float, ...] | None) -> str:
    """Name the dominant acquisition plane: ``axial``, ``coronal``, ``sagittal``, or ``""`` when unknown."""
    if orientation is None:
        return ""
    normal = np.abs(slice_normal(orientation))
    return ("sagittal", "coronal", "axial")[int(np.argmax(normal))]


def orientation_label(orientation: tuple[float, ...] | None) -> str:
    """Name the plane, or ``oblique`` when the normal is more than about 25 degrees from every patient axis."""
    if orientation is None:
        return ""
    if float(np.max(np.abs(slice_normal(orientation)))) < PLANE_COSINE:
        return "oblique"
    return plane_of(orientation)


def same_orientation(first: tuple[float, ...], second: tuple[float, ...], tolerance: float = 1e-3) -> bool:
    """Return True when two Image Orientation (Patient) values agree within ``tolerance`` per component."""
    return bool(np.max(np.abs(np.asarray(first) - np.asarray(second))) <= tolerance)


@dataclass
class StackGeometry:
    """Geometry of a slice stack sorted along its normal.

    Attributes:
        order: indices that sort the input slices from lowest to highest offset along the normal.
        offsets: sorted offsets along the normal in mm.
        positions: sorted Image Position (Patient) values, shape ``(n, 3)``, LPS mm.
        normal: unit slice normal (LPS).
        spacing: median distance between neighbouring distinct positions in mm, or None for one slice.
        gaps: ``(index, distance_mm)`` where sorted slices ``index`` and ``index + 1`` are farther apart than
            the median spacing allows.
        uneven: True when any neighbouring distance deviates from the median by more than the tolerance.
        duplicate_groups: lists of sorted indices that share one position.
        shear: in-plane offset of each sorted slice from the first one's normal line, shape ``(n, 3)``, mm.
        tilt_degrees: angle between the slice normal and the line through the slice positions.
    """

    order: np.ndarray
    offsets: np.ndarray
    positions: np.ndarray
    normal: np.ndarray
    spacing: float | None
    gaps: list[tuple[int, float]] = field(default_factory=list)
    uneven: bool = False
    duplicate_groups: list[list[int]] = field(default_factory=list)
    shear: np.ndarray | None = None
    tilt_degrees: float = 0.0

    @property
    def missing_slices(self) -> int:
        """Estimated number of missing slices summed over all gaps."""
        if not self.spacing:
            return 0
        return sum(max(round(distance / self.spacing) - 1, 0) for _, distance in self.gaps)

    @property
    def sheared(self) -> bool:
        """True when the stack drifts in-plane, as a tilted CT gantry produces."""
        return self.shear is not None and self.tilt_degrees > 0.0


def analyse_stack(
    positions: list[tuple[float, float, float]],
    orientation: tuple[float, ...],
    pixel_spacing: tuple[float, float],
) -> StackGeometry:
    """Sort slices along the normal and measure spacing, gaps, duplicates and in-plane shear.

    Args:
        positions: Image Position (Patient) of each slice, LPS mm, in any order.
        orientation: the shared Image Orientation (Patient).
        pixel_spacing: (row spacing, column spacing) in mm, used to judge in-plane shear.

    Returns:
        The sorted stack geometry; nothing is raised here, so a scan can report problems as warnings.
    """
    normal = slice_normal(orientation)
    points = np.asarray(positions, dtype=float).reshape(-1, 3)
    raw_offsets = points @ normal
    order = np.argsort(raw_offsets, kind="stable")
    offsets = raw_offsets[order]
    points = points[order]

    duplicate_groups: list[list[int]] = []
    distinct = [0]
    for index in range(1, len(offsets)):
        if offsets[index] - offsets[distinct[-1]] <= DUPLICATE_TOLERANCE_MM:
            if duplicate_groups and duplicate_groups[-1][0] == distinct[-1]:
                duplicate_groups[-1].append(index)
            else:
                duplicate_groups.append([distinct[-1], index])
        else:
            distinct.append(index)

    steps = np.diff(offsets[distinct])
    spacing = float(np.median(steps)) if len(steps) else None
    gaps: list[tuple[int, float]] = []
    uneven = False
    if spacing:
        tolerance = max(SPACING_TOLERANCE * spacing, DUPLICATE_TOLERANCE_MM)
        uneven = bool(np.any(np.abs(steps - spacing) > tolerance))
        for position, step in enumerate(steps):
            if step - spacing > tolerance and step >= 1.5 * spacing:
                gaps.append((distinct[position], float(step)))

    along = (offsets - offsets[0])[:, None] * normal
    shear = points - points[0] - along
    drift = float(np.max(np.linalg.norm(shear, axis=1))) if len(points) > 1 else 0.0
    tilt_degrees = 0.0
    if drift > SHEAR_TOLERANCE_PIXELS * min(pixel_spacing) and offsets[-1] > offsets[0]:
        last = int(np.argmax(np.linalg.norm(shear, axis=1)))
        tilt_degrees = math.degrees(math.atan2(np.linalg.norm(shear[last]), offsets[last] - offsets[0]))
    return StackGeometry(
        order=order,
        offsets=offsets,
        positions=points,
        normal=normal,
        spacing=spacing,
        gaps=gaps,
        uneven=uneven,
        duplicate_groups=duplicate_groups,
        shear=shear,
        tilt_degrees=tilt_degrees,
    )


def describe_problems(geometry: StackGeometry, series_name: str) -> list[str]:
    """Describe the stack's geometry problems in plain words, one sentence per problem."""
    messages = []
    spacing = geometry.spacing or 0.0
    for index, distance in geometry.gaps:
        messages.append(
            f"{series_name} has a {distance:.1f} mm gap between slices {index + 1} and {index + 2} "
            f"where spacing is {spacing:.2f} mm"
        )
    if geometry.uneven and not geometry.gaps:
        messages.append(f"{series_name} has uneven slice spacing around a median of {spacing:.3f} mm")
    for group in geometry.duplicate_groups:
        messages.append(
            f"{series_name} has {len(group)} slices at the same position "
            f"({geometry.offsets[group[0]]:.2f} mm along the normal)"
        )
    if geometry.sheared:
        messages.append(f"{series_name} is sheared by a gantry tilt of {geometry.tilt_degrees:.1f} degrees")
    return messages


def check_gaps(geometry: StackGeometry, series_name: str) -> None:
    """Raise SeriesGeometryError when gaps are too large or too many slices are missing to interpolate."""
    if not geometry.spacing:
        return
    for index, distance in geometry.gaps:
        if distance > MAX_GAP_RATIO * geometry.spacing:
            raise SeriesGeometryError(
                f"{series_name} has a {distance:.1f} mm gap between slices {index + 1} and {index + 2} where "
                f"spacing is {geometry.spacing:.2f} mm (more than {MAX_GAP_RATIO:g}x); the series is incomplete, "
                "so export it again from the PACS or choose another series"
            )
    if geometry.missing_slices > MAX_MISSING_SLICES:
        raise SeriesGeometryError(
            f"{series_name} is missing about {geometry.missing_slices} slices (more than {MAX_MISSING_SLICES}); "
            "export the complete series again or choose another series"
        )
