"""Preprocessing and phantom generation timings for a full-size chest CT (512 x 512 x 300, 0.7 x 0.7 x 1 mm).

Prints one markdown table of median seconds over ``--repeats`` runs: rendering the phantom, writing it as
DICOM, ``preprocess_volume`` to the chest-ct grid (96 x 192 x 192) from memory, ``preprocess_study`` from the
DICOM folder without the cache (load + preprocess), a cache miss that also stores the entry, and a cache hit.
The cache lives in a temporary ``GREENRFM_HOME``.

Usage: ``nice -n 10 python benchmarks/preprocess.py [--repeats 3] [--threads 1]``
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


def _median_seconds(function, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement (median is printed)")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="greenrfm-bench-"))
    os.environ["GREENRFM_HOME"] = str(work / "home")

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    from greenrfm_core.io import write_dicom_series
    from greenrfm_core.phantom import ChestPatient, render_chest_ct
    from greenrfm_core.preprocess import cache as preprocess_cache
    from greenrfm_core.preprocess import load_spec, preprocess_study, preprocess_volume

    patient = ChestPatient.sample(np.random.default_rng(0))
    findings = {"pleural_effusion", "cardiomegaly", "emphysema", "lung_nodule"}
    rows = []
    render_s = _median_seconds(
        lambda: render_chest_ct(patient, findings, np.random.default_rng(1), "full"), args.repeats
    )
    rows.append(("render full-size chest phantom", render_s))
    volume, _ = render_chest_ct(patient, findings, np.random.default_rng(1), "full")
    study_dir = work / "study"
    started = time.perf_counter()
    write_dicom_series(volume, study_dir, modality="CT", file_names="sequential")
    rows.append(("write 300-slice DICOM series", time.perf_counter() - started))

    spec = load_spec("chest-ct")
    rows.append(
        (
            "preprocess_volume (in memory)",
            _median_seconds(lambda: preprocess_volume(volume, spec), args.repeats),
        )
    )
    rows.append(
        (
            "preprocess_study from DICOM, no cache",
            _median_seconds(lambda: preprocess_study(study_dir, spec, cache=False), args.repeats),
        )
    )

    def cold() -> None:
        for entry in preprocess_cache.cache_root().rglob("*"):
            if entry.is_file():
                entry.unlink()
        preprocess_study(study_dir, spec)

    rows.append(("preprocess_study, cache miss + store", _median_seconds(cold, args.repeats)))
    preprocess_study(study_dir, spec)
    rows.append(
        ("preprocess_study, cache hit", _median_seconds(lambda: preprocess_study(study_dir, spec), 5))
    )

    print(
        f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, "
        f"torch threads: {torch.get_num_threads()}, torch {torch.__version__}"
    )
    print("input: 512 x 512 x 300 at 0.7 x 0.7 x 1.0 mm; output: chest-ct spec, (1, 96, 192, 192)\n")
    print("| step | median s |")
    print("|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
