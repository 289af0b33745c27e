"""Read the DICOM header facts that scanning, series selection and loading need, without pixel data.

Every image frame becomes one :class:`SliceHeader`: a single-frame file gives one, and an enhanced multi-frame
file (Enhanced CT/MR with per-frame functional groups) gives one per frame. Scanning, geometry checks and the
loader therefore treat classic and enhanced series the same way.
"""

from __future__ import annotations

import logging
import os
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydicom
from pydicom.datadict import dictionary_VR, tag_for_keyword
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

logger = logging.getLogger(__name__)

MEDIA_STORAGE_DIRECTORY = "1.2.840.10008.1.3.10"
UNDEFINED_LENGTH = 0xFFFFFFFF
_EXPLICIT_VRS = {b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN"}


@dataclass
class SliceHeader:
    """Header facts of one image frame, as stored (before any rescale or reorientation).

    Attributes:
        path: the file.
        frame: frame index in a multi-frame file, or None for a single-frame file.
        position: Image Position (Patient), LPS mm of the centre of the first pixel, or None when missing.
        orientation: Image Orientation (Patient): row direction then column direction, or None when missing.
        pixel_spacing: (row spacing, column spacing) in mm, as DICOM Pixel Spacing orders them.
        slope, intercept: Rescale Slope and Intercept (1 and 0 when absent, as for most MR).
        padding_value, padding_limit: Pixel Padding Value and Pixel Padding Range Limit in stored units.
        pixel_data_offset: file offset of the Pixel Data value, None when the file has no Pixel Data.
        pixel_data_length: declared Pixel Data length in bytes (``UNDEFINED_LENGTH`` when encapsulated).
    """

    path: Path
    frame: int | None
    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax: str
    instance_number: int | None
    acquisition_number: int | None
    position: tuple[float, float, float] | None
    orientation: tuple[float, ...] | None
    pixel_spacing: tuple[float, float] | None
    slice_thickness: float | None
    rows: int
    columns: int
    bits_allocated: int
    bits_stored: int
    pixel_representation: int
    photometric: str
    samples_per_pixel: int
    number_of_frames: int
    slope: float = 1.0
    intercept: float = 0.0
    padding_value: int | None = None
    padding_limit: int | None = None
    image_type: tuple[str, ...] = ()
    echo_time: float | None = None
    echo_number: int | None = None
    temporal_position: int | None = None
    file_size: int = 0
    pixel_data_offset: int | None = None
    pixel_data_length: int | None = None


@dataclass
class FileHeader:
    """One parsed DICOM file: the study and series attributes plus one SliceHeader per frame.

    ``display`` contains the patient name, ID, birth date and sex. It exists for the GUI to show on screen and
    is never logged or copied into a Volume.
    """

    path: Path
    study_uid: str
    series_uid: str
    modality: str
    sop_class_uid: str
    study: dict[str, Any]
    series: dict[str, Any]
    display: dict[str, str]
    slices: list[SliceHeader] = field(default_factory=list)


_SCAN_KEYWORDS = [
    "SOPClassUID",
    "SOPInstanceUID",
    "StudyInstanceUID",
    "SeriesInstanceUID",
    "Modality",
    "StudyDate",
    "StudyTime",
    "StudyDescription",
    "SeriesNumber",
    "SeriesDescription",
    "ProtocolName",
    "BodyPartExamined",
    "Manufacturer",
    "ScanningSequence",
    "SequenceVariant",
    "SequenceName",
    "PulseSequenceName",
    "RepetitionTime",
    "EchoTime",
    "InversionTime",
    "ContrastBolusAgent",
    "PatientName",
    "PatientID",
    "PatientBirthDate",
    "PatientSex",
    "AccessionNumber",
    "NumberOfFrames",
    "PixelPaddingValue",
    "PixelPaddingRangeLimit",
    "PixelRepresentation",
    "InstanceNumber",
    "AcquisitionNumber",
    "Rows",
    "Columns",
    "BitsAllocated",
    "BitsStored",
    "PhotometricInterpretation",
    "SamplesPerPixel",
    "ImageType",
    "ImagePositionPatient",
    "ImageOrientationPatient",
    "PixelSpacing",
    "ImagerPixelSpacing",
    "SliceThickness",
    "RescaleSlope",
    "RescaleIntercept",
    "EchoNumbers",
    "TemporalPositionIdentifier",
    "PerFrameFunctionalGroupsSequence",
    "SharedFunctionalGroupsSequence",
    "SpecificCharacterSet",
]
_TAGS = {keyword: tag_for_keyword(keyword) for keyword in _SCAN_KEYWORDS}
# dcmread stores only these top-level elements, so elements that a scan never reads are not kept.
_SCAN_TAGS = list(_TAGS.values())
_ASCII_VRS = {"UI", "CS", "DA", "TM", "IS", "DS", "AS", "DT"}
_BINARY_VRS = {"US": "H", "SS": "h", "UL": "I", "SL": "i", "FL": "f", "FD": "d"}


class _TagView:
    """Look up top-level elements by keyword, decoding plain numeric and code-string values directly.

    ``Dataset.__getitem__`` resolves the character set on every access, which dominated header scans in
    profiles. Values whose bytes are ASCII by definition (UI, CS, DA, TM, IS, DS) and binary numbers are
    decoded here. Other VRs (PN, LO, SH and other text that depends on Specific Character Set, and
    sequences) go through pydicom.
    """

    def __init__(self, dataset: Dataset) -> None:
        self._dataset = dataset

    def get(self, keyword: str, default: Any = None) -> Any:
        tag = _TAGS[keyword]
        raw = self._dataset._dict.get(tag)
        if raw is None:
            return default
        if isinstance(raw, RawDataElement):
            vr = raw.VR or dictionary_VR(tag)
            if vr in _ASCII_VRS:
                text = raw.value.decode("ascii", "replace").strip(" \x00") if raw.value else ""
                return text.split("\\") if "\\" in text else text
            if vr in _BINARY_VRS:
                if not raw.value:
                    return default
                code = _BINARY_VRS[vr]
                count = len(raw.value) // struct.calcsize(code)
                order = "<" if raw.is_little_endian else ">"
                numbers = struct.unpack(f"{order}{count}{code}", raw.value[: count * struct.calcsize(code)])
                return numbers[0] if count == 1 else list(numbers)
        return self._dataset[tag].value

    def __contains__(self, keyword: str) -> bool:
        return _TAGS[keyword] in self._dataset


def _float(value: Any) -> float | None:
    try:
        return None if value is None or value == "" else float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    try:
        return None if value is None or value == "" else int(value)
    except (TypeError, ValueError):
        return None


def _floats(value: Any, count: int) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        numbers = tuple(float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return numbers if len(numbers) == count else None


def _multi_text(value: Any) -> tuple[str, ...]:
    """Return a multi-valued code string as an upper-case tuple (a single value gives a 1-tuple)."""
    if not value:
        return ()
    values = [value] if isinstance(value, str) else list(value)
    return tuple(str(v).strip().upper() for v in values)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return "\\".join(str(v) for v in value)
    return str(value).strip()


def looks_like_dicom(path: str | os.PathLike) -> bool:
    """Return True when the file has the Part 10 ``DICM`` prefix or starts like a bare little-endian dataset.

    The check reads at most 132 bytes, so a folder walk can skip non-DICOM files cheaply.
    """
    try:
        with open(path, "rb") as stream:
            head = stream.read(132)
    except OSError:
        return False
    if len(head) == 132 and head[128:132] == b"DICM":
        return True
    # Files without preamble (older exports) usually start with a group 0x0008 element in little endian.
    return len(head) >= 8 and head[0:2] == b"\x08\x00" and head[3:4] == b"\x00"


def _functional_item(frame_item: Dataset | None, shared: Dataset | None, keyword: str) -> Dataset | None:
    """Return the first item of a functional-group macro, per-frame first, then shared."""
    for group in (frame_item, shared):
        if group is not None and keyword in group and len(group[keyword].value) > 0:
            return group[keyword].value[0]
    return None


def _enhanced_slices(ds: Dataset, common: dict[str, Any]) -> list[SliceHeader]:
    """Build one SliceHeader per frame from Enhanced CT/MR functional groups."""
    shared_seq = ds.get("SharedFunctionalGroupsSequence")
    shared = shared_seq[0] if shared_seq else None
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    frame_count = _int(ds.get("NumberOfFrames")) or 1
    slices = []
    for index in range(frame_count):
        frame_item = per_frame[index] if index < len(per_frame) else None
        position_item = _functional_item(frame_item, shared, "PlanePositionSequence")
        orientation_item = _functional_item(frame_item, shared, "PlaneOrientationSequence")
        measures_item = _functional_item(frame_item, shared, "PixelMeasuresSequence")
        transform_item = _functional_item(frame_item, shared, "PixelValueTransformationSequence")
        content_item = _functional_item(frame_item, shared, "FrameContentSequence")
        echo_item = _functional_item(frame_item, shared, "MREchoSequence")
        frame_type_item = _functional_item(
            frame_item, shared, "CTImageFrameTypeSequence"
        ) or _functional_item(frame_item, shared, "MRImageFrameTypeSequence")
        slices.append(
            SliceHeader(
                frame=index,
                position=_floats(position_item.get("ImagePositionPatient"), 3) if position_item else None,
                orientation=_floats(orientation_item.get("ImageOrientationPatient"), 6)
                if orientation_item
                else None,
                pixel_spacing=_floats(measures_item.get("PixelSpacing"), 2) if measures_item else None,
                slice_thickness=_float(measures_item.get("SliceThickness")) if measures_item else None,
                slope=_float(transform_item.get("RescaleSlope")) or 1.0 if transform_item else 1.0,
                intercept=_float(transform_item.get("RescaleIntercept")) or 0.0 if transform_item else 0.0,
                temporal_position=_int(content_item.get("TemporalPositionIndex")) if content_item else None,
                echo_time=_float(echo_item.get("EffectiveEchoTime")) if echo_item else None,
                image_type=_multi_text(frame_type_item.get("FrameType"))
                if frame_type_item
                else common["image_type"],
                **{key: value for key, value in common.items() if key != "image_type"},
            )
        )
    return slices


def read_file_header(path: str | os.PathLike) -> FileHeader:
    """Parse one DICOM file's header (pixel data is not read).

    Args:
        path: a DICOM Part 10 file, or a bare dataset without preamble.

    Returns:
        The parsed header with one SliceHeader per image frame (none for non-image objects such as SR).

    Raises:
        InvalidDicomError: when the file is not DICOM.
        OSError: when the file cannot be read.
        ValueError, EOFError: when the header is damaged or truncated.
    """
    path = Path(path)
    with open(path, "rb") as stream:
        preamble = stream.read(132)
        stream.seek(0)
        has_preamble = len(preamble) == 132 and preamble[128:132] == b"DICM"
        ds = pydicom.dcmread(
            stream, stop_before_pixels=True, force=not has_preamble, specific_tags=_SCAN_TAGS
        )
        # stop_before_pixels leaves the stream at the Pixel Data tag, so its declared length can be read.
        pixel_data_offset, pixel_data_length = _pixel_data_location(stream)
    top = _TagView(ds)
    meta = getattr(ds, "file_meta", None)
    transfer_syntax = str(meta.get("TransferSyntaxUID", "")) if meta is not None else ""
    sop_class = str(top.get("SOPClassUID", "") or (meta.get("MediaStorageSOPClassUID", "") if meta else ""))
    if not sop_class and "StudyInstanceUID" not in top:
        raise InvalidDicomError(f"{path} has no SOP Class UID or Study Instance UID")
    if sop_class != MEDIA_STORAGE_DIRECTORY and (
        "StudyInstanceUID" not in top or "SeriesInstanceUID" not in top
    ):
        # pydicom stops quietly at the end of a cut file, so a missing UID is the sign of a truncated header.
        raise ValueError("the header has no Study or Series Instance UID; the file is probably truncated")
    study_uid = str(top.get("StudyInstanceUID", ""))
    series_uid = str(top.get("SeriesInstanceUID", ""))
    header = FileHeader(
        path=path,
        study_uid=study_uid,
        series_uid=series_uid,
        modality=_text(top.get("Modality")),
        sop_class_uid=sop_class,
        study={
            "study_date": _text(top.get("StudyDate")),
            "study_time": _text(top.get("StudyTime")),
            "study_description": _text(top.get("StudyDescription")),
        },
        series={
            "series_number": _int(top.get("SeriesNumber")),
            "series_description": _text(top.get("SeriesDescription")) or _text(top.get("ProtocolName")),
            "body_part": _text(top.get("BodyPartExamined")),
            "manufacturer": _text(top.get("Manufacturer")),
            "scanning_sequence": _text(top.get("ScanningSequence")),
            "sequence_variant": _text(top.get("SequenceVariant")),
            "sequence_name": _text(top.get("SequenceName")) or _text(top.get("PulseSequenceName")),
            "repetition_time": _float(top.get("RepetitionTime")),
            "echo_time": _float(top.get("EchoTime")),
            "inversion_time": _float(top.get("InversionTime")),
            "contrast_agent": _text(top.get("ContrastBolusAgent")),
        },
        display={
            "patient_name": _text(top.get("PatientName")),
            "patient_id": _text(top.get("PatientID")),
            "patient_birth_date": _text(top.get("PatientBirthDate")),
            "patient_sex": _text(top.get("PatientSex")),
            "accession_number": _text(top.get("AccessionNumber")),
        },
    )
    if sop_class == MEDIA_STORAGE_DIRECTORY or "Rows" not in top:
        return header

    frame_count = _int(top.get("NumberOfFrames")) or 1
    padding_value = _int(top.get("PixelPaddingValue"))
    padding_limit = _int(top.get("PixelPaddingRangeLimit"))
    pixel_representation = _int(top.get("PixelRepresentation")) or 0
    if pixel_representation == 1:
        # Pixel Padding Value has VR US or SS, so a signed value read as US comes back above 32767.
        padding_value = (
            padding_value - 65536 if padding_value is not None and padding_value > 32767 else padding_value
        )
        padding_limit = (
            padding_limit - 65536 if padding_limit is not None and padding_limit > 32767 else padding_limit
        )
    common = {
        "path": path,
        "sop_instance_uid": str(top.get("SOPInstanceUID", "")),
        "sop_class_uid": sop_class,
        "transfer_syntax": transfer_syntax,
        "instance_number": _int(top.get("InstanceNumber")),
        "acquisition_number": _int(top.get("AcquisitionNumber")),
        "rows": int(top.get("Rows")),
        "columns": int(top.get("Columns", 0)),
        "bits_allocated": _int(top.get("BitsAllocated")) or 16,
        "bits_stored": _int(top.get("BitsStored")) or _int(top.get("BitsAllocated")) or 16,
        "pixel_representation": pixel_representation,
        "photometric": _text(top.get("PhotometricInterpretation")) or "MONOCHROME2",
        "samples_per_pixel": _int(top.get("SamplesPerPixel")) or 1,
        "number_of_frames": frame_count,
        "padding_value": padding_value,
        "padding_limit": padding_limit,
        "image_type": _multi_text(top.get("ImageType")),
        "file_size": path.stat().st_size,
        "pixel_data_offset": pixel_data_offset,
        "pixel_data_length": pixel_data_length,
    }
    if "PerFrameFunctionalGroupsSequence" in top or "SharedFunctionalGroupsSequence" in top:
        header.slices = _enhanced_slices(ds, common)
        if header.series["repetition_time"] is None:
            header.series["repetition_time"] = _enhanced_repetition_time(ds)
        return header

    single = SliceHeader(
        frame=None if frame_count == 1 else 0,
        position=_floats(top.get("ImagePositionPatient"), 3),
        orientation=_floats(top.get("ImageOrientationPatient"), 6),
        pixel_spacing=_floats(top.get("PixelSpacing"), 2) or _floats(top.get("ImagerPixelSpacing"), 2),
        slice_thickness=_float(top.get("SliceThickness")),
        slope=_float(top.get("RescaleSlope")) or 1.0,
        intercept=_float(top.get("RescaleIntercept")) or 0.0,
        echo_time=_float(top.get("EchoTime")),
        echo_number=_int(top.get("EchoNumbers")),
        temporal_position=_int(top.get("TemporalPositionIdentifier")),
        **common,
    )
    header.slices = [single]
    return header


def _enhanced_repetition_time(ds: Dataset) -> float | None:
    shared_seq = ds.get("SharedFunctionalGroupsSequence")
    shared = shared_seq[0] if shared_seq else None
    timing = _functional_item(None, shared, "MRTimingAndRelatedParametersSequence")
    return _float(timing.get("RepetitionTime")) if timing else None


def _pixel_data_location(stream) -> tuple[int | None, int | None]:
    """Return (value offset, declared length) of a Pixel Data element starting at the stream position."""
    start = stream.tell()
    element_header = stream.read(12)
    if len(element_header) < 8:
        return None, None
    if element_header[0:4] == b"\xe0\x7f\x10\x00":
        order = "<"
    elif element_header[0:4] == b"\x7f\xe0\x00\x10":
        order = ">"
    else:
        return None, None
    if element_header[4:6] in _EXPLICIT_VRS and len(element_header) == 12:
        return start + 12, struct.unpack(order + "I", element_header[8:12])[0]
    return start + 8, struct.unpack(order + "I", element_header[4:8])[0]
