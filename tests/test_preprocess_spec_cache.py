"""Preprocessing specs, resampling geometry and intensity, and the on-disk cache."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
from file_limits import file_size_limit

from greenrfm_core import paths
from greenrfm_core.phantom import ChestPatient, generate_cohort, render_chest_ct, render_knee_mri
from greenrfm_core.preprocess import (
    available_tasks,
    load_spec,
    override_spec,
    preprocess_study,
    preprocess_volume,
    spec_hash,
)
from greenrfm_core.volume import Volume


def _block_volume() -> Volume:
    """Air volume (0.7 x 0.7 x 1 mm) with a water block on the patient's left, off centre."""
    array = np.full((80, 160, 160), -1000.0, dtype=np.float32)
    array[30:50, 60:100, 110:140] = 0.0
    return Volume(array, spacing=(0.7, 0.7, 1.0), origin=(-55.65, -55.65, 0.0), modality="CT")


def test_bundled_specs_load():
    assert {"chest-ct", "abdomen-ct", "knee-mri", "spine-mri"} <= set(available_tasks())
    chest = load_spec("chest-ct")
    assert chest["spacing"] == [1.5, 1.5, 3.0]
    assert chest["shape"] == [192, 192, 96]
    assert chest["intensity"] == {"kind": "window", "min": -1000, "max": 200}
    assert load_spec("abdomen-ct")["shape"] == [224, 224, 144]
    knee = load_spec("knee-mri")
    assert knee["planes"] == ["sagittal", "coronal", "axial"]
    assert knee["intensity"]["low"] == 0.5


def test_spec_json_round_trip_and_hash(tmp_path):
    spec = load_spec("chest-ct")
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec), encoding="utf-8")
    reloaded = load_spec(path)
    assert reloaded == spec
    assert spec_hash(reloaded) == spec_hash(spec)
    smaller = override_spec(spec, shape=[64, 64, 32])
    assert spec_hash(smaller) != spec_hash(spec)
    assert spec["shape"] == [192, 192, 96]


def test_invalid_spec_names_field(tmp_path):
    with pytest.raises(ValueError, match="shape"):
        override_spec(load_spec("chest-ct"), shape=[64, 64])
    with pytest.raises(ValueError, match="intensity"):
        override_spec(load_spec("chest-ct"), intensity={"kind": "window", "min": 5, "max": 1})
    with pytest.raises(FileNotFoundError, match="chest-ct"):
        load_spec("no-such-task")
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    with pytest.raises(ValueError, match="broken.json"):
        load_spec(broken)


def test_ct_spacing_shape_and_window():
    spec = override_spec(load_spec("chest-ct"), shape=[80, 80, 40])
    result = preprocess_volume(_block_volume(), spec)
    assert result.shape == (40, 80, 80)
    assert result.dtype == np.float32
    # Air is the window minimum, so it maps to 0; water (0 HU) maps to 1000 / 1200.
    assert result[0, 0, 0] == pytest.approx(0.0)
    assert result.max() == pytest.approx(1000 / 1200, abs=1e-4)

    block = np.argwhere(result > 0.5)
    # The block spans x voxels 110..139 of 160 at 0.7 mm, i.e. 21.4 to 41.7 mm left of the centre.
    expected_x = (40 - 0.5) + (np.array([110, 139]) - 79.5) * 0.7 / 1.5
    assert block[:, 2].min() == pytest.approx(expected_x[0], abs=1.0)
    assert block[:, 2].max() == pytest.approx(expected_x[1], abs=1.0)
    expected_z = (20 - 0.5) + (np.array([30, 49]) - 39.5) * 1.0 / 3.0
    assert block[:, 0].min() == pytest.approx(expected_z[0], abs=1.0)
    assert block[:, 0].max() == pytest.approx(expected_z[1], abs=1.0)


def test_orientation_keeps_left_side():
    spec = override_spec(load_spec("chest-ct"), shape=[80, 80, 40])
    result = preprocess_volume(_block_volume(), spec)
    left_half = result[:, :, 40:].sum()
    right_half = result[:, :, :40].sum()
    assert left_half > right_half


def test_padding_uses_air_value():
    spec = override_spec(load_spec("chest-ct"), shape=[200, 200, 60])
    volume = Volume(np.zeros((20, 40, 40), dtype=np.float32), spacing=(1.5, 1.5, 3.0))
    result = preprocess_volume(volume, spec)
    assert result[30, 100, 100] == pytest.approx(1000 / 1200)
    assert result[30, 0, 0] == 0.0
    assert result[0, 100, 100] == 0.0


def test_mri_percentile_fixed_grid():
    spec = override_spec(
        load_spec("knee-mri"), shape={"sagittal": [8, 32, 32], "coronal": [32, 8, 32], "axial": [32, 32, 8]}
    )
    rng = np.random.default_rng(0)
    array = rng.uniform(100, 900, size=(100, 100, 20)).astype(np.float32)
    volume = Volume(array, spacing=(4.0, 1.2, 1.2), modality="MR")
    result = preprocess_volume(volume, spec, plane="sagittal")
    assert result.shape == (32, 32, 8)
    assert result.min() == 0.0
    assert result.max() == 1.0
    assert 0.4 < float(result.mean()) < 0.6
    with pytest.raises(ValueError, match="plane"):
        preprocess_volume(volume, spec)


