"""Screenshots of the whole window that include the VTK views' OpenGL pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QWidget


def rgb_to_qimage(pixels: np.ndarray) -> QImage:
    """Copy a uint8 RGB array of shape ``(height, width, 3)`` into a QImage."""
    pixels = np.ascontiguousarray(pixels)
    height, width, _ = pixels.shape
    return QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def window_screenshot(window: QWidget, viewer) -> QImage:
    """Grab ``window`` and paint each VTK view's own rendering over its place.

    ``QWidget.grab`` cannot read an OpenGL surface on every platform, so the views are read back through
    ``vtkWindowToImageFilter`` instead.
    """
    image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    painter = QPainter(image)
    try:
        ratio = window.devicePixelRatioF()
        for view in viewer.views.values():
            if not view.isVisible():
                continue
            top_left = view.mapTo(window, QPoint(0, 0))
            frame = rgb_to_qimage(view.capture())
            painter.drawImage(
                int(top_left.x() * ratio),
                int(top_left.y() * ratio),
                frame.scaled(int(view.width() * ratio), int(view.height() * ratio)),
            )
    finally:
        painter.end()
    return image


def save_screenshot(window: QWidget, viewer, path: str | Path) -> Path:
    """Write :func:`window_screenshot` as PNG to ``path`` (parent folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not window_screenshot(window, viewer).save(str(path), "PNG"):
        raise OSError(f"could not write the screenshot {path}; check that the folder is writable")
    return path
