"""Compressed transfer syntaxes and enhanced multi-frame files decode to the same values as plain files."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    ExplicitVRLittleEndian,
    JPEG2000Lossless,
    RLELossless,
    generate_uid,
)

from greenrfm_core.io import UnreadableSeriesError, load_series, load_study, scan, write_dicom_series
from greenrfm_core.io.headers import read_file_header
from greenrfm_core.io.pixels import read_stored_frame
from greenrfm_core.volume import Volume

# Every name below ships inside the pydicom wheel. Names that pydicom downloads on demand are avoided.
MR_TWINS = [
    "MR_small_jp2klossless.dcm",
    "MR_small_RLE.dcm",
    "MR_small_jpeg_ls_lossless.dcm",
    "MR_small_bigendian.dcm",
    "MR_small_expb.dcm",
    "MR_small_implicit.dcm",
    "MR_small_padded.dcm",
]


def bundled(name: str) -> str:
    path = get_testdata_file(name, download=False)
    assert path is not None, f"{name} is not bundled with this pydicom version"
    return path


@pytest.mark.parametrize("name", MR_TWINS)
def test_mr_twin_matches_uncompressed(name):
    reference = load_series([bundled("MR_small.dcm")])
    twin = load_series([bundled(name)])
    assert twin.array.shape == (1, 64, 64)
    np.testing.assert_array_equal(twin.array, reference.array)
    np.testing.assert_allclose(twin.origin, reference.origin)


def test_ct_small_hounsfield_units():
    path = bundled("CT_small.dcm")
    ds = pydicom.dcmread(path)
    volume = load_series([path])
    expected = ds.pixel_array.astype(np.float32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    assert volume.modality == "CT"
    # Image Orientation (Patient) is the identity, so rows are j and columns are i without flips.
    np.testing.assert_array_equal(volume.array[0], expected)
    np.testing.assert_allclose(volume.origin, [float(v) for v in ds.ImagePositionPatient])
    assert volume.spacing[:2] == pytest.approx((float(ds.PixelSpacing[1]), float(ds.PixelSpacing[0])))


@pytest.mark.parametrize("name", ["693_J2KI.dcm", "J2K_pixelrep_mismatch.dcm", "JPGExtended.dcm"])
def test_compressed_frames_match_pydicom(name):
    path = bundled(name)
    header = read_file_header(path).slices[0]
    expected = pydicom.dcmread(path).pixel_array
    np.testing.assert_array_equal(read_stored_frame(header), expected.reshape(header.rows, header.columns))


def test_undecodable_jpeg_names_file():
    # pydicom ships JPEG-lossy.dcm with a JPEG stream that neither libjpeg nor Pillow decode.
    path = bundled("JPEG-lossy.dcm")
    header = read_file_header(path).slices[0]
    with pytest.raises(UnreadableSeriesError, match="JPEG-lossy.dcm could not be decoded"):
        read_stored_frame(header)


def test_j2k_pixel_representation_mismatch_is_signed():
    volume = load_series([bundled("J2K_pixelrep_mismatch.dcm")])
    assert volume.array.min() < -1000.0  # air outside the patient, so the sign was honoured
    assert volume.array.max() < 4000.0


def _phantom(slices: int = 8) -> Volume:
    rng = np.random.default_rng(3)
    # JPEG 2000 with the encoder's default 6 resolution levels needs at least 32 pixels per side.
    array = rng.integers(-1000, 1500, size=(slices, 40, 36)).astype(np.float32)
    array[:, :, 27:] = 2000.0  # patient-left block
    return Volume(array, (0.8, 0.9, 1.5), (-14.0, -17.55, 20.0), modality="CT")


@pytest.mark.parametrize("syntax", [RLELossless, JPEG2000Lossless], ids=["rle", "jpeg2000"])
def test_compressed_series_matches_plain(tmp_path, syntax):
    volume = _phantom()
    paths = write_dicom_series(volume, tmp_path)
    for path in paths:
        ds = pydicom.dcmread(path)
        ds.compress(syntax)
        ds.save_as(path, enforce_file_format=True)
    assert pydicom.dcmread(paths[0]).file_meta.TransferSyntaxUID == syntax
    loaded = load_study(tmp_path)
    np.testing.assert_array_equal(loaded.array, volume.array)


def write_enhanced_ct(volume: Volume, path, frame_order: list[int], slopes: list[float]) -> None:
    """Write ``volume`` as one Enhanced CT file, frames in ``frame_order`` with per-frame rescale."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2.1"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "CT"
    ds.SeriesNumber = 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL", "NONE"]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = volume.array.shape[1:]
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
    ds.NumberOfFrames = len(frame_order)

    measures = Dataset()
    measures.PixelSpacing = [volume.spacing[1], volume.spacing[0]]
    measures.SliceThickness = volume.spacing[2]
    orientation = Dataset()
    orientation.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    shared = Dataset()
    shared.PixelMeasuresSequence = Sequence([measures])
    shared.PlaneOrientationSequence = Sequence([orientation])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])

    frames = []
    stored = []
    for frame_index, k in enumerate(frame_order):
        position = Dataset()
        position.ImagePositionPatient = list(volume.index_to_world([0, 0, k]))
        transform = Dataset()
        transform.RescaleSlope = slopes[frame_index]
        transform.RescaleIntercept = -1024
        item = Dataset()
        item.PlanePositionSequence = Sequence([position])
        item.PixelValueTransformationSequence = Sequence([transform])
        frames.append(item)
        stored.append(np.rint((volume.array[k] + 1024) / slopes[frame_index]).astype("<i2"))
    ds.PerFrameFunctionalGroupsSequence = Sequence(frames)
    ds.PixelData = np.stack(stored).tobytes()
    ds.save_as(path, enforce_file_format=True)


@pytest.mark.parametrize("compress", [False, True], ids=["native", "rle"])
def test_enhanced_ct_matches_single_frame(tmp_path, compress):
    volume = _phantom()
    volume.array[:] = np.rint((volume.array + 1024) / 2) * 2 - 1024  # representable with slope 2
    order = [3, 0, 7, 5, 1, 6, 2, 4]
    slopes = [1.0 if k % 2 else 2.0 for k in order]
    path = tmp_path / "enhanced.dcm"
    write_enhanced_ct(volume, path, order, slopes)
    if compress:
        ds = pydicom.dcmread(path)
        ds.compress(RLELossless)
        ds.save_as(path, enforce_file_format=True)
    result = scan(tmp_path)
    series = result.all_series[0]
    assert series.number_of_instances == 1
    assert series.number_of_slices == 8
    assert series.slice_spacing == pytest.approx(1.5)
    loaded = load_series(series)
    np.testing.assert_array_equal(loaded.array, volume.array)
    np.testing.assert_allclose(loaded.origin, volume.origin, atol=1e-4)
    assert loaded.array[0, 0, 35] == 2000.0  # the left block stays at high i
