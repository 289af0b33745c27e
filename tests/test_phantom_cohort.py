"""Phantom cohorts: DICOM output through the real loader, anatomy, labels versus rendering, reports, seeds."""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest

from greenrfm_core.cli import main as cli_main
from greenrfm_core.io import load_mri_study, load_study, read_nifti
from greenrfm_core.phantom import (
    CHEST_FINDINGS,
    KNEE_FINDINGS,
    ChestPatient,
    generate_cohort,
    render_chest_ct,
    render_knee_mri,
    write_report,
)

HEDGES_EN = re.compile(r"Possible|cannot be excluded|Questionable|Suspicious for")
HEDGES_ZH = re.compile(r"可疑|可能|不除外")
NEGATIONS_EN = re.compile(r"\bNo\b|not seen")
NEGATIONS_ZH = re.compile(r"未见|无")


def _read_csv(path):
    with open(path, encoding="utf-8", newline="") as stream:
        return list(csv.DictReader(stream))


@pytest.fixture(scope="module")
def chest_cohort(tmp_path_factory):
    out = tmp_path_factory.mktemp("chest")
    return generate_cohort(
        "chest-ct", 4, out, fmt="dicom", language="en", seed=11, prevalence=0.4, hedge_rate=0.3
    )


def _world_to_index(volume, point):
    ijk = np.linalg.solve(
        volume.direction @ np.diag(volume.spacing), np.asarray(point) - np.asarray(volume.origin)
    )
    return tuple(round(v) for v in ijk[::-1])


def test_dicom_study_loads_with_ct_values(chest_cohort):
    volume = load_study(chest_cohort.out_dir / "PH0001")
    assert volume.modality == "CT"
    assert volume.array.shape == (64, 128, 128)
    assert volume.spacing == pytest.approx((2.8, 2.8, 4.0))
    air = volume.array[:, :6, :6]
    assert float(air.mean()) == pytest.approx(-1000, abs=5)


def test_cohort_csv_files(chest_cohort):
    out = chest_cohort.out_dir
    labels = _read_csv(out / "labels.csv")
    assert list(labels[0]) == ["study_id", *CHEST_FINDINGS]
    assert [row["study_id"] for row in labels] == ["PH0001", "PH0002", "PH0003", "PH0004"]
    assert {value for row in labels for key, value in row.items() if key != "study_id"} <= {"1", "0", "-1"}
    patients = _read_csv(out / "patients.csv")
    assert all(row["patient_id"].startswith("PHC") for row in patients)
    reports = {row["study_id"]: row["report"] for row in _read_csv(out / "reports.csv")}
    assert set(reports) == {row["study_id"] for row in labels}
    for row in labels:
        hedged = [key for key, value in row.items() if value == "-1"]
        if hedged:
            assert HEDGES_EN.search(reports[row["study_id"]]), reports[row["study_id"]]


def test_marker_on_patient_left(chest_cohort):
    volume = load_study(chest_cohort.out_dir / "PH0002")
    nz, _, nx = volume.array.shape
    # The marker is the densest block in the lateral body wall at mid height.
    slab = volume.array[int(0.45 * nz) : int(0.65 * nz)]
    left = slab[:, :, int(0.75 * nx) :].max()
    right = slab[:, :, : int(0.25 * nx)].max()
    assert left > 800
    assert right < 800


def test_marker_landmark_matches_voxels():
    rng = np.random.default_rng(3)
    volume, landmarks = render_chest_ct(ChestPatient.sample(rng), set(), rng, "small")
    k, j, i = _world_to_index(volume, landmarks["marker_centre"])
    assert volume.array[k, j, i] > 800
    assert i > volume.array.shape[2] / 2
    mirrored = volume.array.shape[2] - 1 - i
    assert volume.array[k, j, mirrored] < 800


def _posterior_base_fluid_fraction(volume, healthy, landmarks):
    """Fraction of the healthy lung's posterior-basal parenchyma (-950..-700 HU) that reads as fluid."""
    nz = volume.array.shape[0]
    y = (np.arange(volume.array.shape[1]) * volume.spacing[1] + volume.origin[1])[None, :, None]
    lung_centre_y = landmarks["lung_centres"][1][1]
    region = (
        (healthy > -950) & (healthy < -700) & (y > lung_centre_y) & (np.arange(nz)[:, None, None] < 0.4 * nz)
    )
    values = volume.array[region]
    return float(((values > -30) & (values < 60)).mean())


def test_pleural_effusion_rendered_posterior_base():
    patient = ChestPatient.sample(np.random.default_rng(7))
    healthy, landmarks = render_chest_ct(patient, set(), np.random.default_rng(8), "small")
    effusion, effusion_landmarks = render_chest_ct(
        patient, {"pleural_effusion"}, np.random.default_rng(8), "small"
    )
    assert effusion_landmarks["pleural_effusion_sides"]
    assert _posterior_base_fluid_fraction(effusion, healthy.array, landmarks) > 0.1
    assert _posterior_base_fluid_fraction(healthy, healthy.array, landmarks) < 0.01
    fluid = effusion.array[(effusion.array > -30) & (effusion.array < 60) & (healthy.array < -600)]
    assert float(fluid.mean()) == pytest.approx(12, abs=8)


