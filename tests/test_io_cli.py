"""Scanning pydicom's dicomdirtests tree, series selection rules, and the scan and convert commands."""

from __future__ import annotations

import json
import os
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from pydicom.data import get_testdata_file

from greenrfm_core.cli import main
from greenrfm_core.io import exclusion_reason, scan, select_series, sequence_label, write_dicom_series
from greenrfm_core.volume import Volume


@pytest.fixture(scope="module")
def dicomdir_tree() -> Path:
    return Path(os.path.dirname(get_testdata_file("DICOMDIR", download=False)))


@pytest.fixture(scope="module")
def dicomdir_scan(dicomdir_tree):
    return scan(dicomdir_tree)


def _study(result, description):
    matches = [s for s in result.studies if s.attributes["study_description"] == description]
    assert len(matches) == 1, [s.attributes["study_description"] for s in result.studies]
    return matches[0]


def test_dicomdir_tree_studies(dicomdir_scan):
    assert len(dicomdir_scan.studies) == 7
    patients = {study.display["patient_id"] for study in dicomdir_scan.studies}
    assert patients == {"77654033", "98890234", "12345678"}
    assert dicomdir_scan.non_dicom_files == 2  # the two README files
    assert len(dicomdir_scan.all_series) == 14


def test_dicomdir_tree_series_facts(dicomdir_scan):
    head_ct = _study(dicomdir_scan, "CT, HEAD/BRAIN WO CONTRAST")
    (brain,) = head_ct.series
    assert brain.description == "Routine Brain"
    assert brain.number_of_instances == 4
    assert brain.orientation == "axial"
    assert brain.slice_spacing == pytest.approx(1.25, abs=1e-3)
    assert any("202.5 mm gap" in w for w in brain.warnings)

    spine = _study(dicomdir_scan, "XR C Spine Comp Min 4 Views")
    assert [s.modality for s in spine.series] == ["CR", "CR", "CR"]
    assert all(exclusion_reason(s).startswith("not a CT or MR image") for s in spine.series)


def test_dicomdir_tree_selection(dicomdir_scan):
    calcium = next(s for s in dicomdir_scan.studies if "1194734704" in s.study_uid)
    reasons = {s.description: exclusion_reason(s) for s in calcium.series}
    assert reasons == {"Scout": "localizer", "SmartScore - Gated 0.5 sec": ""}
    assert [s.description for s in select_series(calcium)] == ["SmartScore - Gated 0.5 sec"]
    brain_mr = _study(dicomdir_scan, "Brain")
    assert select_series(brain_mr) == []
    assert {exclusion_reason(s) for s in brain_mr.series} == {"localizer"}


def _series(description, image_type=("ORIGINAL", "PRIMARY", "AXIAL"), slices=20, **attributes):
    from greenrfm_core.io.scan import SeriesInfo

    class _Slice:
        pass

    header = _Slice()
    header.image_type = image_type
    header.slice_thickness = 1.0
    series = SeriesInfo(
        key=description,
        series_uid=description,
        study_uid="1",
        modality=attributes.pop("modality", "MR"),
        sop_class_uid=attributes.pop("sop_class", "1.2.840.10008.5.1.4.1.1.4"),
        slices=[header] * slices,
        attributes={"series_description": description, **attributes},
        plane=attributes.get("plane", "sagittal"),
        orientation="sagittal",
    )
    return series


@pytest.mark.parametrize(
    ("description", "attributes", "label"),
    [
        ("SAG PD FS", {}, "PD-FS"),
        ("COR T1 TSE", {}, "T1"),
        ("AX T2 FLAIR", {}, "FLAIR"),
        ("sag stir", {}, "STIR"),
        ("AX DWI b1000", {}, "DWI"),
        ("series 5", {"repetition_time": 450.0, "echo_time": 12.0}, "T1"),
        ("series 6", {"repetition_time": 4000.0, "echo_time": 90.0}, "T2"),
        ("series 7", {"repetition_time": 3000.0, "echo_time": 30.0}, "PD"),
        ("series 8", {"repetition_time": 9000.0, "echo_time": 120.0, "inversion_time": 2500.0}, "FLAIR"),
        ("series 9", {}, "other"),
    ],
)
def test_sequence_label_rules(description, attributes, label):
    assert sequence_label(_series(description, **attributes)) == label


