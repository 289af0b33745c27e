"""load_series and load_study on generated series with the hard cases real exports contain."""

from __future__ import annotations

import shutil

import numpy as np
import pydicom
import pytest
from pydicom.uid import generate_uid

from greenrfm_core.io import (
    SeriesGeometryError,
    load_mri_study,
    load_series,
    load_study,
    read_nifti,
    scan,
    select_series,
    write_dicom_series,
    write_nifti,
)
from greenrfm_core.volume import Volume

SHAPE = (12, 24, 20)  # (z, y, x)
SPACING = (1.0, 1.0, 2.0)  # (x, y, z) mm
LEFT_MARKER = 800.0
ANTERIOR_SUPERIOR_MARKER = 400.0


def phantom_array() -> np.ndarray:
    """Return a CT-like array: air, a water ellipse, a block in the patient's left half, one anterior-superior."""
    _, y, x = np.mgrid[0 : SHAPE[0], 0 : SHAPE[1], 0 : SHAPE[2]]
    array = np.full(SHAPE, -1000.0, dtype=np.float32)
    inside = ((x - 9.5) / 9.0) ** 2 + ((y - 11.5) / 11.0) ** 2 <= 1.0
    array[inside] = 0.0
    array[4:8, 8:12, 14:18] = LEFT_MARKER  # high i = patient left
    array[9:, 1:4, 8:11] = ANTERIOR_SUPERIOR_MARKER  # low j = anterior, high k = superior
    return array


def phantom_volume() -> Volume:
    origin = (-(SHAPE[2] - 1) / 2 * SPACING[0], -(SHAPE[1] - 1) / 2 * SPACING[1], 100.0)
    return Volume(phantom_array(), SPACING, origin, modality="CT")


def marker_world(volume: Volume, value: float) -> np.ndarray:
    """Return the LPS centroid of the voxels equal to ``value``."""
    k, j, i = np.nonzero(volume.array == value)
    return volume.index_to_world(np.stack([i, j, k], axis=1).astype(float)).mean(axis=0)


def assert_canonical_phantom(volume: Volume) -> None:
    np.testing.assert_allclose(volume.direction, np.eye(3), atol=1e-6)
    assert volume.array.shape == SHAPE
    np.testing.assert_array_equal(volume.array, phantom_array())
    left = marker_world(volume, LEFT_MARKER)
    assert left[0] > 0  # LPS x > 0 is patient left


def test_load_shuffled_reverse_instance_numbers(tmp_path):
    count = SHAPE[0]

    def reverse_instance_number(ds, index):
        ds.InstanceNumber = count - index

    write_dicom_series(phantom_volume(), tmp_path, extra=reverse_instance_number)
    volume = load_series(sorted(tmp_path.iterdir()))
    assert_canonical_phantom(volume)
    np.testing.assert_allclose(volume.origin, phantom_volume().origin)
    assert volume.metadata["warnings"] == []
    anterior_superior = marker_world(volume, ANTERIOR_SUPERIOR_MARKER)
    assert anterior_superior[1] < 0  # LPS y < 0 is anterior
    assert anterior_superior[2] > 100.0 + 2.0 * 8  # superior half


def test_load_flipped_storage_reorients(tmp_path):
    reference = phantom_volume()
    stored = reference.array[::-1, :, ::-1].copy()  # slices from head to feet, columns from left to right
    origin = reference.index_to_world([SHAPE[2] - 1, 0, SHAPE[0] - 1])
    flipped = Volume(stored, SPACING, origin, direction=np.diag([-1.0, 1.0, -1.0]))
    write_dicom_series(flipped, tmp_path)
    volume = load_study(tmp_path)
    assert_canonical_phantom(volume)
    np.testing.assert_allclose(volume.origin, reference.origin, atol=1e-4)


def test_load_coronal_acquisition(tmp_path):
    reference = phantom_volume()
    # Coronal slices step posteriorly, rows run from head to feet and columns towards patient left.
    coronal = reference.array.transpose(1, 0, 2)[:, ::-1, :].copy()
    direction = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
    origin = reference.index_to_world([0, 0, SHAPE[0] - 1])
    write_dicom_series(Volume(coronal, (SPACING[0], SPACING[2], SPACING[1]), origin, direction), tmp_path)
    result = scan(tmp_path)
    assert result.all_series[0].orientation == "coronal"
    volume = load_series(result.all_series[0])
    assert_canonical_phantom(volume)
    np.testing.assert_allclose(volume.spacing, SPACING)


