"""NIfTI-1 reading and writing with the RAS affine convention of nibabel and dcm2niix."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import nibabel as nib
import numpy as np

from greenrfm_core.atomic import atomic_path
from greenrfm_core.io.orientation import geometry_from_affine, to_canonical
from greenrfm_core.volume import LPS_TO_RAS, Volume

logger = logging.getLogger(__name__)

NIFTI_SUFFIXES = (".nii", ".nii.gz")


def is_nifti_path(path: str | os.PathLike) -> bool:
    """Return True when ``path`` ends in ``.nii`` or ``.nii.gz``."""
    return str(path).lower().endswith(NIFTI_SUFFIXES)


def write_nifti(volume: Volume, path: str | os.PathLike) -> Path:
    """Write ``volume`` as NIfTI-1 with its RAS affine in both the qform and the sform.

    float64 arrays are stored as float32 and other dtypes unchanged. The file is written to a temporary name
    in the same folder, fsynced and renamed, so a reader never sees a partial file.

    Args:
        volume: the image to write.
        path: destination ending in ``.nii`` or ``.nii.gz``.

    Returns:
        The written path.
    """
    path = Path(path)
    if not is_nifti_path(path):
        raise ValueError(f"NIfTI output path must end in .nii or .nii.gz; got {path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    array = volume.array.astype(np.float32) if volume.array.dtype == np.float64 else volume.array
    affine = volume.affine_ras()
    image = nib.Nifti1Image(np.ascontiguousarray(array.transpose(2, 1, 0)), affine)
    image.header.set_xyzt_units("mm", "sec")
    image.set_qform(affine, code="scanner")
    image.set_sform(affine, code="scanner")
    description = str(volume.metadata.get("series_description", ""))[:79]
    if description:
        image.header["descrip"] = description.encode("ascii", "replace")

    suffix = ".nii.gz" if str(path).lower().endswith(".nii.gz") else ".nii"
    with atomic_path(path, suffix=suffix) as temporary:
        nib.save(image, temporary)
    return path


def read_nifti(path: str | os.PathLike) -> Volume:
    """Read a NIfTI-1/2 file into a Volume in the canonical LPS orientation.

    The sform is used when its code is set, otherwise the qform (nibabel's ``get_best_affine``). A 4D image with a
    single volume is squeezed to 3D.

    Args:
        path: a ``.nii`` or ``.nii.gz`` file.

    Returns:
        The Volume; ``modality`` is empty because NIfTI does not record it.

    Raises:
        FileNotFoundError: when ``path`` does not exist.
        ValueError: when the file is not 3D or cannot be read as NIfTI.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"NIfTI file not found: {path}")
    try:
        image = nib.load(path)
        array = np.asanyarray(image.dataobj)
    except Exception as error:  # nibabel raises several unrelated types for damaged files
        raise ValueError(
            f"failed to read {path} as NIfTI ({error}); check that the file is complete"
        ) from error
    if array.ndim == 4 and array.shape[3] == 1:
        array = array[..., 0]
    if array.ndim != 3:
        raise ValueError(f"{path} has shape {array.shape}; only 3D NIfTI images can be loaded")
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    affine_lps = LPS_TO_RAS @ image.affine
    array_zyx, affine_lps = to_canonical(array, affine_lps)
    spacing, origin, direction = geometry_from_affine(affine_lps)
    metadata = {"source_format": "nifti", "warnings": []}
    return Volume(array_zyx, spacing, origin, direction, modality="", metadata=metadata)
