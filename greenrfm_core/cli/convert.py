"""``greenrfm convert DIR --out FILE.nii.gz``: write a study's selected (or a named) series as NIfTI."""

from __future__ import annotations

import argparse
import logging
import sys

from greenrfm_core.cli._logging import io_warnings_printed_by_command

logger = logging.getLogger(__name__)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert a DICOM series to NIfTI",
        description="Load the preferred series of the study in DIR (or the series named by --series) and write "
        "it as NIfTI with a RAS affine, as nibabel and dcm2niix expect. Geometry warnings go to stderr.",
    )
    parser.add_argument("folder", help="study folder (searched recursively) or a .nii/.nii.gz file")
    parser.add_argument("--out", required=True, help="output file ending in .nii or .nii.gz")
    parser.add_argument(
        "--series", help="Series Instance UID, or a key such as UID#2 from `greenrfm scan`, to convert"
    )
    parser.add_argument(
        "--modality", choices=["CT", "MR"], help="modality to choose when --series is not given"
    )
    parser.set_defaults(func=run)


def _choose(result, series_key: str | None, modality: str | None):
    """Return the series to convert, or raise StudyLoadError explaining what to pass instead."""
    from greenrfm_core.io import NoUsableSeriesError, StudyLoadError, exclusion_reason, select_series

    if series_key:
        matches = [s for study in result.studies for s in study.find_series(series_key)]
        if not matches:
            raise StudyLoadError(
                f"series {series_key} not found in {result.root}; run `greenrfm scan` to list them"
            )
        if len(matches) > 1:
            keys = ", ".join(s.key for s in matches)
            raise StudyLoadError(f"series {series_key} has {len(matches)} stacks ({keys}); pass one key")
        return matches[0]
    if not result.studies:
        raise NoUsableSeriesError(f"no DICOM study found in {result.root}")
    if len(result.studies) > 1:
        raise StudyLoadError(
            f"{result.root} contains {len(result.studies)} studies; pass --series with a UID from `greenrfm scan`"
        )
    study = result.studies[0]
    chosen = select_series(study, modality)
    if not chosen:
        reasons = "; ".join(
            f"{s.display_name}: {exclusion_reason(s) or 'other modality'}" for s in study.series
        )
        raise NoUsableSeriesError(
            f"no usable series in {result.root} ({reasons}); pass --series to force one"
        )
    return chosen[0]


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from greenrfm_core.io import StudyLoadError, is_nifti_path, load_series, read_nifti, scan, write_nifti

    source = Path(args.folder)
    if not is_nifti_path(args.out):
        print(f"greenrfm convert: --out must end in .nii or .nii.gz; got {args.out}", file=sys.stderr)
        return 2
    try:
        if source.is_file() and is_nifti_path(source):
            volume = read_nifti(source)
        else:
            result = scan(source)
            for warning in result.warnings:
                print(f"warning: {warning}", file=sys.stderr)
            series = _choose(result, args.series, args.modality)
            volume = load_series(series)
            for warning in volume.metadata.get("warnings", []):
                if warning not in result.warnings:
                    print(f"warning: {warning}", file=sys.stderr)
    except FileNotFoundError as error:
        print(f"greenrfm convert: {error}", file=sys.stderr)
        return 2
    except (StudyLoadError, ValueError) as error:
        print(f"greenrfm convert: {error}", file=sys.stderr)
        return 1
    path = write_nifti(volume, args.out)
    x, y, z = volume.shape_xyz
    sx, sy, sz = volume.spacing
    print(f"wrote {path} ({x}x{y}x{z} voxels, {sx:.3g}x{sy:.3g}x{sz:.3g} mm)")
    return 0


def run(args: argparse.Namespace) -> int:
    with io_warnings_printed_by_command(getattr(args, "verbose", False)):
        return _run(args)
