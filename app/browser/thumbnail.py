"""Middle-slice thumbnails of a scanned series, read from one DICOM file without loading the series."""

from __future__ import annotations

import logging

import numpy as np
import pydicom
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)

THUMBNAIL_SIZE = 192


def middle_slice_pixels(series) -> np.ndarray:
    """Read the middle frame of ``series`` (a scan's ``SeriesInfo``) as float32 rows x columns, rescaled.

    Frames are ordered by their position along the slice normal where known, by instance number otherwise.

    Raises:
        ValueError: the series has no image frames.
        OSError, pydicom errors: the file cannot be read or decoded.
    """
    slices = list(series.slices)
    if not slices:
        raise ValueError(f"{series.display_name} has no image frames")
    if all(s.position is not None for s in slices):
        axis = (
            int(np.argmax(np.ptp(np.array([s.position for s in slices]), axis=0))) if len(slices) > 1 else 2
        )
        slices.sort(key=lambda s: s.position[axis])
    else:
        slices.sort(key=lambda s: s.instance_number or 0)
    header = slices[len(slices) // 2]
    dataset = pydicom.dcmread(header.path)
    pixels = dataset.pixel_array
    if pixels.ndim == 3 and header.frame is not None:
        pixels = pixels[header.frame]
    elif pixels.ndim == 3:
        pixels = pixels[pixels.shape[0] // 2]
    return pixels.astype(np.float32) * float(header.slope) + float(header.intercept)


def thumbnail_image(pixels: np.ndarray, size: int = THUMBNAIL_SIZE) -> QImage:
    """Scale a 2D slice to 8-bit grey between its 1st and 99th percentiles and fit it in ``size`` pixels."""
    low, high = np.percentile(pixels, [1, 99])
    scaled = np.clip((pixels - low) / max(high - low, 1e-6), 0.0, 1.0)
    grey = np.ascontiguousarray((scaled * 255).astype(np.uint8))
    height, width = grey.shape
    image = QImage(grey.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    return image.scaled(
        size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
