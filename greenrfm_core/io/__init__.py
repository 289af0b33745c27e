"""Study input and output: DICOM scanning, series selection and loading, NIfTI, and a DICOM series writer."""

from greenrfm_core.io.dicom_writer import choose_rescale, write_dicom_series
from greenrfm_core.io.errors import (
    NoUsableSeriesError,
    SeriesGeometryError,
    StudyLoadError,
    UnreadableSeriesError,
)
from greenrfm_core.io.loader import load_mri_study, load_series, load_study
from greenrfm_core.io.nifti import is_nifti_path, read_nifti, write_nifti
from greenrfm_core.io.scan import ScanResult, SeriesInfo, StudyInfo, scan
from greenrfm_core.io.selection import exclusion_reason, select_series, sequence_label

__all__ = [
    "NoUsableSeriesError",
    "ScanResult",
    "SeriesGeometryError",
    "SeriesInfo",
    "StudyInfo",
    "StudyLoadError",
    "UnreadableSeriesError",
    "choose_rescale",
    "exclusion_reason",
    "is_nifti_path",
    "load_mri_study",
    "load_series",
    "load_study",
    "read_nifti",
    "scan",
    "select_series",
    "sequence_label",
    "write_dicom_series",
    "write_nifti",
]
