"""Check that a screenshot written by ``greenrfm-studio --self-test --screenshot`` shows a window, not a blank.

Usage: ``python installers/linux/check_screenshot.py FILE.png``; exit code 0 when it passes, 1 otherwise.

A screenshot passes when it is at least :data:`MIN_SIDE_PX` pixels on each side, a sample grid of it contains
at least :data:`MIN_DISTINCT_COLORS` colors, and the luminance standard deviation is at least
:data:`MIN_LUMINANCE_STD`. A blank window (one color) or a black GL area fails all three.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from PySide6.QtGui import QImage

MIN_SIDE_PX = 200
MIN_DISTINCT_COLORS = 16
MIN_LUMINANCE_STD = 8.0
SAMPLE_GRID = 64


def screenshot_problems(path: Path) -> list[str]:
    """Return the reasons ``path`` looks blank or unreadable; an empty list means it passed."""
    image = QImage(str(path))
    if image.isNull():
        return [f"{path}: not found or not a readable image"]
    problems = []
    if image.width() < MIN_SIDE_PX or image.height() < MIN_SIDE_PX:
        problems.append(
            f"{path}: {image.width()}x{image.height()} px is smaller than {MIN_SIDE_PX} px a side"
        )
    colors = set()
    luminances = []
    for row in range(SAMPLE_GRID):
        y = row * (image.height() - 1) // (SAMPLE_GRID - 1)
        for column in range(SAMPLE_GRID):
            x = column * (image.width() - 1) // (SAMPLE_GRID - 1)
            rgb = image.pixel(x, y) & 0xFFFFFF
            colors.add(rgb)
            red, green, blue = (rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF
            luminances.append(0.299 * red + 0.587 * green + 0.114 * blue)
    if len(colors) < MIN_DISTINCT_COLORS:
        problems.append(
            f"{path}: only {len(colors)} distinct colors in the sample (expected {MIN_DISTINCT_COLORS}+)"
        )
    spread = statistics.pstdev(luminances)
    if spread < MIN_LUMINANCE_STD:
        problems.append(f"{path}: luminance standard deviation {spread:.1f} is below {MIN_LUMINANCE_STD}")
    return problems


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if len(arguments) != 1:
        print("usage: check_screenshot.py FILE.png", file=sys.stderr)
        return 2
    problems = screenshot_problems(Path(arguments[0]))
    for problem in problems:
        print(problem)
    if not problems:
        print(f"check_screenshot: {arguments[0]} is not blank")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
