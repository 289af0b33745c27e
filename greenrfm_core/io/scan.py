"""Walk a folder of DICOM files and group their headers into studies and series.

Only headers are read, so a scan of thousands of files takes seconds. A file that is not DICOM is skipped and
counted. A damaged or truncated file becomes a warning naming the file, and the scan carries on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydicom.errors import InvalidDicomError
from pydicom.uid import UID

from greenrfm_core.io.geometry import (
    analyse_stack,
    describe_problems,
    orientation_label,
    plane_of,
    same_orientation,
)
from greenrfm_core.io.headers import (
    MEDIA_STORAGE_DIRECTORY,
    FileHeader,
    SliceHeader,
    looks_like_dicom,
    read_file_header,
)
from greenrfm_core.io.identifiers import short_hash
from greenrfm_core.io.pixels import truncation_problem

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
CancelCallback = Callable[[], bool]


@dataclass
class SeriesInfo:
    """One series (or one stack of a series that mixes orientations or matrix sizes) found by a scan.

    Attributes:
        key: ``series_uid``, or ``series_uid#n`` for the n-th stack of a series split by orientation.
        slices: one header per image frame, in file-walk order (the loader sorts by position).
        plane: dominant plane (axial, coronal, sagittal) or ``""`` without geometry.
        orientation: ``plane``, ``oblique``, ``mixed`` (single slices in several orientations) or ``""``.
        slice_spacing: median distance between slice positions in mm, None with fewer than two positions.
        attributes: series-level facts (series description, TR, TE, TI, scanning sequence, manufacturer).
        skipped_files: warnings about files of this series that the scan skipped (for example truncated ones).
    """

    key: str
    series_uid: str
    study_uid: str
    modality: str
    sop_class_uid: str
    slices: list[SliceHeader]
    attributes: dict[str, Any]
    plane: str = ""
    orientation: str = ""
    slice_spacing: float | None = None
    warnings: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    skipped_files: list[str] = field(default_factory=list)

    @property
    def short_id(self) -> str:
        """Short hash of the key, for logs and warnings."""
        return short_hash(self.key)

    @property
    def description(self) -> str:
        return str(self.attributes.get("series_description") or "")

    @property
    def series_number(self) -> int | None:
        return self.attributes.get("series_number")

    @property
    def sop_class_name(self) -> str:
        name = UID(self.sop_class_uid).name if self.sop_class_uid else ""
        return name or self.sop_class_uid

    @property
    def image_type(self) -> tuple[str, ...]:
        return self.slices[0].image_type if self.slices else ()

    @property
    def number_of_instances(self) -> int:
        """Number of files in the series."""
        return len({header.path for header in self.slices} | set(self.paths))

    @property
    def number_of_slices(self) -> int:
        """Number of image frames (equal to the file count for single-frame series)."""
        return len(self.slices)

    @property
    def slice_thickness(self) -> float | None:
        return self.slices[0].slice_thickness if self.slices else None

    @property
    def display_name(self) -> str:
        """Non-identifying label for messages: series number, description and short hash."""
        number = f"{self.series_number} " if self.series_number is not None else ""
        description = f'"{self.description}" ' if self.description else ""
        return f"series {number}{description}({self.short_id})"


@dataclass
class StudyInfo:
    """One study: its series and, separately, the patient facts the GUI may show on screen.

    ``display`` contains patient name, ID, birth date, sex and accession number. It is for on-screen display
    only and must not be logged, written to files or copied into a Volume.
    """

    study_uid: str
    attributes: dict[str, Any]
    display: dict[str, str]
    series: list[SeriesInfo] = field(default_factory=list)

    @property
    def short_id(self) -> str:
        return short_hash(self.study_uid)

    @property
    def modalities(self) -> list[str]:
        return sorted({series.modality for series in self.series if series.modality})

    def find_series(self, key_or_uid: str) -> list[SeriesInfo]:
        """Return the series whose key or Series Instance UID equals ``key_or_uid``."""
        return [s for s in self.series if key_or_uid in (s.key, s.series_uid)]


@dataclass
class ScanResult:
    """Studies found under a folder, with counts of the files that were skipped and why."""

    root: Path
    studies: list[StudyInfo] = field(default_factory=list)
    files_seen: int = 0
    dicom_files: int = 0
    non_dicom_files: int = 0
    non_image_files: int = 0
    warnings: list[str] = field(default_factory=list)
    cancelled: bool = False
    skipped_by_series: dict[str, list[str]] = field(default_factory=dict, repr=False)

    @property
    def all_series(self) -> list[SeriesInfo]:
        return [series for study in self.studies for series in study.series]


def _list_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    files = []
    for folder, _, names in os.walk(root):
        for name in sorted(names):
            files.append(Path(folder) / name)
    return files


def _truncation_warning(slice_header: SliceHeader) -> str | None:
    """Describe a file whose pixel data is incomplete, or return None."""
    problem = truncation_problem(slice_header)
    if problem is None:
        return None
    return f"{problem}; the file was skipped, so copy it again from the source"


def _split_stacks(slices: list[SliceHeader], modality: str) -> list[list[SliceHeader]]:
    """Group slices into stacks of one orientation and matrix size (and one echo time for MR)."""
    representatives: list[tuple[float, ...]] = []
    groups: dict[tuple, list[SliceHeader]] = {}
    echo_times = {round(s.echo_time, 2) for s in slices if s.echo_time is not None}
    for header in slices:
        cluster = -1
        if header.orientation is not None:
            for index, known in enumerate(representatives):
                if same_orientation(known, header.orientation):
                    cluster = index
                    break
            else:
                representatives.append(header.orientation)
                cluster = len(representatives) - 1
        echo = (
            round(header.echo_time, 2)
            if modality == "MR" and len(echo_times) > 1 and header.echo_time
            else None
        )
        groups.setdefault((cluster, header.rows, header.columns, echo), []).append(header)
    return list(groups.values())


def _build_series(
    series_uid: str, study_uid: str, first: FileHeader, slices: list[SliceHeader]
) -> list[SeriesInfo]:
    stacks = _split_stacks(slices, first.modality)
    base = {
        "series_uid": series_uid,
        "study_uid": study_uid,
        "modality": first.modality,
        "sop_class_uid": first.sop_class_uid,
        "attributes": dict(first.series),
    }
    if len(stacks) > 1 and all(len(stack) == 1 for stack in stacks):
        series = SeriesInfo(key=series_uid, slices=slices, orientation="mixed", **base)
        series.plane = plane_of(slices[0].orientation)
        series.warnings.append(
            f"{series.display_name} contains {len(stacks)} single images in different orientations "
            "(a localizer or projection set), so it cannot be loaded as one volume"
        )
        return [series]

    result = []
    for number, stack in enumerate(stacks, start=1):
        key = series_uid if len(stacks) == 1 else f"{series_uid}#{number}"
        series = SeriesInfo(key=key, slices=stack, **base)
        _describe_geometry(series)
        result.append(series)
    if len(stacks) > 1:
        parts = ", ".join(
            f"#{n} {s.orientation or 'unknown'} {s.number_of_slices} slices" for n, s in enumerate(result, 1)
        )
        message = (
            f"series {first.series.get('series_number') or ''} ({short_hash(series_uid)}) mixes "
            f"{len(stacks)} stacks ({parts}); each is listed as its own series"
        )
        for series in result:
            series.warnings.insert(0, message)
    return result


def _describe_geometry(series: SeriesInfo) -> None:
    """Fill plane, orientation, slice spacing and geometry warnings from the slice headers."""
    first = series.slices[0]
    if first.orientation is None or any(s.position is None for s in series.slices):
        return
    series.plane = plane_of(first.orientation)
    series.orientation = orientation_label(first.orientation)
    if len(series.slices) < 2:
        return
    geometry = analyse_stack(
        [s.position for s in series.slices], first.orientation, first.pixel_spacing or (1.0, 1.0)
    )
    series.slice_spacing = geometry.spacing
    series.warnings.extend(describe_problems(geometry, series.display_name))


def scan(
    folder: str | os.PathLike,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> ScanResult:
    """Scan ``folder`` recursively and group DICOM headers by Study and Series Instance UID.

    DICOMDIR files are not needed and are skipped, because every file is opened directly.

    Args:
        folder: a folder (or a single file) to scan.
        progress: called as ``progress(done, total)`` after each file.
        cancel: polled before each file; returning True stops the scan with ``cancelled`` set.

    Returns:
        The studies ordered by study date, with series ordered by series number.

    Raises:
        FileNotFoundError: when ``folder`` does not exist.
    """
    root = Path(folder)
    if not root.exists():
        raise FileNotFoundError(f"folder not found: {root}")
    return scan_files(_list_files(root), root=root, progress=progress, cancel=cancel)


def scan_files(
    files: list[Path],
    *,
    root: Path | None = None,
    progress: ProgressCallback | None = None,
    cancel: CancelCallback | None = None,
) -> ScanResult:
    """Group the headers of an explicit list of files, as :func:`scan` does for a folder.

    Args:
        files: the files to read; non-DICOM files are skipped and counted.
        root: folder recorded in the result; the first file's folder when omitted.
        progress: called as ``progress(done, total)`` after each file.
        cancel: polled before each file; returning True stops the scan with ``cancelled`` set.
    """
    files = [Path(f) for f in files]
    if root is None:
        root = files[0].parent if files else Path(".")
    result = ScanResult(root=root, files_seen=len(files))
    headers: list[FileHeader] = []

    for done, path in enumerate(files, start=1):
        if cancel is not None and cancel():
            result.cancelled = True
            logger.info("scan cancelled after %d of %d files", done - 1, len(files))
            break
        header = _read_one(path, result)
        if header is not None:
            headers.append(header)
        if progress is not None:
            progress(done, len(files))

    _group(headers, result)
    for series in result.all_series:
        for warning in series.warnings:
            logger.warning("%s", warning)
    logger.info(
        "scanned %d files: %d DICOM, %d not DICOM, %d studies, %d series, %d warnings",
        result.files_seen,
        result.dicom_files,
        result.non_dicom_files,
        len(result.studies),
        len(result.all_series),
        len(result.warnings),
    )
    return result


def _read_one(path: Path, result: ScanResult) -> FileHeader | None:
    """Read one file's header, counting non-DICOM files and recording damaged ones as warnings."""
    if not looks_like_dicom(path):
        result.non_dicom_files += 1
        return None
    try:
        header = read_file_header(path)
    except InvalidDicomError:
        result.non_dicom_files += 1
        return None
    except (OSError, ValueError, EOFError, KeyError, TypeError, AttributeError, IndexError) as error:
        message = f"{path} could not be read as DICOM ({type(error).__name__}: {error}); the file was skipped"
        result.warnings.append(message)
        logger.warning("%s", message)
        return None
    result.dicom_files += 1
    if header.sop_class_uid == MEDIA_STORAGE_DIRECTORY or not header.study_uid:
        result.non_image_files += 1
        return None
    truncated = _truncation_warning(header.slices[0]) if header.slices else None
    if truncated:
        result.warnings.append(truncated)
        result.skipped_by_series.setdefault(header.series_uid, []).append(truncated)
        logger.warning("%s", truncated)
        return None
    return header


