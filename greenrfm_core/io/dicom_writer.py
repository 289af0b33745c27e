"""Write a Volume as a series of single-frame DICOM files (CT or MR Image Storage).

The writer produces valid Part 10 files with explicit VR little endian, so the rest of the project (phantom
cohorts, loader tests, benchmarks) can exercise the real DICOM path without shipping patient data.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    CTImageStorage,
    ExplicitVRLittleEndian,
    MRImageStorage,
    generate_uid,
)

from greenrfm_core.atomic import atomic_path
from greenrfm_core.io.identifiers import short_hash
from greenrfm_core.volume import Volume

logger = logging.getLogger(__name__)

_SOP_CLASS = {"CT": CTImageStorage, "MR": MRImageStorage}
_INT16_MIN, _INT16_MAX = -32768, 32767

# Extra attributes: a mapping of keyword -> value applied to every slice, or a callable (dataset, slice
# index) that edits each slice's dataset in place just before it is saved.
ExtraAttributes = Mapping[str, Any] | Callable[[Dataset, int], None] | None


def choose_rescale(array: np.ndarray) -> tuple[float, float]:
    """Choose Rescale Slope and Intercept so that ``round((value - intercept) / slope)`` fits int16.

    Integer-valued arrays that already fit int16 keep slope 1 and intercept 0, so CT in Hounsfield units is
    stored unchanged. Other integer arrays spanning at most 65535 values get an integer intercept only.
    Anything else gets a fractional slope that spreads the value range over the int16 codes.

    Args:
        array: voxel values in output units (for CT, Hounsfield units).

    Returns:
        ``(slope, intercept)``.
    """
    if array.size == 0:
        return 1.0, 0.0
    low = float(np.min(array))
    high = float(np.max(array))
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError("cannot write DICOM: the volume contains NaN or infinite values")
    integer_valued = bool(np.all(np.mod(array, 1) == 0))
    if integer_valued and low >= _INT16_MIN and high <= _INT16_MAX:
        return 1.0, 0.0
    if integer_valued and high - low <= _INT16_MAX - _INT16_MIN:
        return 1.0, float(low - _INT16_MIN)
    slope = (high - low) / (_INT16_MAX - _INT16_MIN - 2) if high > low else 1.0
    return float(slope), float((high + low) / 2.0)


def _format_ds(value: float) -> str:
    """Format a number as a DICOM Decimal String (at most 16 characters)."""
    text = f"{value:.10g}"
    if len(text) > 16:
        text = f"{value:.8g}"
    if len(text) > 16:
        text = f"{value:.6e}"
    return text


def _window(array: np.ndarray, modality: str) -> tuple[float, float]:
    """Return the default Window Center and Width: soft tissue for CT, the value range otherwise."""
    if modality == "CT":
        return 40.0, 400.0
    low = float(np.min(array)) if array.size else 0.0
    high = float(np.max(array)) if array.size else 1.0
    return (low + high) / 2.0, max(high - low, 1.0)


def _file_name(file_names: str | Callable[[int], str], index: int) -> str:
    if callable(file_names):
        return file_names(index)
    if file_names == "random":
        return f"{uuid.uuid4().hex}.dcm"
    if file_names == "sequential":
        return f"IM{index + 1:05d}.dcm"
    raise ValueError(f"file_names must be 'random', 'sequential' or a callable; got {file_names!r}")


def _save_atomic(dataset: Dataset, path: Path) -> None:
    """Save ``dataset`` to a temporary file next to ``path``, fsync it and rename it into place."""
    with atomic_path(path, suffix=".dcm") as temporary:
        dataset.save_as(temporary, enforce_file_format=True)


def _series_dataset(
    volume: Volume,
    modality: str,
    patient: Mapping[str, str],
    study_uid: str,
    series_uid: str,
    frame_uid: str,
    series_description: str,
    series_number: int,
    study_description: str,
    accession_number: str,
    study_date: str,
) -> Dataset:
    """Build the attributes shared by every slice of the series."""
    now = datetime.now()
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.SOPClassUID = _SOP_CLASS[modality]
    ds.Modality = modality
    ds.PatientName = patient.get("name", "")
    ds.PatientID = patient.get("id", "")
    ds.PatientBirthDate = patient.get("birth_date", "")
    ds.PatientSex = patient.get("sex", "")
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.FrameOfReferenceUID = frame_uid
    ds.StudyDate = study_date or now.strftime("%Y%m%d")
    ds.StudyTime = now.strftime("%H%M%S")
    ds.SeriesDate = ds.StudyDate
    ds.ContentDate = ds.StudyDate
    ds.ContentTime = ds.StudyTime
    ds.StudyID = "1"
    ds.AccessionNumber = accession_number
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = study_description
    ds.SeriesDescription = series_description
    ds.SeriesNumber = int(series_number)
    ds.Manufacturer = "GreenRFM"
    ds.ManufacturerModelName = "greenrfm_core.io.dicom_writer"
    ds.PositionReferenceIndicator = ""
    ds.PatientPosition = "HFS"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.ImageOrientationPatient = [_format_ds(v) for v in (*volume.direction[:, 0], *volume.direction[:, 1])]
    # PixelSpacing is (row spacing, column spacing) = (j spacing, i spacing).
    ds.PixelSpacing = [_format_ds(volume.spacing[1]), _format_ds(volume.spacing[0])]
    ds.SliceThickness = _format_ds(volume.spacing[2])
    ds.SpacingBetweenSlices = _format_ds(volume.spacing[2])
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows = volume.array.shape[1]
    ds.Columns = volume.array.shape[2]
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 1
    if modality == "CT":
        ds.KVP = "120"
        ds.ConvolutionKernel = "STANDARD"
    else:
        ds.ScanningSequence = "SE"
        ds.SequenceVariant = "NONE"
        ds.ScanOptions = ""
        ds.MRAcquisitionType = "2D"
        ds.RepetitionTime = "500"
        ds.EchoTime = "15"
        ds.MagneticFieldStrength = "1.5"
    return ds


def write_dicom_series(
    volume: Volume,
    out_dir: str | os.PathLike,
    *,
    modality: str = "CT",
    patient: Mapping[str, str] | None = None,
    study_uid: str | None = None,
    series_uid: str | None = None,
    series_description: str = "",
    series_number: int = 1,
    study_description: str = "",
    accession_number: str = "",
    study_date: str = "",
    extra: ExtraAttributes = None,
    file_names: str | Callable[[int], str] = "random",
    rescale: tuple[float, float] | None = None,
) -> list[Path]:
    """Write ``volume`` as one single-frame DICOM file per slice.

    Slice ``k`` of ``volume.array`` (shape ``(z, y, x)``) becomes one image whose rows run along ``j`` and
    columns along ``i``. Image Orientation (Patient) comes from the first two columns of
    ``volume.direction``, and Image Position (Patient) of slice ``k`` is
    ``origin + k * spacing_z * direction[:, 2]``. A non-orthogonal third direction column therefore
    writes a sheared stack, as a tilted CT gantry produces.

    Args:
        volume: the image; CT values in Hounsfield units.
        out_dir: destination folder, created if missing.
        modality: ``"CT"`` (CT Image Storage) or ``"MR"`` (MR Image Storage).
        patient: optional keys ``name``, ``id``, ``birth_date`` (YYYYMMDD) and ``sex`` (M/F/O).
        study_uid: Study Instance UID; a new one when omitted.
        series_uid: Series Instance UID; a new one when omitted.
        series_description: Series Description (0008,103E).
        series_number: Series Number (0020,0011).
        study_description: Study Description (0008,1030).
        accession_number: Accession Number (0008,0050).
        study_date: Study Date as YYYYMMDD; today when empty.
        extra: attributes added to every slice (keyword -> value), or a callable ``(dataset, index)`` that
            edits each slice before it is saved, for example to set Pixel Padding Value.
        file_names: ``"random"`` (UUID names, the default), ``"sequential"`` (``IM00001.dcm``, ...) or a
            callable mapping the slice index to a file name.
        rescale: ``(slope, intercept)`` to store; chosen by :func:`choose_rescale` when omitted.

    Returns:
        The written file paths in slice order (``k`` = 0 first).

    Raises:
        ValueError: on an unsupported modality, a volume with NaN values, or a rescale that cannot store the
            values in int16.
    """
    modality = modality.upper()
    if modality not in _SOP_CLASS:
        raise ValueError(f"modality must be one of {sorted(_SOP_CLASS)}; got {modality!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    array = np.asarray(volume.array)
    slope, intercept = rescale if rescale is not None else choose_rescale(array)
    if slope == 0:
        raise ValueError("rescale slope must not be 0")
    stored = np.rint((array.astype(np.float64) - intercept) / slope)
    if stored.size and (stored.min() < _INT16_MIN or stored.max() > _INT16_MAX):
        raise ValueError(
            f"rescale slope {slope} and intercept {intercept} do not fit the volume's values "
            f"{array.min()}..{array.max()} into int16; omit rescale to choose one automatically"
        )
    stored = stored.astype("<i2")

    study_uid = study_uid or generate_uid()
    series_uid = series_uid or generate_uid()
    base = _series_dataset(
        volume,
        modality,
        patient or {},
        study_uid,
        series_uid,
        generate_uid(),
        series_description,
        series_number,
        study_description,
        accession_number,
        study_date,
    )
    base.RescaleSlope = _format_ds(slope)
    base.RescaleIntercept = _format_ds(intercept)
    base.RescaleType = "HU" if modality == "CT" else "US"
    center, width = _window(array, modality)
    base.WindowCenter = _format_ds(center)
    base.WindowWidth = _format_ds(width)

    normal = np.cross(volume.direction[:, 0], volume.direction[:, 1])
    slice_step = volume.spacing[2] * volume.direction[:, 2]
    origin = np.asarray(volume.origin, dtype=float)
    paths: list[Path] = []
    for k in range(array.shape[0]):
        ds = base.copy()
        sop_uid = generate_uid()
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = base.SOPClassUID
        meta.MediaStorageSOPInstanceUID = sop_uid
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
        ds.file_meta = meta
        ds.SOPInstanceUID = sop_uid
        ds.InstanceNumber = k + 1
        position = origin + k * slice_step
        ds.ImagePositionPatient = [_format_ds(v) for v in position]
        ds.SliceLocation = _format_ds(float(position @ normal))
        ds.PixelData = stored[k].tobytes()
        if callable(extra):
            extra(ds, k)
        elif extra:
            for keyword, value in extra.items():
                setattr(ds, keyword, value)
        path = out_dir / _file_name(file_names, k)
        _save_atomic(ds, path)
        paths.append(path)
    logger.debug("wrote %d %s slices of series %s", len(paths), modality, short_hash(series_uid))
    return paths
