"""Generate a phantom cohort: one folder per study plus reports.csv, labels.csv and patients.csv.

Output layout under ``out``::

    PH0001/ ...               DICOM files (random names, one flat folder per study) or NIfTI files
    reports.csv               study_id,report (free text, English or Chinese)
    labels.csv                study_id + one column per finding: 1 present, -1 hedged in the report, 0 absent
    patients.csv              study_id,patient_id,sex,age (about one patient in ten has a second study)
    rendered_findings.csv     study_id + one column per finding: 1 where the finding was drawn (hedged too)

The same ``seed`` gives the same pixels, labels and reports. DICOM UIDs are random, as the writer makes them.
"""

from __future__ import annotations

import csv
import io as text_io
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from greenrfm_core.io import write_dicom_series, write_nifti
from greenrfm_core.phantom.chest import render_chest_ct
from greenrfm_core.phantom.chest_anatomy import ChestPatient
from greenrfm_core.phantom.chest_findings import CHEST_FINDINGS
from greenrfm_core.phantom.knee import KNEE_FINDINGS, render_knee_mri
from greenrfm_core.phantom.reports import write_report
from greenrfm_core.volume import Volume

logger = logging.getLogger(__name__)

TASKS = {"chest-ct": CHEST_FINDINGS, "knee-mri": KNEE_FINDINGS}
PLANE_CODES = {"sagittal": "SAG", "coronal": "COR", "axial": "AX"}
SEQUENCE_NAMES = {"PD": "PD", "PD-FS": "PD FS", "T1": "T1"}


@dataclass
class CohortSummary:
    """Output folder, study ids and drawn-finding prevalence of a cohort from :func:`generate_cohort`."""

    out_dir: Path
    study_ids: list[str]
    prevalence: dict[str, float]