def test_load_missing_slice_interpolates(tmp_path):
    paths = write_dicom_series(phantom_volume(), tmp_path)
    paths[6].unlink()
    volume = load_study(tmp_path)
    assert volume.array.shape == SHAPE
    assert any("gap between slices 6 and 7" in w for w in volume.metadata["warnings"])
    assert any("regular grid" in w for w in volume.metadata["warnings"])
    expected = phantom_array()
    np.testing.assert_array_equal(volume.array[5], expected[5])
    np.testing.assert_allclose(volume.array[6], (expected[5] + expected[7]) / 2)
    assert volume.spacing[2] == pytest.approx(2.0)


def test_load_large_gap_raises(tmp_path):
    paths = write_dicom_series(phantom_volume(), tmp_path)
    for path in paths[4:8]:
        path.unlink()
    with pytest.raises(
        SeriesGeometryError, match=r"10\.0 mm gap between slices 4 and 5 where spacing is 2\.00 mm"
    ):
        load_study(tmp_path)


def test_load_uneven_spacing_resamples(tmp_path):
    def stretch_top(ds, index):
        if index >= 6:
            position = [float(v) for v in ds.ImagePositionPatient]
            ds.ImagePositionPatient = [position[0], position[1], position[2] + 0.5 * (index - 5)]

    write_dicom_series(phantom_volume(), tmp_path, extra=stretch_top)
    volume = load_study(tmp_path)
    warnings = " ".join(volume.metadata["warnings"])
    assert "regular grid" in warnings
    extent = 22.0 + 0.5 * 6
    assert (volume.array.shape[0] - 1) * volume.spacing[2] == pytest.approx(extent)
    np.testing.assert_array_equal(volume.array[0], phantom_array()[0])
    np.testing.assert_array_equal(volume.array[-1], phantom_array()[-1])


def test_load_exact_duplicate_dropped(tmp_path):
    paths = write_dicom_series(phantom_volume(), tmp_path)
    ds = pydicom.dcmread(paths[3])
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.save_as(tmp_path / "copy.dcm")
    volume = load_study(tmp_path)
    assert_canonical_phantom(volume)
    assert any("exact duplicate" in w for w in volume.metadata["warnings"])


def test_load_differing_duplicate_raises(tmp_path):
    paths = write_dicom_series(phantom_volume(), tmp_path)
    ds = pydicom.dcmread(paths[3])
    ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    pixels = ds.pixel_array.copy()
    pixels[0, 0] += 50
    ds.PixelData = pixels.tobytes()
    ds.save_as(tmp_path / "changed.dcm")
    with pytest.raises(SeriesGeometryError, match="different images at the same position"):
        load_study(tmp_path)


def test_load_gantry_tilt_resamples(tmp_path):
    tilt = np.radians(15.0)
    direction = np.eye(3)
    direction[:, 2] = [0.0, np.sin(tilt), np.cos(tilt)]
    sheared = Volume(np.full(SHAPE, -1000.0, np.float32), SPACING, (-9.5, -11.5, 0.0), direction=direction)
    # Fill the sheared grid from a world-space block, as a tilted gantry samples it.
    block_low, block_high = np.array([-3.0, -2.0, 8.0]), np.array([3.0, 4.0, 14.0])
    k, j, i = np.mgrid[0 : SHAPE[0], 0 : SHAPE[1], 0 : SHAPE[2]]
    world = sheared.index_to_world(np.stack([i, j, k], axis=-1).reshape(-1, 3)).reshape(*SHAPE, 3)
    inside = np.all((world >= block_low) & (world <= block_high), axis=-1)
    sheared.array[inside] = 1000.0
    write_dicom_series(sheared, tmp_path)

    volume = load_study(tmp_path)
    warnings = " ".join(volume.metadata["warnings"])
    assert "gantry tilt of 15.0 degrees" in warnings
    assert "orthogonal grid" in warnings
    np.testing.assert_allclose(volume.direction, np.eye(3), atol=1e-6)
    assert volume.spacing[2] == pytest.approx(2.0 * np.cos(tilt), rel=1e-4)
    k, j, i = np.nonzero(volume.array > 500.0)
    centre = volume.index_to_world(np.stack([i, j, k], axis=1).astype(float)).mean(axis=0)
    np.testing.assert_allclose(centre, (block_low + block_high) / 2, atol=1.0)


