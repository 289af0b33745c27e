"""Small synthetic chest CT cohort as NIfTI files, for the fast training-loop tests.

Each volume is an ellipsoid body (40 HU) in air (-1000 HU). A study positive for ``pleural_effusion`` gets a
dense (300 HU) block in the lower right. A study positive for ``lung_nodule`` gets a bright sphere near the top.
The labels CSV marks the other chest-ct findings 0, and reports state the two findings in words.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from greenrfm_core.io import write_nifti
from greenrfm_core.schemas import load_schema
from greenrfm_core.volume import Volume

SHAPE_ZYX = (16, 32, 32)
SPACING_XYZ = (6.0, 6.0, 12.0)
FINDINGS = ("pleural_effusion", "lung_nodule")


def make_nifti_cohort(folder: Path, n: int = 12, seed: int = 0, patients_per_two: bool = False) -> dict:
    """Write ``n`` NIfTI studies, a labels CSV and a reports CSV under ``folder``.

    Returns:
        Paths: ``data``, ``labels``, ``reports``, and ``study_ids``.
    """
    rng = np.random.default_rng(seed)
    data = folder / "studies"
    data.mkdir(parents=True, exist_ok=True)
    finding_ids = load_schema("chest-ct").finding_ids
    z, y, x = np.meshgrid(*(np.arange(s) for s in SHAPE_ZYX), indexing="ij")
    body = ((z - 8) / 8.5) ** 2 + ((y - 16) / 13) ** 2 + ((x - 16) / 14) ** 2 <= 1
    rows, reports = [], []
    for index in range(n):
        study_id = f"study{index:03d}"
        array = np.full(SHAPE_ZYX, -1000.0, np.float32)
        array[body] = 40.0
        array += rng.normal(0, 20, SHAPE_ZYX).astype(np.float32)
        effusion = index % 2
        nodule = (index // 2) % 2
        if effusion:
            array[2:8, 18:28, 4:14] = 300.0
        if nodule:
            array[((z - 11) ** 2 + (y - 10) ** 2 + (x - 20) ** 2) <= 9] = 600.0
        write_nifti(Volume(array, SPACING_XYZ, modality="CT"), data / f"{study_id}.nii.gz")
        labels = {finding: 0 for finding in finding_ids}
        labels["pleural_effusion"] = effusion
        labels["lung_nodule"] = nodule
        rows.append({"study_id": study_id, **labels})
        words = [
            "Right pleural effusion is present." if effusion else "No pleural effusion.",
            "A lung nodule is seen in the upper lobe." if nodule else "No lung nodule.",
        ]
        patient = f"P{index // 2 if patients_per_two else index:03d}"
        reports.append({"study_id": study_id, "patient_id": patient, "findings": " ".join(words),
                        "impression": words[0]})
    labels_path = folder / "labels.csv"
    with labels_path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=["study_id", *finding_ids])
        writer.writeheader()
        writer.writerows(rows)
    reports_path = folder / "reports.csv"
    with reports_path.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=["study_id", "patient_id", "findings", "impression"])
        writer.writeheader()
        writer.writerows(reports)
    return {"data": data, "labels": labels_path, "reports": reports_path,
            "study_ids": [row["study_id"] for row in rows]}