def test_cardiomegaly_enlarges_heart():
    patient = ChestPatient.sample(np.random.default_rng(2))
    normal, _ = render_chest_ct(patient, set(), np.random.default_rng(4), "small")
    enlarged, _ = render_chest_ct(patient, {"cardiomegaly"}, np.random.default_rng(4), "small")
    lung_before = (normal.array > -950) & (normal.array < -700)
    heart_after = (enlarged.array > -20) & (enlarged.array < 100)
    # The enlarged heart pushes into the lungs, mostly the left one (higher x index).
    lung_taken_by_heart = lung_before & heart_after
    assert lung_taken_by_heart.sum() > 1000
    assert lung_taken_by_heart[:, :, 64:].sum() > lung_taken_by_heart[:, :, :64].sum()


def test_every_chest_finding_changes_image():
    patient = ChestPatient.sample(np.random.default_rng(9))
    baseline, _ = render_chest_ct(patient, set(), np.random.default_rng(1), "small")
    for finding in CHEST_FINDINGS:
        image, _ = render_chest_ct(patient, {finding}, np.random.default_rng(1), "small")
        changed = np.abs(image.array - baseline.array) > 100
        assert changed.sum() > 40, finding


def test_reports_negate_and_hedge_in_both_languages():
    labels = {finding: 0 for finding in CHEST_FINDINGS}
    labels.update(pleural_effusion=1, lung_nodule=-1)
    english = write_report(labels, np.random.default_rng(0), "en")
    chinese = write_report(labels, np.random.default_rng(0), "zh")
    assert HEDGES_EN.search(english)
    assert NEGATIONS_EN.search(english)
    assert re.search("pleural (effusion|fluid)", english)
    assert HEDGES_ZH.search(chinese)
    assert NEGATIONS_ZH.search(chinese)
    assert re.search("胸腔积液|胸水", chinese)
    with pytest.raises(ValueError, match="language"):
        write_report(labels, np.random.default_rng(0), "fr")


def test_same_seed_same_cohort(tmp_path):
    first = generate_cohort("chest-ct", 2, tmp_path / "a", fmt="nifti", language="zh", seed=21)
    second = generate_cohort("chest-ct", 2, tmp_path / "b", fmt="nifti", language="zh", seed=21)
    other = generate_cohort("chest-ct", 1, tmp_path / "c", fmt="nifti", language="zh", seed=22)
    for name in ("labels.csv", "reports.csv", "patients.csv"):
        assert (first.out_dir / name).read_bytes() == (second.out_dir / name).read_bytes()
    image_a = read_nifti(first.out_dir / "PH0001" / "ct.nii.gz").array
    image_b = read_nifti(second.out_dir / "PH0001" / "ct.nii.gz").array
    image_c = read_nifti(other.out_dir / "PH0001" / "ct.nii.gz").array
    np.testing.assert_array_equal(image_a, image_b)
    assert not np.array_equal(image_a, image_c)
    assert "检查所见" in (first.out_dir / "reports.csv").read_text(encoding="utf-8")


def test_knee_dicom_planes_and_sequences(tmp_path):
    summary = generate_cohort("knee-mri", 1, tmp_path, seed=4)
    study = load_mri_study(summary.out_dir / "PH0001")
    assert set(study) == {"sagittal", "coronal", "axial"}
    for plane, by_sequence in study.items():
        assert set(by_sequence) == {"PD", "PD-FS", "T1"}, plane
    rendered = render_knee_mri(set(), np.random.default_rng(0))
    assert study["sagittal"]["PD"].array.shape == rendered["sagittal"]["PD"].array.shape


def test_knee_effusion_is_bright_on_fat_saturated():
    normal = render_knee_mri({"normal"}, np.random.default_rng(5))
    effusion = render_knee_mri({"effusion_baker_cyst"}, np.random.default_rng(5))
    bright_normal = (normal["sagittal"]["PD-FS"].array > 800).sum()
    bright_effusion = (effusion["sagittal"]["PD-FS"].array > 800).sum()
    assert bright_effusion > 3 * max(bright_normal, 1)
    assert "normal" in KNEE_FINDINGS


def test_cli_writes_cohort(tmp_path, capsys):
    code = cli_main(
        [
            "phantom",
            "--task",
            "knee-mri",
            "--n",
            "1",
            "--out",
            str(tmp_path),
            "--format",
            "nifti",
            "--lang",
            "zh",
            "--seed",
            "2",
            "--prevalence",
            "0.5",
        ]
    )
    assert code == 0
    assert "wrote 1 knee-mri studies" in capsys.readouterr().out
    assert len(list((tmp_path / "PH0001").glob("*.nii.gz"))) == 9
    labels = _read_csv(tmp_path / "labels.csv")
    assert list(labels[0]) == ["study_id", *KNEE_FINDINGS]


def test_invalid_arguments_rejected(tmp_path):
    with pytest.raises(ValueError, match="task"):
        generate_cohort("brain-ct", 1, tmp_path)
    with pytest.raises(ValueError, match="prevalence"):
        generate_cohort("chest-ct", 1, tmp_path, prevalence=1.5)
    with pytest.raises(ValueError, match="unknown chest CT findings"):
        render_chest_ct(ChestPatient.sample(np.random.default_rng(0)), {"fracture"}, np.random.default_rng(0))
