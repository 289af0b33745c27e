"""Render ``resources/icons/greenrfm-studio.svg`` to the PNG used by the desktop entry and the bundles.

Run from the repository root after changing the SVG: ``python installers/render_icon.py``.
PyInstaller converts the PNG to ``.ico`` (Windows) and ``.icns`` (macOS) with Pillow at build time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICON_SIZE_PX = 256


def render_icon(svg_path: Path, png_path: Path, size_px: int = ICON_SIZE_PX) -> None:
    """Render ``svg_path`` to a square RGBA PNG of ``size_px`` pixels at ``png_path``."""
    renderer = QSvgRenderer(str(svg_path))
    if not renderer.isValid():
        raise ValueError(f"{svg_path} is not a valid SVG file")
    image = QImage(size_px, size_px, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    if not image.save(str(png_path), "PNG"):
        raise OSError(f"could not write {png_path}")


def main() -> int:
    icons = Path(__file__).resolve().parents[1] / "resources" / "icons"
    _app = QGuiApplication(sys.argv[:1] + ["-platform", "offscreen"])
    render_icon(icons / "greenrfm-studio.svg", icons / "greenrfm-studio.png")
    print(f"wrote {icons / 'greenrfm-studio.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
