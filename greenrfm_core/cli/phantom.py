"""``greenrfm phantom``: write a synthetic cohort (DICOM or NIfTI studies, reports.csv, labels.csv)."""

from __future__ import annotations

import argparse
import time


def _prevalence(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"prevalence must lie in [0, 1]; got {text}")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"--n must be at least 1; got {text}")
    return value


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "phantom",
        help="generate synthetic studies with known findings, reports and labels",
        description="Render a phantom cohort: one folder per study (PH0001, ...) plus reports.csv, "
        "labels.csv (1 present, -1 hedged, 0 absent), patients.csv and rendered_findings.csv.",
    )
    parser.add_argument("--task", choices=["chest-ct", "knee-mri"], default="chest-ct", help="study type")
    parser.add_argument("--n", type=_count, default=50, help="number of studies (default 50)")
    parser.add_argument("--out", required=True, help="output folder, created if missing")
    parser.add_argument("--format", choices=["dicom", "nifti"], default="dicom", help="image format")
    parser.add_argument("--lang", choices=["en", "zh"], default="en", help="report language")
    parser.add_argument(
        "--size",
        choices=["small", "full"],
        default="small",
        help="small: chest 128x128x64 at 2.8x2.8x4 mm, knee 128x128 at 1.25 mm; "
        "full: chest 512x512x300 at 0.7x0.7x1 mm, knee 384x384 at 0.42 mm",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed; the same seed gives the same cohort"
    )
    parser.add_argument(
        "--prevalence",
        type=_prevalence,
        default=0.3,
        help="probability that each finding is present, 0..1 (default 0.3)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from greenrfm_core.phantom import generate_cohort

    started = time.perf_counter()
    summary = generate_cohort(
        args.task,
        args.n,
        args.out,
        fmt=args.format,
        language=args.lang,
        size=args.size,
        seed=args.seed,
        prevalence=args.prevalence,
    )
    elapsed = time.perf_counter() - started
    print(f"wrote {len(summary.study_ids)} {args.task} studies to {summary.out_dir} in {elapsed:.1f} s")
    for finding, fraction in summary.prevalence.items():
        print(f"  {finding:36s} {fraction:.2f}")
    return 0