def _group(headers: list[FileHeader], result: ScanResult) -> None:
    studies: dict[str, StudyInfo] = {}
    series_files: dict[tuple[str, str], list[FileHeader]] = {}
    for header in headers:
        if header.study_uid not in studies:
            studies[header.study_uid] = StudyInfo(header.study_uid, dict(header.study), dict(header.display))
        series_files.setdefault((header.study_uid, header.series_uid), []).append(header)

    for (study_uid, series_uid), files in series_files.items():
        slices = [s for f in files for s in f.slices]
        first = files[0]
        if not slices:
            # Non-image objects (SR, RT plans, presentation states) are listed without geometry.
            studies[study_uid].series.append(
                SeriesInfo(
                    key=series_uid,
                    series_uid=series_uid,
                    study_uid=study_uid,
                    modality=first.modality,
                    sop_class_uid=first.sop_class_uid,
                    slices=[],
                    attributes=dict(first.series),
                    paths=[f.path for f in files],
                )
            )
            continue
        studies[study_uid].series.extend(_build_series(series_uid, study_uid, first, slices))

    for study in studies.values():
        for series in study.series:
            series.skipped_files.extend(result.skipped_by_series.get(series.series_uid, []))
        study.series.sort(key=lambda s: (s.series_number if s.series_number is not None else 1 << 30, s.key))
        for series in study.series:
            result.warnings.extend(series.warnings)
    result.studies = sorted(studies.values(), key=lambda s: (s.attributes.get("study_date", ""), s.study_uid))
