"""Screen orientation of the axial, coronal and sagittal views."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlaneGeometry:
    """Camera set-up of one view in the image-data world (x to the left, y to posterior, z to superior).

    Attributes:
        axis: world axis the view slices through (0 = x, 1 = y, 2 = z).
        horizontal: world axis that runs left to right on screen.
        vertical: world axis that runs bottom to top on screen.
        projection: direction the camera looks in.
        view_up: world direction that points up on screen.
        letters: patient directions on the (left, right, top, bottom) screen edges.
    """

    axis: int
    horizontal: int
    vertical: int
    projection: tuple[float, float, float]
    view_up: tuple[float, float, float]
    letters: tuple[str, str, str, str]


# Radiological convention: axial is seen from the feet and coronal from the front, so the patient's right
# is on the screen's left. Sagittal is seen from the patient's left, with anterior on the screen's left.
PLANES = {
    "axial": PlaneGeometry(2, 0, 1, (0.0, 0.0, 1.0), (0.0, -1.0, 0.0), ("R", "L", "A", "P")),
    "coronal": PlaneGeometry(1, 0, 2, (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), ("R", "L", "S", "I")),
    "sagittal": PlaneGeometry(0, 1, 2, (-1.0, 0.0, 0.0), (0.0, 0.0, 1.0), ("A", "P", "S", "I")),
}