@pytest.mark.parametrize(
    ("series", "reason"),
    [
        (_series("Dose Report", modality="CT", sop_class="1.2.840.10008.5.1.4.1.1.2"), "dose report"),
        (_series("Topogram 0.6 T20f", modality="CT", sop_class="1.2.840.10008.5.1.4.1.1.2"), "localizer"),
        (_series("AX", image_type=("ORIGINAL", "PRIMARY", "LOCALIZER")), "localizer"),
        (_series("Screen save", sop_class="1.2.840.10008.5.1.4.1.1.7"), "secondary capture"),
        (_series("Report", sop_class="1.2.840.10008.5.1.4.1.1.88.67"), "structured report"),
        (_series("SAG T2", slices=1), "only 1 slice(s)"),
        (_series("SAG T2"), ""),
    ],
)
def test_exclusion_rules(series, reason):
    assert exclusion_reason(series) == reason


def test_scan_command_hides_patient(dicomdir_tree, capsys):
    assert main(["scan", str(dicomdir_tree)]) == 0
    output = capsys.readouterr().out
    assert "7 studies" in output
    assert "SmartScore - Gated 0.5 sec" in output
    assert "*    5 CT  axial" in output
    assert "77654033" not in output
    assert "Patient:" not in output

    assert main(["scan", str(dicomdir_tree), "--show-patient"]) == 0
    assert "77654033" in capsys.readouterr().out


def test_scan_command_json(dicomdir_tree, capsys):
    assert main(["scan", str(dicomdir_tree), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["studies"]) == 7
    selected = [s["description"] for study in report["studies"] for s in study["series"] if s["selected"]]
    assert selected == ["SmartScore - Gated 0.5 sec"]
    assert all("patient" not in study for study in report["studies"])


def _marker_volume() -> Volume:
    array = np.full((10, 16, 20), -1000.0, dtype=np.float32)
    array[3:6, 6:10, 15:19] = 700.0  # patient left (high i)
    return Volume(array, (1.0, 1.0, 2.5), (-9.5, -7.5, 50.0), modality="CT")


def test_convert_writes_ras_nifti(tmp_path, capsys):
    write_dicom_series(_marker_volume(), tmp_path / "study", patient={"name": "Li^Na", "id": "ID-77"})
    out = tmp_path / "out" / "study.nii.gz"
    assert main(["convert", str(tmp_path / "study"), "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "wrote" in captured.out
    assert "Li^Na" not in captured.out + captured.err
    image = nib.load(out)
    data = np.asanyarray(image.dataobj)
    assert data.shape == (20, 16, 10)
    marker = np.argwhere(data == 700.0).mean(axis=0)
    world = image.affine @ np.append(marker, 1.0)
    assert world[0] < 0  # RAS: patient left is negative x
    assert nib.aff2axcodes(image.affine) == ("L", "P", "S")  # index axes run to Left, Posterior, Superior
    assert image.header.get_sform(coded=True)[1] == 1


def test_convert_named_series_and_errors(tmp_path, capsys):
    volume = _marker_volume()
    write_dicom_series(volume, tmp_path / "study", series_uid="1.2.3.4", series_description="wanted")
    paths = write_dicom_series(volume, tmp_path / "study", series_uid="1.2.3.5", series_description="other")
    for path in paths[3:7]:
        path.unlink()
    out = tmp_path / "named.nii"
    assert main(["convert", str(tmp_path / "study"), "--out", str(out), "--series", "1.2.3.4"]) == 0
    assert out.exists()
    capsys.readouterr()

    assert main(["convert", str(tmp_path / "study"), "--out", str(out), "--series", "1.2.3.5"]) == 1
    error = capsys.readouterr().err
    assert "gap between slices" in error
    assert "export it again" in error

    assert main(["convert", str(tmp_path / "study"), "--out", str(out), "--series", "9.9"]) == 1
    assert "series 9.9 not found" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "missing"), "--out", str(out)]) == 2
    assert main(["convert", str(tmp_path / "study"), "--out", str(tmp_path / "x.mha")]) == 2


@pytest.mark.parametrize("with_text_file", [False, True])
def test_scan_without_dicom_exits_1(tmp_path, capsys, with_text_file):
    if with_text_file:
        (tmp_path / "notes.txt").write_text("no images here\n", encoding="utf-8")
    assert main(["scan", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"no DICOM study found in {tmp_path}" in err
    assert "DICOMDIR" in err
