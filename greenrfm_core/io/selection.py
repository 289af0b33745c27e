"""Choose which series of a study to load: the main axial CT, or every usable MR plane and sequence."""

from __future__ import annotations

import re

from greenrfm_core.io.scan import SeriesInfo, StudyInfo

# Image SOP classes that contain cross-sectional CT or MR slices.
VOLUME_SOP_CLASSES = frozenset(
    {
        "1.2.840.10008.5.1.4.1.1.2",  # CT Image Storage
        "1.2.840.10008.5.1.4.1.1.2.1",  # Enhanced CT Image Storage
        "1.2.840.10008.5.1.4.1.1.2.2",  # Legacy Converted Enhanced CT Image Storage
        "1.2.840.10008.5.1.4.1.1.4",  # MR Image Storage
        "1.2.840.10008.5.1.4.1.1.4.1",  # Enhanced MR Image Storage
        "1.2.840.10008.5.1.4.1.1.4.4",  # Legacy Converted Enhanced MR Image Storage
    }
)
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"
STRUCTURED_REPORT_PREFIX = "1.2.840.10008.5.1.4.1.1.88."
# Series with fewer slices are treated as localizers or key images, not volumes.
MIN_VOLUME_SLICES = 5

_LOCALIZER_WORDS = re.compile(
    r"\b(scout|topogram|localizer|localiser|locator|surview|survey|pilot|scanogram)", re.IGNORECASE
)
_DOSE_WORDS = re.compile(r"\b(dose|dlp|ctdi)\b", re.IGNORECASE)


def exclusion_reason(series: SeriesInfo) -> str:
    """Return why ``series`` is not a usable volume, or ``""`` when it is one."""
    sop_class = series.sop_class_uid
    if sop_class.startswith(STRUCTURED_REPORT_PREFIX):
        return "structured report"
    if sop_class.startswith(SECONDARY_CAPTURE_PREFIX):
        return "secondary capture"
    if sop_class not in VOLUME_SOP_CLASSES:
        return f"not a CT or MR image ({series.sop_class_name or 'unknown SOP class'})"
    if _DOSE_WORDS.search(series.description):
        return "dose report"
    if "LOCALIZER" in series.image_type or _LOCALIZER_WORDS.search(series.description):
        return "localizer"
    if series.orientation == "mixed":
        return "single images in mixed orientations"
    if not series.plane:
        return "no slice geometry"
    if series.number_of_slices < MIN_VOLUME_SLICES:
        return f"only {series.number_of_slices} slice(s)"
    return ""


def sequence_label(series: SeriesInfo) -> str:
    """Name an MR sequence (T1, T2, PD, FLAIR, STIR, DWI, ADC, GRE), with ``-FS`` for fat suppression.

    The series description decides first. Without a recognised word, TR, TE, TI and Scanning Sequence
    decide with textbook ranges (T1: TR < 1000 ms and TE < 30 ms; T2: TR >= 2000 ms and TE >= 60 ms;
    PD: TR >= 1500 ms and TE < 50 ms). Anything else is ``other``.
    """
    text = series.description.upper()
    attributes = series.attributes
    fat_suppressed = bool(re.search(r"\b(FS|FATSAT|FAT SAT|SPAIR|SPIR|FAT-SAT|DIXON W|WATER)\b", text))
    label = ""
    for pattern, name in (
        (r"FLAIR", "FLAIR"),
        (r"STIR|TIRM", "STIR"),
        (r"\bADC\b", "ADC"),
        (r"DWI|DIFF|TRACE|\bB\d{3,4}\b", "DWI"),
        (r"\bPD|PROTON|\bPDW", "PD"),
        (r"\bT1|T1W", "T1"),
        (r"\bT2\*|T2STAR|\bGRE\b|MEDIC|\bFFE\b", "GRE"),
        (r"\bT2|T2W", "T2"),
    ):
        if re.search(pattern, text):
            label = name
            break
    if not label:
        repetition = attributes.get("repetition_time")
        echo = attributes.get("echo_time")
        inversion = attributes.get("inversion_time")
        scanning = str(attributes.get("scanning_sequence") or "").upper()
        if inversion and inversion >= 1500:
            label = "FLAIR"
        elif inversion and 80 <= inversion <= 250:
            label = "STIR"
        elif repetition is not None and echo is not None:
            if repetition < 1000 and echo < 30:
                label = "GRE" if "GR" in scanning and "SE" not in scanning else "T1"
            elif repetition >= 2000 and echo >= 60:
                label = "T2"
            elif repetition >= 1500 and echo < 50:
                label = "PD"
    label = label or "other"
    return f"{label}-FS" if fat_suppressed and label in ("T1", "T2", "PD") else label


def _ct_rank(series: SeriesInfo) -> tuple:
    return (
        series.orientation == "axial",
        "ORIGINAL" in series.image_type,
        series.number_of_slices,
        -(series.slice_spacing or 1e9),
    )


def select_series(study: StudyInfo, modality: str | None = None) -> list[SeriesInfo]:
    """Choose the series to load from ``study``.

    For CT the result contains the single preferred series: axial first, then original over derived images,
    then most slices, then thinnest spacing. For MR it contains every usable series (each plane and sequence),
    ordered by plane and then sequence label. Localizers, dose reports, structured reports, secondary captures
    and series with fewer than ``MIN_VOLUME_SLICES`` slices are never chosen.

    Args:
        study: a scanned study.
        modality: ``"CT"`` or ``"MR"``; when None, CT is used if the study has a usable CT series, else MR.

    Returns:
        The chosen series; empty when none is usable.
    """
    usable = [series for series in study.series if not exclusion_reason(series)]
    if modality is None:
        modalities = {series.modality for series in usable}
        modality = "CT" if "CT" in modalities else "MR"
    candidates = [series for series in usable if series.modality == modality.upper()]
    if not candidates:
        return []
    if modality.upper() == "CT":
        return [max(candidates, key=_ct_rank)]
    plane_order = {"sagittal": 0, "coronal": 1, "axial": 2}
    return sorted(candidates, key=lambda s: (plane_order.get(s.plane, 3), sequence_label(s), s.key))
