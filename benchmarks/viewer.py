"""Time the slice viewer on a 512 x 512 x 300 CT series: open-to-first-image and one slice change.

Run under an X server, for example::

    xvfb-run -a -s "-screen 0 1280x800x24" python benchmarks/viewer.py

Targets: first image within 2 s after the series is loaded, a slice change within 30 ms. The figures depend on
the OpenGL driver; under Xvfb, Mesa renders in software on the CPU. The steps come faster than the viewer's
200 ms scroll settle time, so they are drawn with nearest-neighbour interpolation, as while a user scrolls.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np


def synthetic_ct(shape_zyx: tuple[int, int, int], seed: int = 0):
    """Build a CT-like Volume: an elliptic body of soft tissue with air lungs, a spine and noise, in HU."""
    from greenrfm_core.volume import Volume

    z, y, x = shape_zyx
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:y, 0:x].astype(np.float32)
    body = ((xx - x / 2) / (0.42 * x)) ** 2 + ((yy - y / 2) / (0.32 * y)) ** 2 < 1
    lungs = (((np.abs(xx - x / 2) - 0.18 * x) / (0.12 * x)) ** 2 + ((yy - y / 2) / (0.22 * y)) ** 2) < 1
    spine = ((xx - x / 2) ** 2 + (yy - 0.7 * y) ** 2) < (0.04 * x) ** 2
    plane = np.full((y, x), -1000.0, np.float32)
    plane[body] = 40.0
    plane[lungs] = -850.0
    plane[spine] = 700.0
    array = np.broadcast_to(plane, (z, y, x)).copy()
    array += rng.standard_normal(array.shape, dtype=np.float32) * np.float32(15.0)
    return Volume(array, spacing=(0.7, 0.7, 1.0), modality="CT")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slices", type=int, default=300, help="number of axial slices (default 300)")
    parser.add_argument("--size", type=int, default=512, help="rows and columns per slice (default 512)")
    parser.add_argument("--steps", type=int, default=100, help="slice changes to time (default 100)")
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from app.viewer import ThreeViewViewer

    application = QApplication(sys.argv[:1])
    viewer = ThreeViewViewer()
    viewer.resize(1200, 800)
    viewer.show()
    application.processEvents()

    volume = synthetic_ct((args.slices, args.size, args.size))
    started = time.perf_counter()
    viewer.set_volume(volume)
    application.processEvents()
    first_image_s = time.perf_counter() - started

    scrolled_ms = []
    all_views_ms = []
    for step in range(args.steps):
        delta = 1 if step < args.steps // 2 else -1
        started = time.perf_counter()
        viewer.scroll("axial", delta)
        scrolled_ms.append((time.perf_counter() - started) * 1000)
        application.processEvents()
        all_views_ms.append((time.perf_counter() - started) * 1000)

    width, height = viewer.views["axial"].GetRenderWindow().GetSize()
    print(f"series {args.size} x {args.size} x {args.slices} float32, axial view {width} x {height} pixels")
    print(f"open to first image (vtkImageData build + 3 renders): {first_image_s:.2f} s (target < 2 s)")
    print(
        f"slice change, scrolled view: median {statistics.median(scrolled_ms):.1f} ms, "
        f"p95 {np.percentile(scrolled_ms, 95):.1f} ms (target < 30 ms)"
    )
    print(
        f"slice change, all three views redrawn: median {statistics.median(all_views_ms):.1f} ms, "
        f"p95 {np.percentile(all_views_ms, 95):.1f} ms"
    )
    viewer.finalize()
    return 0


if __name__ == "__main__":
    sys.exit(main())
