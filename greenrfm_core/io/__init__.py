"""Study input and output: DICOM scanning and loading, NIfTI, and a DICOM series writer."""

from greenrfm_core.io.dicom_writer import choose_rescale, write_dicom_series
from greenrfm_core.io.nifti import read_nifti, write_nifti

__all__ = ["choose_rescale", "read_nifti", "write_dicom_series", "write_nifti"]
