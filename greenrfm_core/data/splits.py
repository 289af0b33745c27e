"""Seeded patient-level train/validation splits: all studies of one patient land on the same side."""

from __future__ import annotations

import random
from collections import defaultdict

from greenrfm_core.data.matching import StudyRecord
from greenrfm_core.data.tables import read_csv_rows

SPLIT_VALUES = ("train", "validation")


def patient_split(
    records: list[StudyRecord],
    validation_fraction: float = 0.2,
    seed: int = 0,
) -> tuple[list[StudyRecord], list[StudyRecord]]:
    """Split studies into train and validation sets by patient.

    Patients are shuffled with ``seed`` and assigned to validation until it holds at least
    ``validation_fraction`` of the studies, so the split is reproducible and no patient is on both sides.

    Args:
        records: studies with ``patient_key`` set.
        validation_fraction: target share of studies in validation, in [0, 1). 0 returns no validation set.
        seed: shuffle seed.

    Raises:
        ValueError: the fraction is outside [0, 1).
    """
    if not 0.0 <= validation_fraction < 1.0:
        raise ValueError(f"validation_fraction must be in [0, 1); got {validation_fraction}")
    by_patient: dict[str, list[StudyRecord]] = defaultdict(list)
    for record in records:
        by_patient[record.patient_key].append(record)
    patients = sorted(by_patient)
    random.Random(seed).shuffle(patients)
    target = round(validation_fraction * len(records))
    validation_patients: set[str] = set()
    count = 0
    for patient in patients:
        if count >= target or len(validation_patients) + 1 >= len(patients):
            break
        validation_patients.add(patient)
        count += len(by_patient[patient])
    train = [r for r in records if r.patient_key not in validation_patients]
    validation = [r for r in records if r.patient_key in validation_patients]
    return train, validation


def split_from_file(
    records: list[StudyRecord],
    path,
) -> tuple[list[StudyRecord], list[StudyRecord]]:
    """Split studies as a ``study_id,split`` CSV says (``train`` or ``validation``), as the wizard writes it.

    Studies missing from the file go to training.

    Raises:
        ValueError: a split value is neither ``train`` nor ``validation``, or a column is missing.
    """
    rows = read_csv_rows(path)
    if "study_id" not in rows[0] or "split" not in rows[0]:
        raise ValueError(f"Split file {path} needs the columns study_id and split; found {', '.join(rows[0])}.")
    assignment = {}
    for line_number, row in enumerate(rows, start=2):
        value = (row["split"] or "").strip().lower()
        if value not in SPLIT_VALUES:
            raise ValueError(f"Invalid split {value!r} in {path} line {line_number}; expected train or validation.")
        assignment[(row["study_id"] or "").strip()] = value
    train = [r for r in records if assignment.get(r.study_id, "train") == "train"]
    validation = [r for r in records if assignment.get(r.study_id) == "validation"]
    return train, validation
