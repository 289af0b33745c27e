"""Study loading speed: greenrfm scan and load_series against SimpleITK's ImageSeriesReader on the same files.

Writes one 512 x 512 x 300 CT series (0.7 x 0.7 x 1 mm, random file names) with the project's DICOM writer.
Then prints one markdown table of median seconds over ``--repeats`` runs for: header scan, load_series
(parallel threads and one thread), SimpleITK reading the same files, chest-ct preprocessing, and
preprocess_study with a cold and a warm on-disk cache. Files are read from the page cache after the first run, as in a
workstation session that opens a study twice: every measurement starts with one untimed warm-up run.

Usage: ``nice -n 10 python benchmarks/loading.py [--repeats 3] [--slices 300] [--phantom]``
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def synthetic_ct(slices: int):
    """Return a chest-like CT Volume: air, a soft-tissue body ellipse, two lungs and noise (float32 HU)."""
    from greenrfm_core.volume import Volume

    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:512, 0:512]
    body = ((x - 255.5) / 220) ** 2 + ((y - 255.5) / 160) ** 2 <= 1
    lungs = (((x - 170) / 70) ** 2 + ((y - 240) / 100) ** 2 <= 1) | (
        ((x - 340) / 70) ** 2 + ((y - 240) / 100) ** 2 <= 1
    )
    plane = np.full((512, 512), -1000.0, dtype=np.float32)
    plane[body] = 40.0
    plane[lungs] = -850.0
    array = np.empty((slices, 512, 512), dtype=np.float32)
    for k in range(slices):
        array[k] = plane + rng.normal(0, 15, size=(512, 512)).astype(np.float32)
    np.rint(array, out=array)
    origin = (-255.5 * 0.7, -255.5 * 0.7, -150.0)
    return Volume(array, (0.7, 0.7, 1.0), origin, modality="CT")


def phantom_ct():
    """Return the full-size chest CT phantom (512 x 512 x 300) from greenrfm_core.phantom."""
    from greenrfm_core.phantom.chest import render_chest_ct
    from greenrfm_core.phantom.chest_anatomy import ChestPatient

    rng = np.random.default_rng(0)
    volume, _ = render_chest_ct(ChestPatient.sample(rng), set(), rng, size="full")
    return volume


def median_seconds(function, repeats: int) -> tuple[float, object]:
    """Run ``function`` once untimed (page cache, allocator), then return the median of ``repeats`` timed runs."""
    function()
    times = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement; the median is printed")
    parser.add_argument("--slices", type=int, default=300, help="number of 512 x 512 slices")
    parser.add_argument(
        "--phantom", action="store_true", help="use the chest CT phantom (300 slices) instead"
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="greenrfm-loading-"))
    os.environ["GREENRFM_HOME"] = str(workdir / "home")
    try:
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, workdir: Path) -> None:

    import SimpleITK as sitk
    import torch

    from greenrfm_core.io import load_series, scan, write_dicom_series
    from greenrfm_core.preprocess import load_spec, preprocess_study, preprocess_volume

    torch.set_num_threads(os.cpu_count() or 1)
    volume = phantom_ct() if args.phantom else synthetic_ct(args.slices)
    folder = workdir / "series"
    started = time.perf_counter()
    write_dicom_series(volume, folder, series_description="benchmark")
    write_seconds = time.perf_counter() - started

    scan_seconds, result = median_seconds(lambda: scan(folder), args.repeats)
    series = result.all_series[0]
    load_seconds, loaded = median_seconds(lambda: load_series(series), args.repeats)
    single_seconds, _ = median_seconds(lambda: load_series(series, workers=1), args.repeats)
    assert np.array_equal(loaded.array, volume.array), "load_series returned different voxels"

    def read_sitk():
        reader = sitk.ImageSeriesReader()
        reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
        return sitk.GetArrayFromImage(reader.Execute())

    sitk_seconds, sitk_array = median_seconds(read_sitk, args.repeats)
    assert sitk_array.shape == volume.array.shape, "SimpleITK read a different shape"

    spec = load_spec("chest-ct")
    preprocess_seconds, _ = median_seconds(lambda: preprocess_volume(loaded, spec), args.repeats)
    started = time.perf_counter()
    preprocess_study(folder, spec)
    cold_seconds = time.perf_counter() - started
    hit_seconds, _ = median_seconds(lambda: np.asarray(preprocess_study(folder, spec)), args.repeats)

    memory = ""
    try:
        import psutil

        memory = f", {psutil.virtual_memory().total / 2**30:.0f} GiB RAM"
    except ImportError:
        pass
    shape = "x".join(str(n) for n in volume.shape_xyz)
    print(f"Study loading, {shape} CT, {len(list(folder.iterdir()))} files ({write_seconds:.1f} s to write)")
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs{memory}, median of {args.repeats}"
    )
    print()
    print("| step | seconds | vs SimpleITK |")
    print("|---|---:|---:|")
    rows = [
        ("scan (headers only)", scan_seconds),
        ("load_series (threads)", load_seconds),
        ("load_series (1 thread)", single_seconds),
        ("scan + load_series", scan_seconds + load_seconds),
        ("SimpleITK ImageSeriesReader (file list + read)", sitk_seconds),
        ("preprocess_volume chest-ct", preprocess_seconds),
        ("preprocess_study, cold cache (scan + load + preprocess + store)", cold_seconds),
        ("preprocess_study, cache hit", hit_seconds),
    ]
    for name, seconds in rows:
        compared = name.startswith(("load_series", "scan + load_series", "SimpleITK"))
        ratio = f"{seconds / sitk_seconds:.2f}x" if compared else ""
        print(f"| {name} | {seconds:.3f} | {ratio} |")


if __name__ == "__main__":
    main()
