"""Load a DICOM series (or a study folder, or a NIfTI file) into a Volume in the canonical LPS orientation.

Slices are sorted by Image Position (Patient) along the slice normal, and the slice spacing comes from the
positions. Stored values are converted once (Bits Stored, padding, MONOCHROME1, Rescale Slope/Intercept).
Small geometry problems are repaired with a warning. Finally the axes are flipped and permuted so index ``i``
runs to patient Left, ``j`` to Posterior and ``k`` to Superior, as docs/architecture.md defines.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from greenrfm_core.io.errors import (
    NoUsableSeriesError,
    SeriesGeometryError,
    StudyLoadError,
    UnreadableSeriesError,
)
from greenrfm_core.io.geometry import (
    StackGeometry,
    analyse_stack,
    check_gaps,
    describe_problems,
    orientation_label,
    same_orientation,
)
from greenrfm_core.io.headers import SliceHeader
from greenrfm_core.io.identifiers import short_hash
from greenrfm_core.io.nifti import is_nifti_path, read_nifti
from greenrfm_core.io.orientation import geometry_from_affine, to_canonical
from greenrfm_core.io.pixels import read_stored_frame, stored_to_values
from greenrfm_core.io.resample import remove_shear, resample_to_regular_spacing
from greenrfm_core.io.scan import ScanResult, SeriesInfo, scan, scan_files
from greenrfm_core.io.selection import exclusion_reason, select_series, sequence_label
from greenrfm_core.volume import Volume

logger = logging.getLogger(__name__)

# CT air is about -1000 HU, so padded CT voxels are set to this value or lower.
CT_PADDING_FLOOR = -1024.0


def _default_workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def _series_from_files(files: Iterable[str | os.PathLike]) -> SeriesInfo:
    """Scan an explicit list of files and return their one series."""
    paths = [Path(f) for f in files]
    if not paths:
        raise UnreadableSeriesError("no files were given; pass the files of one series")
    result = scan_files(paths)
    found = result.all_series
    merged: dict[str, SeriesInfo] = {}
    for series in found:
        if series.series_uid in merged:
            merged[series.series_uid].slices.extend(series.slices)
        else:
            merged[series.series_uid] = series
    if not merged:
        detail = f": {result.warnings[0]}" if result.warnings else ""
        raise UnreadableSeriesError(f"none of the {len(paths)} files is a readable DICOM image{detail}")
    if len(merged) > 1:
        names = ", ".join(s.display_name for s in merged.values())
        raise UnreadableSeriesError(
            f"the files belong to {len(merged)} series ({names}); pass one series at a time"
        )
    return next(iter(merged.values()))


def _check_stack(series: SeriesInfo, slices: list[SliceHeader]) -> None:
    name = series.display_name
    if not slices:
        raise UnreadableSeriesError(
            f"{name} has no image slices ({series.sop_class_name}); choose an image series"
        )
    if any(s.position is None or s.orientation is None for s in slices):
        raise UnreadableSeriesError(
            f"{name} has no Image Position/Orientation (Patient), so it is not a cross-sectional image; "
            "choose a CT or MR series"
        )
    first = slices[0].orientation
    odd = [s for s in slices if not same_orientation(first, s.orientation)]
    if odd:
        labels = sorted({orientation_label(s.orientation) or "unknown" for s in slices})
        raise SeriesGeometryError(
            f"{name} mixes {len(slices) - len(odd)} slices in one orientation with {len(odd)} in others "
            f"({', '.join(labels)}); load each stack separately (scan lists them as series#1, series#2, ...)"
        )
    sizes = {(s.rows, s.columns) for s in slices}
    if len(sizes) > 1:
        raise SeriesGeometryError(f"{name} mixes matrix sizes {sorted(sizes)}; load each stack separately")


def _read_pixels(slices: list[SliceHeader], order: np.ndarray, workers: int) -> tuple[np.ndarray, list]:
    rows, columns = slices[0].rows, slices[0].columns
    stack = np.empty((len(order), rows, columns), dtype=np.float32)
    masks: list[np.ndarray | None] = [None] * len(order)

    def convert(k: int) -> None:
        header = slices[int(order[k])]
        masks[k] = stored_to_values(read_stored_frame(header), header, stack[k])

    if workers > 1 and len(order) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(convert, range(len(order))))
    else:
        for k in range(len(order)):
            convert(k)
    return stack, masks


def _fill_padding(stack: np.ndarray, masks: list, modality: str) -> None:
    """Set padded voxels to the series minimum (for CT at most -1024 HU, i.e. air)."""
    if not any(mask is not None for mask in masks):
        return
    minimum = np.inf
    for k, mask in enumerate(masks):
        values = stack[k][~mask] if mask is not None else stack[k]
        if values.size:
            minimum = min(minimum, float(values.min()))
    if not np.isfinite(minimum):
        minimum = 0.0
    fill = min(minimum, CT_PADDING_FLOOR) if modality == "CT" else minimum
    for k, mask in enumerate(masks):
        if mask is not None:
            stack[k][mask] = fill


def _drop_duplicates(
    stack: np.ndarray, geometry: StackGeometry, name: str, warnings: list[str]
) -> np.ndarray:
    """Remove exact duplicate slices; raise when slices at one position differ."""
    if not geometry.duplicate_groups:
        return stack
    drop: list[int] = []
    for group in geometry.duplicate_groups:
        for index in group[1:]:
            if not np.array_equal(stack[group[0]], stack[index]):
                raise SeriesGeometryError(
                    f"{name} has different images at the same position ({geometry.offsets[index]:.2f} mm along "
                    "the normal), which usually means several phases or acquisitions in one series; split them "
                    "by Acquisition Number or Temporal Position and load one"
                )
            drop.append(index)
    keep = np.setdiff1d(np.arange(stack.shape[0]), drop)
    warnings.append(f"{name}: dropped {len(drop)} exact duplicate slice(s)")
    geometry.offsets = geometry.offsets[keep]
    geometry.positions = geometry.positions[keep]
    geometry.shear = geometry.shear[keep] if geometry.shear is not None else None
    return stack[keep]


def load_series(
    series_or_files: SeriesInfo | Iterable[str | os.PathLike], *, workers: int | None = None
) -> Volume:
    """Load one series into a Volume in the canonical LPS orientation.

    Args:
        series_or_files: a series from :func:`scan`, or the file paths of one series.
        workers: threads reading pixel data in parallel; defaults to the CPU count (at most 8).

    Returns:
        The Volume. CT values are Hounsfield units (float32). ``metadata["warnings"]`` lists every repair.

    Raises:
        UnreadableSeriesError: when there are no readable image slices or pixel data cannot be decoded.
        SeriesGeometryError: on gaps too large to interpolate, differing duplicates or mixed orientations.
    """
    series = (
        series_or_files if isinstance(series_or_files, SeriesInfo) else _series_from_files(series_or_files)
    )
    name = series.display_name
    warnings = list(series.skipped_files)
    slices = series.slices
    _check_stack(series, slices)

    first = slices[0]
    pixel_spacing = first.pixel_spacing
    if pixel_spacing is None:
        pixel_spacing = (1.0, 1.0)
        warnings.append(f"{name} has no Pixel Spacing, so 1.0 mm is assumed and distances are not physical")
    geometry = analyse_stack([s.position for s in slices], first.orientation, pixel_spacing)
    check_gaps(geometry, name)
    warnings.extend(describe_problems(geometry, name))

    stack, masks = _read_pixels(slices, geometry.order, workers or _default_workers())
    _fill_padding(stack, masks, series.modality)
    stack = _drop_duplicates(stack, geometry, name, warnings)

    row_direction = np.asarray(first.orientation[:3], dtype=float)
    column_direction = np.asarray(first.orientation[3:], dtype=float)
    if geometry.sheared:
        stack = remove_shear(stack, geometry.shear, row_direction, column_direction, pixel_spacing)
        warnings.append(f"{name}: resampled to an orthogonal grid to remove the gantry tilt")

    spacing_k = geometry.spacing
    if spacing_k is None:
        spacing_k = first.slice_thickness or 1.0
    elif geometry.uneven:
        stack, spacing_k = resample_to_regular_spacing(
            stack, geometry.offsets - geometry.offsets[0], spacing_k
        )
        warnings.append(
            f"{name}: resampled to a regular grid of {stack.shape[0]} slices {spacing_k:.3f} mm apart"
        )

    affine = np.eye(4)
    affine[:3, 0] = row_direction * pixel_spacing[1]
    affine[:3, 1] = column_direction * pixel_spacing[0]
    affine[:3, 2] = geometry.normal * spacing_k
    affine[:3, 3] = geometry.positions[0]
    array, affine = to_canonical(stack.transpose(2, 1, 0), affine)
    spacing, origin, direction = geometry_from_affine(affine)

    for warning in warnings:
        logger.warning("%s", warning)
    metadata = {
        "source_format": "dicom",
        "series_hash": series.short_id,
        "study_hash": short_hash(series.study_uid),
        "series_description": series.description,
        "series_number": series.series_number,
        "sop_class": series.sop_class_name,
        "plane": series.plane,
        "manufacturer": series.attributes.get("manufacturer", ""),
        "body_part": series.attributes.get("body_part", ""),
        "slice_thickness": first.slice_thickness,
        "warnings": warnings,
    }
    if series.modality == "MR":
        metadata["sequence"] = sequence_label(series)
        for key in ("repetition_time", "echo_time", "inversion_time", "scanning_sequence"):
            metadata[key] = series.attributes.get(key)
    return Volume(array, spacing, origin, direction, modality=series.modality, metadata=metadata)


def _scan_single_study(path: Path) -> ScanResult:
    result = scan(path)
    if not result.studies:
        raise NoUsableSeriesError(
            f"no DICOM study found in {path} ({result.files_seen} files, {result.non_dicom_files} not DICOM); "
            "choose the folder that contains the exported study"
        )
    if len(result.studies) > 1:
        raise StudyLoadError(
            f"{path} contains {len(result.studies)} studies; choose the folder of one study or load a series "
            "from the scan result"
        )
    return result


def load_study(path: str | os.PathLike, modality: str | None = None) -> Volume:
    """Load a study folder (its preferred series) or a ``.nii``/``.nii.gz`` file.

    Raises:
        NoUsableSeriesError: when the folder has no usable CT or MR series.
        StudyLoadError: when the folder contains more than one study.
    """
    path = Path(path)
    if path.is_file() and is_nifti_path(path):
        return read_nifti(path)
    result = _scan_single_study(path)
    study = result.studies[0]
    chosen = select_series(study, modality)
    if not chosen:
        reasons = "; ".join(
            f"{s.display_name}: {exclusion_reason(s) or 'other modality'}" for s in study.series
        )
        raise NoUsableSeriesError(f"study {study.short_id} in {path} has no usable series ({reasons})")
    return load_series(chosen[0])


def load_mri_study(path: str | os.PathLike) -> dict[str, dict[str, Volume]]:
    """Load every usable MR series of a study folder, keyed by plane and then sequence label.

    A second series with the same plane and sequence gets the key ``"<sequence> (2)"``, and so on.
    A series that fails to load is skipped with a logged warning, so one bad series does not lose the study.

    Raises:
        NoUsableSeriesError: when no MR series could be loaded.
    """
    result = _scan_single_study(Path(path))
    volumes: dict[str, dict[str, Volume]] = {}
    for series in select_series(result.studies[0], "MR"):
        try:
            volume = load_series(series)
        except (SeriesGeometryError, UnreadableSeriesError) as error:
            logger.warning("skipped %s: %s", series.display_name, error)
            continue
        by_sequence = volumes.setdefault(series.plane, {})
        label = sequence_label(series)
        key, copy = label, 2
        while key in by_sequence:
            key, copy = f"{label} ({copy})", copy + 1
        by_sequence[key] = volume
    if not volumes:
        raise NoUsableSeriesError(f"no MR series in {path} could be loaded")
    return volumes