def test_load_rescale_slope_intercept(tmp_path):
    paths = write_dicom_series(phantom_volume(), tmp_path, rescale=(0.5, -1024.0))
    ds = pydicom.dcmread(paths[0])
    assert float(ds.RescaleSlope) == 0.5
    assert int(ds.pixel_array[0, 0]) == 48  # (-1000 + 1024) / 0.5
    volume = load_study(tmp_path)
    assert volume.array[0, 0, 0] == -1000.0  # air
    assert volume.array[0, 12, 10] == 0.0  # water
    assert_canonical_phantom(volume)


def test_load_monochrome1_inverted(tmp_path):
    def to_monochrome1(ds, index):
        stored = np.frombuffer(ds.PixelData, dtype="<i2")
        ds.PixelData = (-1 - stored).astype("<i2").tobytes()
        ds.PhotometricInterpretation = "MONOCHROME1"

    write_dicom_series(phantom_volume(), tmp_path, extra=to_monochrome1)
    volume = load_study(tmp_path)
    assert_canonical_phantom(volume)


def test_load_padding_value_set_to_air(tmp_path):
    array = phantom_array()
    array[:, :, :2] = -2000.0  # outside the reconstruction circle
    volume_in = Volume(array, SPACING, (0.0, 0.0, 0.0))

    def add_padding(ds, index):
        ds.add_new("PixelPaddingValue", "SS", -2000)

    write_dicom_series(volume_in, tmp_path, extra=add_padding)
    volume = load_study(tmp_path)
    assert np.all(volume.array[:, :, :2] == -1024.0)
    np.testing.assert_array_equal(volume.array[:, :, 2:], phantom_array()[:, :, 2:])


def test_scan_two_series_selects_thinner(tmp_path):
    study_uid = generate_uid()
    thick = phantom_volume()
    thin = Volume(np.zeros((24, 24, 20), np.float32), (1.0, 1.0, 1.0), thick.origin)
    write_dicom_series(thick, tmp_path, study_uid=study_uid, series_number=2, series_description="thick")
    write_dicom_series(thin, tmp_path, study_uid=study_uid, series_number=3, series_description="thin")
    result = scan(tmp_path)
    assert len(result.studies) == 1
    assert [s.description for s in result.studies[0].series] == ["thick", "thin"]
    chosen = select_series(result.studies[0])
    assert [s.description for s in chosen] == ["thin"]
    assert load_study(tmp_path).array.shape == (24, 24, 20)


def test_scan_truncated_and_foreign_files(tmp_path):
    paths = write_dicom_series(phantom_volume(), tmp_path)
    top = paths[-1]
    top.write_bytes(top.read_bytes()[:-300])
    header_cut = paths[5]
    header_cut.write_bytes(header_cut.read_bytes()[:200])
    (tmp_path / "notes.txt").write_text("not an image")
    progress = []
    result = scan(tmp_path, progress=lambda done, total: progress.append((done, total)))
    assert result.non_dicom_files == 1
    assert progress[-1] == (SHAPE[0] + 1, SHAPE[0] + 1)
    assert any(top.name in w and "truncated" in w for w in result.warnings)
    assert any(header_cut.name in w and "could not be read" in w for w in result.warnings)
    series = result.all_series[0]
    assert series.number_of_slices == SHAPE[0] - 2
    assert any(top.name in w for w in series.skipped_files)
    volume = load_series(series)
    assert any(top.name in w for w in volume.metadata["warnings"])
    assert volume.array.shape == (SHAPE[0] - 1, SHAPE[1], SHAPE[2])
    np.testing.assert_array_equal(volume.array[4], phantom_array()[4])


def test_scan_cancel_stops(tmp_path):
    write_dicom_series(phantom_volume(), tmp_path)
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    result = scan(tmp_path, cancel=cancel)
    assert result.cancelled
    assert result.dicom_files == 3