def to_acquisition_frame(volume: Volume, plane: str) -> Volume:
    """Re-express a canonical volume in the frame a scanner stores for ``plane`` (rows, columns, slices).

    Sagittal images have columns towards Posterior and rows towards Inferior, with slices along x. Coronal
    images have columns towards Left and rows towards Inferior, with slices along y. Axial volumes are
    returned unchanged. The voxels keep their world positions, so a loader that reorients to LPS gets the
    canonical volume back.
    """
    if plane == "axial":
        return volume
    array = volume.array
    sx, sy, sz = volume.spacing
    ox, oy, oz = volume.origin
    top = oz + (array.shape[0] - 1) * sz
    if plane == "sagittal":
        native = np.ascontiguousarray(array.transpose(2, 0, 1)[:, ::-1, :])
        direction = np.array([[0, 0, 1], [1, 0, 0], [0, -1, 0]], dtype=float)
        spacing = (sy, sz, sx)
    elif plane == "coronal":
        native = np.ascontiguousarray(array.transpose(1, 0, 2)[:, ::-1, :])
        direction = np.array([[1, 0, 0], [0, 0, 1], [0, -1, 0]], dtype=float)
        spacing = (sx, sz, sy)
    else:
        raise ValueError(f"plane must be sagittal, coronal or axial; got {plane!r}")
    return Volume(
        native,
        spacing=spacing,
        origin=(ox, oy, top),
        direction=direction,
        modality=volume.modality,
        metadata=dict(volume.metadata),
    )


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    buffer = text_io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    handle, temp_name = tempfile.mkstemp(prefix=".tmp-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(buffer.getvalue())
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _uid(seed: int, *parts) -> str:
    from pydicom.uid import generate_uid

    return generate_uid(entropy_srcs=["greenrfm-phantom", str(seed), *map(str, parts)])


def _draw_findings(
    task: str, rng: np.random.Generator, prevalence: float, hedge_rate: float
) -> dict[str, int]:
    ids = TASKS[task]
    labels = {finding: 0 for finding in ids}
    candidates = [finding for finding in ids if finding != "normal"]
    if task == "knee-mri" and rng.random() < prevalence:
        labels["normal"] = 1
        return labels
    for finding in candidates:
        if rng.random() < prevalence:
            labels[finding] = -1 if rng.random() < hedge_rate else 1
    if task == "knee-mri" and not any(labels.values()):
        labels[candidates[int(rng.integers(len(candidates)))]] = 1
    return labels


def _write_study(task, images, study_dir, study_id, patient, fmt, seed, study_date, name_rng) -> None:
    study_uid = _uid(seed, study_id, "study")
    if fmt == "nifti":
        for name, volume in images.items():
            write_nifti(volume, study_dir / f"{name}.nii.gz")
        return
    for number, (name, volume) in enumerate(images.items(), start=1):
        plane = volume.metadata.get("plane", "axial")
        stored = to_acquisition_frame(volume, plane)
        names = [f"{name_rng.integers(0, 2**63):016x}.dcm" for _ in range(stored.array.shape[0])]
        write_dicom_series(
            stored,
            study_dir,
            modality=volume.modality,
            patient=patient,
            study_uid=study_uid,
            series_uid=_uid(seed, study_id, name),
            series_description=volume.metadata["series_description"],
            series_number=number,
            study_description=f"Phantom {task}",
            accession_number=study_id,
            study_date=study_date,
            file_names=lambda index, names=names: names[index],
            extra={"ProtocolName": volume.metadata["series_description"]},
        )


def generate_cohort(
    task: str,
    n: int,
    out_dir: str | os.PathLike,
    *,
    fmt: str = "dicom",
    language: str = "en",
    size: str = "small",
    seed: int = 0,
    prevalence: float = 0.3,
    hedge_rate: float = 0.1,
    repeat_rate: float = 0.1,
) -> CohortSummary:
    """Render ``n`` phantom studies with reports and ground-truth labels.

    Args:
        task: ``"chest-ct"`` or ``"knee-mri"``.
        n: number of studies (>= 1).
        out_dir: output folder, created if missing; existing study folders with the same ids are added to.
        fmt: ``"dicom"`` or ``"nifti"``.
        language: report language, ``"en"`` or ``"zh"``.
        size: ``"small"`` or ``"full"`` image grid.
        seed: random seed; the same seed gives the same images, labels and reports.
        prevalence: probability in [0, 1] that each finding is present (for knee MRI, also of a normal study).
        hedge_rate: fraction of present findings that the report hedges (label -1).
        repeat_rate: probability that a study belongs to an earlier patient (follow-up scan).

    Returns:
        A :class:`CohortSummary` with the study ids and the observed prevalence of each finding.
    """
    if task not in TASKS:
        raise ValueError(f"task must be one of {sorted(TASKS)}; got {task!r}")
    if fmt not in ("dicom", "nifti"):
        raise ValueError(f"format must be 'dicom' or 'nifti'; got {fmt!r}")
    if n < 1:
        raise ValueError(f"number of studies must be at least 1; got {n}")
    if not 0.0 <= prevalence <= 1.0:
        raise ValueError(f"prevalence must lie in [0, 1]; got {prevalence}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    name_rng = np.random.default_rng([seed, 1])
    findings_ids = list(TASKS[task])
    code = "CHEST" if task == "chest-ct" else "KNEE"

    patients: list[dict] = []
    report_rows, label_rows, patient_rows, rendered_rows, study_ids = [], [], [], [], []
    for index in range(n):
        study_id = f"PH{index + 1:04d}"
        if patients and rng.random() < repeat_rate:
            patient = patients[int(rng.integers(len(patients)))]
        else:
            number = len(patients) + 1
            patient = {
                "name": f"PHANTOM^{code}^{number:04d}",
                "id": f"PH{code[0]}{number:04d}",
                "sex": str(rng.choice(["M", "F"])),
                "age": int(rng.integers(25, 85)),
                "body": ChestPatient.sample(rng) if task == "chest-ct" else None,
            }
            patients.append(patient)
        labels = _draw_findings(task, rng, prevalence, hedge_rate)
        drawn = {finding for finding, value in labels.items() if value != 0 and finding != "normal"}
        if task == "chest-ct":
            volume, _ = render_chest_ct(patient["body"], drawn, rng, size)
            images = {"ct": volume}
        else:
            study = render_knee_mri(drawn, rng, size)
            images = {
                f"{PLANE_CODES[p].lower()}_{s.lower().replace('-', '_')}": v
                for p, by_seq in study.items()
                for s, v in by_seq.items()
            }
            for volume in images.values():
                volume.metadata["series_description"] = (
                    f"{PLANE_CODES[volume.metadata['plane']]} {SEQUENCE_NAMES[volume.metadata['sequence']]}"
                )
        report = write_report(labels, rng, language)

        study_dir = out_dir / study_id
        study_dir.mkdir(parents=True, exist_ok=True)
        study_date = f"2024{1 + index % 12:02d}{1 + index % 28:02d}"
        dicom_patient = {
            "name": patient["name"],
            "id": patient["id"],
            "sex": patient["sex"],
            "birth_date": f"{2024 - patient['age']}0101",
        }
        _write_study(task, images, study_dir, study_id, dicom_patient, fmt, seed, study_date, name_rng)

        study_ids.append(study_id)
        report_rows.append([study_id, report])
        label_rows.append([study_id] + [labels[f] for f in findings_ids])
        rendered_rows.append(
            [study_id] + [int(f in drawn or (f == "normal" and labels[f] == 1)) for f in findings_ids]
        )
        patient_rows.append([study_id, patient["id"], patient["sex"], patient["age"]])
        logger.info("wrote phantom study %s (%d/%d)", study_id, index + 1, n)

    _write_csv(out_dir / "reports.csv", ["study_id", "report"], report_rows)
    _write_csv(out_dir / "labels.csv", ["study_id", *findings_ids], label_rows)
    _write_csv(out_dir / "patients.csv", ["study_id", "patient_id", "sex", "age"], patient_rows)
    _write_csv(out_dir / "rendered_findings.csv", ["study_id", *findings_ids], rendered_rows)
    rendered = np.array([row[1:] for row in rendered_rows], dtype=float)
    prevalence_seen = dict(zip(findings_ids, rendered.mean(axis=0).round(3).tolist()))
    return CohortSummary(out_dir=out_dir, study_ids=study_ids, prevalence=prevalence_seen)
