"""DICOM series writer and NIfTI round trips, checked with pydicom and nibabel as independent readers."""

from __future__ import annotations

import nibabel as nib
import numpy as np
import pydicom
import pytest
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, MRImageStorage

from greenrfm_core.io import choose_rescale, read_nifti, write_dicom_series, write_nifti
from greenrfm_core.volume import Volume


def _volume(values: np.ndarray | None = None) -> Volume:
    array = np.full((4, 6, 8), -1000.0, dtype=np.float32) if values is None else values
    array[:, :, 6:] = 300.0  # patient-left block at high i
    return Volume(array, spacing=(0.7, 0.8, 2.5), origin=(-2.45, -2.0, 30.0))  # x, y centred on 0


def test_writer_file_meta_and_geometry(tmp_path):
    paths = write_dicom_series(_volume(), tmp_path, patient={"name": "Doe^Jane", "id": "P1", "sex": "F"})
    assert len(paths) == 4
    assert len({path.name for path in paths}) == 4
    ds = pydicom.dcmread(paths[2])
    assert ds.file_meta.TransferSyntaxUID == ExplicitVRLittleEndian
    assert ds.SOPClassUID == CTImageStorage
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert [float(v) for v in ds.ImagePositionPatient] == [-2.45, -2.0, 35.0]
    assert [float(v) for v in ds.ImageOrientationPatient] == [1, 0, 0, 0, 1, 0]
    assert [float(v) for v in ds.PixelSpacing] == [0.8, 0.7]
    assert float(ds.SliceThickness) == 2.5
    assert ds.InstanceNumber == 3
    assert str(ds.PatientName) == "Doe^Jane"
    assert ds.PatientID == "P1"
    assert (ds.Rows, ds.Columns) == (6, 8)


def test_writer_stores_hounsfield_values(tmp_path):
    paths = write_dicom_series(_volume(), tmp_path)
    ds = pydicom.dcmread(paths[0])
    hu = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    assert hu[0, 0] == -1000
    assert hu[0, 7] == 300


def test_writer_fractional_values_use_slope(tmp_path):
    values = np.linspace(0.0, 1.0, 4 * 6 * 8, dtype=np.float32).reshape(4, 6, 8)
    volume = Volume(values, spacing=(1, 1, 1))
    slope, _ = choose_rescale(values)
    assert slope < 1e-3
    paths = write_dicom_series(volume, tmp_path, modality="MR", file_names="sequential")
    assert paths[0].name == "IM00001.dcm"
    ds = pydicom.dcmread(paths[3])
    assert ds.SOPClassUID == MRImageStorage
    restored = ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    np.testing.assert_allclose(restored, values[3], atol=slope)


def test_writer_rejects_rescale_overflow(tmp_path):
    with pytest.raises(ValueError, match="int16"):
        write_dicom_series(_volume(), tmp_path, rescale=(0.01, 0.0))


def test_writer_extra_callable_and_tilt(tmp_path):
    direction = np.eye(3)
    direction[:, 2] = [0.0, np.sin(0.2), np.cos(0.2)]  # sheared stack as a tilted gantry writes it

    def mark(ds, index):
        ds.ImageComments = f"slice {index}"

    volume = Volume(np.zeros((3, 4, 4), np.float32), (1, 1, 2), direction=direction)
    paths = write_dicom_series(volume, tmp_path, extra=mark)
    ds = pydicom.dcmread(paths[2])
    assert ds.ImageComments == "slice 2"
    np.testing.assert_allclose(
        [float(v) for v in ds.ImagePositionPatient], [0, 4 * np.sin(0.2), 4 * np.cos(0.2)]
    )


def test_nifti_affine_is_ras(tmp_path):
    volume = _volume()
    path = write_nifti(volume, tmp_path / "v.nii.gz")
    image = nib.load(path)
    assert image.shape == (8, 6, 4)
    data = np.asanyarray(image.dataobj)
    marker_ijk = np.array([7, 0, 0, 1.0])
    assert data[7, 0, 0] == 300
    assert (image.affine @ marker_ijk)[0] < 0  # RAS: patient left is negative x


def test_nifti_round_trip_reorients(tmp_path):
    volume = _volume()
    # A NIfTI in RAS index order (i towards patient Right) must come back flipped to LPS.
    ras_affine = np.diag([0.7, 0.8, 2.5, 1.0])
    ras_affine[:3, 3] = [-2.45, -2.0, 30.0]
    flipped = nib.Nifti1Image(volume.array.transpose(2, 1, 0)[::-1, ::-1].copy(), ras_affine)
    nib.save(flipped, tmp_path / "ras.nii")
    loaded = read_nifti(tmp_path / "ras.nii")
    assert loaded.array.shape == (4, 6, 8)
    np.testing.assert_allclose(loaded.direction, np.eye(3))
    assert loaded.array[0, 0, 7] == 300
    assert loaded.index_to_world([7, 0, 0])[0] > 0

    write_nifti(volume, tmp_path / "v.nii")
    again = read_nifti(tmp_path / "v.nii")
    np.testing.assert_array_equal(again.array, volume.array)
    np.testing.assert_allclose(again.origin, volume.origin, atol=1e-4)
    np.testing.assert_allclose(again.spacing, volume.spacing, atol=1e-5)
