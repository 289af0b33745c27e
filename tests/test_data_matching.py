"""Tests of study matching, labels CSV reading, CT-RATE names, patient-level splits and the dataset."""

from __future__ import annotations

import numpy as np
import pytest

from greenrfm_core.data import (
    StudyDataset,
    finding_column_map,
    hash_patient_key,
    load_cohort,
    match_studies,
    patient_split,
    read_labels_csv,
)
from greenrfm_core.data.loading import ct_rate_patient
from greenrfm_core.data.matching import StudyRecord
from greenrfm_core.data.splits import split_from_file
from greenrfm_core.io import write_dicom_series, write_nifti
from greenrfm_core.schemas import load_schema
from greenrfm_core.volume import Volume


def _volume(value=0.0):
    return Volume(np.full((4, 8, 8), value, np.float32), (2.0, 2.0, 3.0), modality="CT")


def test_match_by_folder_accession_uid_and_nifti(tmp_path):
    write_dicom_series(_volume(), tmp_path / "folderA", patient={"id": "PAT-1"}, accession_number="ACC77")
    write_dicom_series(_volume(), tmp_path / "folderB", patient={"id": "PAT-1"}, study_uid="1.2.3.4.5")
    write_dicom_series(_volume(), tmp_path / "folderC", patient={"id": "PAT-2"})
    write_nifti(_volume(), tmp_path / "nifti_case.nii.gz")
    write_nifti(_volume(), tmp_path / "PH0009" / "ct.nii.gz")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "notes.txt").write_text("not an image")

    report = match_studies(tmp_path, ["ACC77", "1.2.3.4.5", "folderC", "nifti_case", "PH0009", "missing"])

    matched = {record.study_id: record for record in report.matched}
    assert matched["ACC77"].path.name == "folderA"
    assert matched["1.2.3.4.5"].path.name == "folderB"
    assert matched["folderC"].path.name == "folderC"
    assert matched["nifti_case"].path.name == "nifti_case.nii.gz"
    assert matched["PH0009"].path.name == "ct.nii.gz"
    assert report.unmatched_rows == ["missing"]
    assert report.unreadable == [("broken", "no readable DICOM or NIfTI file in the folder")]
    # Same DICOM PatientID gives the same key, and the key is never the identifier in clear.
    assert matched["ACC77"].patient_key == matched["1.2.3.4.5"].patient_key == hash_patient_key("PAT-1")
    assert matched["folderC"].patient_key != matched["ACC77"].patient_key
    assert "PAT-1" not in matched["ACC77"].patient_key


def test_labels_csv_reads_and_rejects_bad_value(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("study_id,effusion,nodule\ns1,1,-1\ns2,0,\n", encoding="utf-8")
    id_column, labels = read_labels_csv(path, ["effusion", "nodule", "cardiomegaly"])
    assert id_column == "study_id"
    np.testing.assert_array_equal(labels["s1"], [1, -1, -1])
    np.testing.assert_array_equal(labels["s2"], [0, 0, -1])

    path.write_text("study_id,effusion\ns1,yes\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"Invalid label 'yes'.*line 2"):
        read_labels_csv(path, ["effusion"])


def test_ct_rate_names_map_to_schema_ids():
    schema = load_schema("chest-ct")
    columns = ["VolumeName", "Lung nodule", "Pleural effusion", "Arterial wall calcification", "Unknown thing"]
    mapping = finding_column_map(columns, schema)
    assert mapping["Lung nodule"] == "lung_nodule"
    assert mapping["Pleural effusion"] == "pleural_effusion"
    assert mapping["Arterial wall calcification"] == "arterial_wall_calcification"
    assert "Unknown thing" not in mapping
    assert ct_rate_patient("train_12_a_1") == "train_12"
    assert ct_rate_patient("valid_7_b_2") == "valid_7"


def test_ct_rate_cohort_loads_reports_and_patients(tmp_path):
    for name in ("train_1_a_1", "train_1_a_2", "train_2_a_1"):
        write_nifti(_volume(), tmp_path / "volumes" / f"{name}.nii.gz")
    (tmp_path / "reports.csv").write_text(
        "VolumeName,Findings_EN,Impressions_EN\n"
        "train_1_a_1.nii.gz,Pleural effusion on the right.,Effusion.\n"
        "train_1_a_2.nii.gz,Pleural effusion on the right.,Effusion.\n"
        "train_2_a_1.nii.gz,No effusion.,Normal.\n", encoding="utf-8")
    (tmp_path / "labels.csv").write_text(
        "VolumeName,Pleural effusion,Lung nodule\n"
        "train_1_a_1.nii.gz,1,0\ntrain_1_a_2.nii.gz,1,0\ntrain_2_a_1.nii.gz,0,1\n", encoding="utf-8")
    # CT-RATE names include the .nii.gz suffix in VolumeName, so ids must match the stems too.
    schema = load_schema("chest-ct")
    report = load_cohort(tmp_path / "volumes", schema, reports=tmp_path / "reports.csv",
                         labels=tmp_path / "labels.csv")
    assert len(report.matched) == 3
    by_id = {record.study_id: record for record in report.matched}
    first = by_id["train_1_a_1.nii.gz"]
    assert first.labels[schema.finding_ids.index("pleural_effusion")] == 1
    assert "Pleural effusion on the right." in first.report
    assert first.patient_key == by_id["train_1_a_2.nii.gz"].patient_key
    assert first.patient_key != by_id["train_2_a_1.nii.gz"].patient_key


def test_patient_split_keeps_patients_together():
    records = [StudyRecord(f"s{i}", None, f"patient{i // 3}") for i in range(30)]
    train, validation = patient_split(records, 0.3, seed=4)
    train_patients = {r.patient_key for r in train}
    validation_patients = {r.patient_key for r in validation}
    assert not train_patients & validation_patients
    assert len(train) + len(validation) == 30
    assert 6 <= len(validation) <= 12
    again = patient_split(records, 0.3, seed=4)
    assert [r.study_id for r in again[1]] == [r.study_id for r in validation]
    other = patient_split(records, 0.3, seed=5)
    assert [r.study_id for r in other[1]] != [r.study_id for r in validation]


def test_split_file_assigns_studies(tmp_path):
    records = [StudyRecord(f"s{i}", None, f"p{i}") for i in range(4)]
    path = tmp_path / "split.csv"
    path.write_text("study_id,split\ns0,train\ns1,validation\ns3,validation\n", encoding="utf-8")
    train, validation = split_from_file(records, path)
    assert [r.study_id for r in train] == ["s0", "s2"]
    assert [r.study_id for r in validation] == ["s1", "s3"]
    path.write_text("study_id,split\ns0,test\n", encoding="utf-8")
    with pytest.raises(ValueError, match="Invalid split 'test'"):
        split_from_file(records, path)


def test_dataset_augmentation_repeats_per_epoch():
    record = StudyRecord("s0", None, "p0", labels=np.array([1, 0, -1], np.float32), report="text")
    array = np.random.default_rng(0).random((1, 8, 8, 8), dtype=np.float32)
    dataset = StudyDataset([record], [array], spec={}, augment=True, seed=3)
    first = dataset[0]["image"]
    assert first.shape == (1, 8, 8, 8)
    assert dataset[0]["image"].equal(first)
    dataset.set_epoch(1)
    assert not dataset[0]["image"].equal(first)
    text_only = StudyDataset([record], [array], spec={}, with_images=False)
    assert "image" not in text_only[0]
    assert text_only[0]["labels"].tolist() == [1.0, 0.0, -1.0]