def test_cache_hit_returns_identical_array():
    spec = override_spec(load_spec("chest-ct"), shape=[64, 64, 32])
    volume = _block_volume()
    first = preprocess_study(volume, spec)
    entries = sorted(p.name for p in (paths.cache_dir() / "preprocessed").rglob("*") if p.is_file())
    second = preprocess_study(volume, spec)
    assert first.shape == (1, 32, 64, 64)
    np.testing.assert_array_equal(np.asarray(second), first)
    after = sorted(p.name for p in (paths.cache_dir() / "preprocessed").rglob("*") if p.is_file())
    assert after == entries


def test_changed_spec_misses_cache():
    spec = override_spec(load_spec("chest-ct"), shape=[64, 64, 32])
    volume = _block_volume()
    first = preprocess_study(volume, spec)
    narrower = override_spec(spec, intensity={"kind": "window", "min": -1000, "max": 1000})
    second = preprocess_study(volume, narrower)
    assert second.max() == pytest.approx(0.5, abs=1e-4)
    assert first.max() == pytest.approx(1000 / 1200, abs=1e-4)


def test_corrupt_cache_entry_is_rebuilt(caplog):
    spec = override_spec(load_spec("chest-ct"), shape=[48, 48, 24])
    volume = _block_volume()
    expected = np.array(preprocess_study(volume, spec))
    arrays = [p for p in (paths.cache_dir() / "preprocessed").rglob("*.image.npy")]
    newest = max(arrays, key=lambda p: p.stat().st_mtime_ns)
    data = bytearray(newest.read_bytes())
    data[-100:] = b"\x7f" * 100
    newest.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="greenrfm_core.preprocess.cache"):
        rebuilt = preprocess_study(volume, spec)
    assert any("corrupt" in record.message for record in caplog.records)
    np.testing.assert_array_equal(np.asarray(rebuilt), expected)
    np.testing.assert_array_equal(np.asarray(preprocess_study(volume, spec)), expected)

    newest.write_bytes(newest.read_bytes()[:200])
    np.testing.assert_array_equal(np.asarray(preprocess_study(volume, spec)), expected)


def test_full_disk_skips_cache_entry(caplog):
    spec = override_spec(load_spec("chest-ct"), shape=[40, 40, 20])  # a 128 KB array
    volume = _block_volume()
    cache = paths.cache_dir() / "preprocessed"
    before = {p for p in cache.rglob("*") if p.is_file()} if cache.is_dir() else set()
    with file_size_limit(16 * 1024), caplog.at_level(logging.WARNING, logger="greenrfm_core.preprocess.study"):
        result = preprocess_study(volume, spec)
    assert result.shape == (1, 20, 40, 40)
    assert any("could not write preprocessing cache entry" in record.message for record in caplog.records)
    after = {p for p in cache.rglob("*") if p.is_file()}
    assert after == before, f"a failed cache write left {sorted(p.name for p in after - before)}"

    # With space again the entry is written and read back.
    np.testing.assert_array_equal(np.asarray(preprocess_study(volume, spec)), result)
    assert len({p for p in cache.rglob("*") if p.is_file()} - before) == 2


def test_cache_names_hold_no_patient_data(tmp_path):
    summary = generate_cohort("chest-ct", 1, tmp_path / "cohort", seed=5)
    study_dir = summary.out_dir / summary.study_ids[0]
    spec = override_spec(load_spec("chest-ct"), shape=[64, 64, 32])
    first = preprocess_study(study_dir, spec)
    second = preprocess_study(study_dir, spec)
    np.testing.assert_array_equal(np.asarray(second), first)
    names = [p.name for p in (paths.cache_dir() / "preprocessed").rglob("*")]
    for forbidden in ("PHANTOM", "PHC0001", "PH0001", "cohort", "1.2."):
        assert not any(forbidden in name for name in names), forbidden


def test_phantom_marker_stays_left():
    rng = np.random.default_rng(6)
    volume, landmarks = render_chest_ct(ChestPatient.sample(rng), set(), rng, "small")
    spec = override_spec(load_spec("chest-ct"), spacing=[4.0, 4.0, 4.0], shape=[96, 96, 64])
    result = preprocess_volume(volume, spec)
    marker_x, _, marker_z = landmarks["marker_centre"]
    # Output voxel centres: x = (i - 47.5) * 4 mm from the volume centre, which lies at x = 0 mm.
    i = round(marker_x / 4.0 + 47.5)
    k = round((marker_z - volume.spacing[2] * (volume.array.shape[0] - 1) / 2) / 4.0 + 31.5)
    assert i > 48
    assert result[k, :, i].max() == pytest.approx(1.0)
    assert result[k, :, 95 - i].max() < 1.0


def test_mri_study_missing_sequence_zero_channel(caplog):
    spec = override_spec(
        load_spec("knee-mri"),
        shape={"sagittal": [12, 48, 48], "coronal": [48, 12, 48], "axial": [48, 48, 12]},
    )
    study = render_knee_mri({"effusion_baker_cyst"}, np.random.default_rng(1))
    del study["coronal"]["T1"]
    with caplog.at_level(logging.WARNING, logger="greenrfm_core.preprocess.study"):
        result = preprocess_study(study, spec, cache=False)
    assert list(result) == ["sagittal", "coronal", "axial"]
    assert result["sagittal"].shape == (3, 48, 48, 12)
    assert result["coronal"].shape == (3, 48, 12, 48)
    assert result["axial"].shape == (3, 12, 48, 48)
    assert not result["coronal"][2].any()
    assert result["coronal"][0].max() == pytest.approx(1.0)
    assert any("coronal T1" in record.message for record in caplog.records)
    with pytest.raises(TypeError, match="MRI"):
        preprocess_study(study["axial"]["PD"], spec, cache=False)
