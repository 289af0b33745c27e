"""Matching CSV rows to studies on disk by folder name, NIfTI file stem, AccessionNumber or StudyInstanceUID.

The result is a :class:`MatchReport`, which the training wizard shows: matched studies, CSV rows without a
study, studies without a CSV row, and unreadable studies with the reason.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pydicom
from pydicom.errors import InvalidDicomError

logger = logging.getLogger(__name__)

NIFTI_SUFFIXES = (".nii.gz", ".nii")
# Salt for patient keys, so a key cannot be checked against a plain SHA-256 of a guessed PatientID.
PATIENT_KEY_SALT = b"greenrfm-patient-key-v1"


@dataclass
class StudyRecord:
    """One study to train or evaluate on.

    Attributes:
        study_id: the id from the CSV row.
        path: study folder (DICOM) or NIfTI file.
        patient_key: salted hash of the patient, used only for splits; never the identifier in clear.
        labels: shape (n_findings,), 1/0/-1, or ``None`` before labelling.
        report: report text for the text encoder, or ``""``.
    """

    study_id: str
    path: Path
    patient_key: str
    labels: np.ndarray | None = None
    report: str = ""


@dataclass
class MatchReport:
    """Outcome of matching a CSV against a data folder."""

    matched: list[StudyRecord] = field(default_factory=list)
    unmatched_rows: list[str] = field(default_factory=list)
    unmatched_studies: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    def summary(self) -> str:
        """Return a one-line count summary for logs and the terminal."""
        return (
            f"{len(self.matched)} matched, {len(self.unmatched_rows)} CSV rows without a study, "
            f"{len(self.unmatched_studies)} studies without a CSV row, {len(self.unreadable)} unreadable"
        )

    def to_dict(self) -> dict:
        """Return the counts and the lists (study ids and folder names only) as a JSON-ready dict."""
        return {
            "matched": [record.study_id for record in self.matched],
            "unmatched_rows": list(self.unmatched_rows),
            "unmatched_studies": list(self.unmatched_studies),
            "unreadable": [{"study": name, "reason": reason} for name, reason in self.unreadable],
        }


@dataclass
class _Candidate:
    path: Path
    keys: set[str]
    patient_id: str = ""


def hash_patient_key(patient_id: str) -> str:
    """Return a salted SHA-256 key (16 hex digits) for a patient identifier; never store the id in clear."""
    digest = hashlib.sha256(PATIENT_KEY_SALT + patient_id.strip().encode("utf-8")).hexdigest()
    return digest[:16]


def nifti_stem(path: Path) -> str:
    """Return a NIfTI file name without ``.nii`` or ``.nii.gz``."""
    name = path.name
    for suffix in NIFTI_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _first_dicom_header(folder: Path) -> pydicom.Dataset | None:
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        try:
            return pydicom.dcmread(path, stop_before_pixels=True,
                                   specific_tags=["AccessionNumber", "StudyInstanceUID", "PatientID"])
        except (InvalidDicomError, OSError, ValueError):
            continue
    return None


def index_studies(data_dir: str | Path) -> tuple[list[_Candidate], list[tuple[str, str]]]:
    """List candidate studies under ``data_dir``: NIfTI files anywhere, and top-level study folders.

    Returns:
        The candidates with their match keys, and unreadable entries as ``(name, reason)``.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ValueError(f"Data folder not found: {data_dir}")
    candidates: list[_Candidate] = []
    unreadable: list[tuple[str, str]] = []
    nifti_by_folder: dict[Path, list[Path]] = {}
    for path in sorted(data_dir.rglob("*")):
        if path.is_file() and path.name.lower().endswith(NIFTI_SUFFIXES):
            nifti_by_folder.setdefault(path.parent, []).append(path)
    for folder, files in nifti_by_folder.items():
        for path in files:
            keys = {nifti_stem(path), path.name}
            # A study folder holding a single volume (``PH0001/ct.nii.gz``) also matches by folder name.
            if len(files) == 1 and folder != data_dir:
                keys.add(folder.name)
            candidates.append(_Candidate(path, keys))
    for folder in sorted(p for p in data_dir.iterdir() if p.is_dir()):
        if any(parent == folder or parent.is_relative_to(folder) for parent in nifti_by_folder):
            continue
        header = _first_dicom_header(folder)
        if header is None:
            unreadable.append((folder.name, "no readable DICOM or NIfTI file in the folder"))
            continue
        keys = {folder.name}
        for keyword in ("AccessionNumber", "StudyInstanceUID"):
            value = str(header.get(keyword, "") or "").strip()
            if value:
                keys.add(value)
        candidates.append(_Candidate(folder, keys, str(header.get("PatientID", "") or "")))
    return candidates, unreadable


def match_studies(
    data_dir: str | Path,
    study_ids: list[str],
    patient_ids: dict[str, str] | None = None,
) -> MatchReport:
    """Match study ids from a CSV to studies under ``data_dir``.

    Args:
        data_dir: folder of study folders and/or NIfTI files.
        study_ids: ids in CSV order; each matches a folder name, NIfTI file name or stem (CT-RATE's
            ``VolumeName`` keeps the ``.nii.gz``), AccessionNumber or StudyInstanceUID.
        patient_ids: optional patient identifier per study id from a CSV patient column. Without it the
            DICOM PatientID is used, else the study id, so every study is its own patient.

    Returns:
        A :class:`MatchReport` whose records carry no labels or report text yet.
    """
    candidates, unreadable = index_studies(data_dir)
    by_key: dict[str, _Candidate] = {}
    for candidate in candidates:
        for key in candidate.keys:
            by_key.setdefault(key, candidate)
    report = MatchReport(unreadable=unreadable)
    used: set[Path] = set()
    for study_id in study_ids:
        candidate = by_key.get(study_id)
        if candidate is None:
            report.unmatched_rows.append(study_id)
            continue
        if candidate.path in used:
            logger.warning("Study %s matches a study already matched by another CSV row; row skipped",
                           study_id)
            report.unmatched_rows.append(study_id)
            continue
        used.add(candidate.path)
        patient = (patient_ids or {}).get(study_id) or candidate.patient_id or f"study:{study_id}"
        report.matched.append(StudyRecord(study_id, candidate.path, hash_patient_key(patient)))
    report.unmatched_studies = [c.path.name for c in candidates if c.path not in used]
    logger.info("Matched studies in %s: %s", data_dir, report.summary())
    return report