def test_scan_splits_mixed_orientations(tmp_path):
    series_uid = generate_uid()
    study_uid = generate_uid()
    write_dicom_series(phantom_volume(), tmp_path / "a", series_uid=series_uid, study_uid=study_uid)
    coronal = Volume(
        np.zeros((6, 12, 20), np.float32), (1, 2, 1), direction=[[1, 0, 0], [0, 0, 1], [0, -1, 0]]
    )
    write_dicom_series(coronal, tmp_path / "b", series_uid=series_uid, study_uid=study_uid)
    result = scan(tmp_path)
    keys = sorted(s.key for s in result.all_series)
    assert keys == [f"{series_uid}#1", f"{series_uid}#2"]
    assert sorted(s.orientation for s in result.all_series) == ["axial", "coronal"]
    assert any("mixes 2 stacks" in w for w in result.warnings)
    with pytest.raises(SeriesGeometryError, match="axial, coronal"):
        load_series(sorted(tmp_path.rglob("*.dcm")))


def test_left_marker_through_nifti(tmp_path):
    write_dicom_series(phantom_volume(), tmp_path / "dicom")
    volume = load_study(tmp_path / "dicom")
    nifti_path = write_nifti(volume, tmp_path / "volume.nii.gz")
    again = read_nifti(nifti_path)
    assert_canonical_phantom(again)
    assert marker_world(again, LEFT_MARKER)[0] > 0


def test_patient_identifiers_stay_out(tmp_path, caplog):
    patient = {"name": "Zhang^Wei", "id": "HOSP-4711", "birth_date": "19700101", "sex": "M"}
    paths = write_dicom_series(phantom_volume(), tmp_path, patient=patient)
    paths[3].unlink()
    with caplog.at_level("DEBUG"):
        result = scan(tmp_path)
        volume = load_series(result.all_series[0])
    assert result.studies[0].display["patient_name"] == "Zhang^Wei"
    assert result.studies[0].display["patient_id"] == "HOSP-4711"
    text = caplog.text + repr(volume.metadata)
    for value in patient.values():
        if len(value) > 1:
            assert value not in text
    assert volume.metadata["warnings"]


def test_load_study_series_across_folders(tmp_path):
    paths = write_dicom_series(phantom_volume(), tmp_path / "one")
    (tmp_path / "two").mkdir()
    for path in paths[::2]:
        shutil.move(path, tmp_path / "two" / path.name)
    volume = load_study(tmp_path)
    assert_canonical_phantom(volume)


def test_load_oblique_keeps_rotation(tmp_path):
    angle = np.radians(12.0)
    rotation = np.array(
        [[np.cos(angle), -np.sin(angle), 0.0], [np.sin(angle), np.cos(angle), 0.0], [0.0, 0.0, 1.0]]
    )
    write_dicom_series(Volume(phantom_array(), SPACING, (0.0, 0.0, 0.0), direction=rotation), tmp_path)
    volume = load_study(tmp_path)
    np.testing.assert_allclose(volume.direction, rotation, atol=1e-6)
    np.testing.assert_array_equal(volume.array, phantom_array())
    assert volume.metadata["warnings"] == []


def test_load_mri_study_planes_and_sequences(tmp_path):
    study_uid = generate_uid()
    array = np.abs(phantom_array()) + 10.0
    # Sagittal storage: columns run posteriorly, rows from head to feet, slices towards patient left.
    sagittal_direction = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])
    sagittal = Volume(
        array.transpose(2, 0, 1)[:, ::-1, :].copy(), (1.0, 2.0, 1.0), (0.0, 0.0, 22.0), sagittal_direction
    )
    axial = Volume(array, SPACING, (0.0, 0.0, 0.0))
    common = {"modality": "MR", "study_uid": study_uid}
    write_dicom_series(sagittal, tmp_path, series_description="SAG PD FS", series_number=2, **common)
    write_dicom_series(axial, tmp_path, series_description="AX T1", series_number=3, **common)
    write_dicom_series(axial, tmp_path, series_description="AX T1", series_number=4, **common)
    localizer = Volume(array[:1], SPACING, (0.0, 0.0, 0.0))
    write_dicom_series(localizer, tmp_path, series_description="3-plane loc", series_number=1, **common)

    volumes = load_mri_study(tmp_path)
    assert sorted(volumes) == ["axial", "sagittal"]
    assert sorted(volumes["axial"]) == ["T1", "T1 (2)"]
    assert list(volumes["sagittal"]) == ["PD-FS"]
    sagittal_volume = volumes["sagittal"]["PD-FS"]
    np.testing.assert_allclose(sagittal_volume.direction, np.eye(3), atol=1e-6)
    np.testing.assert_array_equal(sagittal_volume.array, array)
    assert sagittal_volume.metadata["sequence"] == "PD-FS"
    assert sagittal_volume.modality == "MR"
