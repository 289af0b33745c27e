"""Building a labelled cohort from a data folder and a reports or labels CSV (generic or CT-RATE layout).

Generic layout: a folder of study folders (DICOM) or NIfTI files, and a CSV whose id column matches folder
names, NIfTI file stems, AccessionNumber or StudyInstanceUID.

CT-RATE layout: NIfTI volumes named by ``VolumeName`` (``train_12_a_1.nii.gz``: patient 12, scan a,
reconstruction 1), reports in ``Findings_EN`` and ``Impressions_EN``, and a labels CSV whose columns are
finding names (``Lung nodule``) that map onto schema ids (``lung_nodule``).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np

from greenrfm_core.data.matching import MatchReport, match_studies
from greenrfm_core.data.tables import (
    PATIENT_COLUMN_CANDIDATES,
    detect_column,
    read_csv_rows,
    read_labels_csv,
)

logger = logging.getLogger(__name__)

CT_RATE_ID_COLUMN = "VolumeName"
CT_RATE_TEXT_COLUMNS = ("Findings_EN", "Impressions_EN")
_CT_RATE_PATIENT = re.compile(r"^((?:train|valid|test)_\d+)_")


def normalise_name(text: str) -> str:
    """Return ``text`` lower-cased with runs of non-alphanumerics turned into ``_`` (``Lung nodule`` -> ``lung_nodule``)."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def finding_column_map(columns: list[str], schema) -> dict[str, str]:
    """Map CSV columns to schema finding ids by id, English name or English synonym after normalising.

    Returns:
        CSV column name -> finding id for each column that matches.
    """
    lookup: dict[str, str] = {}
    for finding in schema.findings:
        lookup.setdefault(normalise_name(finding.id), finding.id)
        lookup.setdefault(normalise_name(finding.name.get("en", "")), finding.id)
        for synonym in finding.synonyms.get("en", ()):
            lookup.setdefault(normalise_name(synonym), finding.id)
    mapping = {}
    for column in columns:
        finding_id = lookup.get(normalise_name(column))
        if finding_id and finding_id not in mapping.values():
            mapping[column] = finding_id
    return mapping


def is_ct_rate_table(path: str | Path) -> bool:
    """Return whether a CSV has CT-RATE's ``VolumeName`` column."""
    return CT_RATE_ID_COLUMN in read_csv_rows(path)[0]


def ct_rate_patient(volume_name: str) -> str:
    """Return the CT-RATE patient of a volume name (``train_12_a_1`` -> ``train_12``), else the name itself."""
    match = _CT_RATE_PATIENT.match(volume_name)
    return match.group(1) if match else volume_name


def read_report_texts(path: str | Path) -> tuple[dict[str, str], dict[str, str]]:
    """Read report texts keyed by study id, and patient ids from a patient column when the CSV has one.

    CT-RATE tables join ``Findings_EN`` and ``Impressions_EN``; other tables go through
    :func:`greenrfm_core.labels.read_reports`, which detects encodings and columns.
    """
    rows = read_csv_rows(path) if str(path).lower().endswith(".csv") else []
    if rows and CT_RATE_ID_COLUMN in rows[0]:
        texts = {}
        for row in rows:
            parts = [(row.get(column) or "").strip() for column in CT_RATE_TEXT_COLUMNS]
            texts[row[CT_RATE_ID_COLUMN].strip()] = "\n".join(part for part in parts if part)
        return texts, {name: ct_rate_patient(name) for name in texts}
    from greenrfm_core.labels.reading import read_reports

    table = read_reports(path)
    patients = {}
    if rows:
        try:
            patient_column = detect_column(list(rows[0]), PATIENT_COLUMN_CANDIDATES, "patient", path)
            id_column = table.id_column
            patients = {row[id_column].strip(): row[patient_column].strip() for row in rows if row.get(id_column)}
        except ValueError:
            patients = {}
    return table.by_id(), patients


def label_report_texts(texts: dict[str, str], schema) -> dict[str, np.ndarray]:
    """Label reports with the rule-based labeler; returns a (n_findings,) vector of 1/0/-1 per study id."""
    from greenrfm_core.labels.rules import RuleLabeler

    labeler = RuleLabeler(schema)
    finding_ids = schema.finding_ids
    labels = {}
    for study_id, text in texts.items():
        result = labeler.label(study_id, text)
        labels[study_id] = np.asarray([result.labels.get(f, -1) for f in finding_ids], dtype=np.float32)
    return labels


def read_patient_table(path: str | Path) -> dict[str, str]:
    """Read a ``study_id,patient_id`` CSV (extra columns ignored) into ``{study_id: patient_id}``."""
    rows = read_csv_rows(path)
    columns = list(rows[0])
    id_column = detect_column(columns, ("study_id", CT_RATE_ID_COLUMN), "study id", path)
    patient_column = detect_column(columns, PATIENT_COLUMN_CANDIDATES, "patient", path)
    return {row[id_column].strip(): (row[patient_column] or "").strip() for row in rows if row.get(id_column)}


def load_cohort(
    data_dir: str | Path,
    schema,
    reports: str | Path | None = None,
    labels: str | Path | None = None,
    patients: str | Path | None = None,
) -> MatchReport:
    """Match studies to a reports and/or labels CSV and attach labels and report text.

    With only reports, labels come from the rule-based labeler. With both, the labels CSV wins and the
    reports still feed the text encoder. Studies without labels are reported as unmatched rows.

    Args:
        data_dir: folder of studies.
        schema: finding schema (:class:`greenrfm_core.schemas.Schema`).
        reports: reports CSV/XLSX (generic or CT-RATE).
        labels: labels CSV (``study_id`` + finding id columns, or CT-RATE ``VolumeName`` + finding names).
        patients: ``study_id,patient_id`` CSV for the patient-level split; ``DATA/patients.csv`` is used
            when it exists. Without either, a patient column of the reports CSV, then the DICOM PatientID,
            then the study id identifies the patient.

    Raises:
        ValueError: neither file is given, or a file cannot be read.
    """
    if reports is None and labels is None:
        raise ValueError("Give a reports file (--reports) or a labels file (--labels) to train on.")
    finding_ids = schema.finding_ids
    texts: dict[str, str] = {}
    patient_ids: dict[str, str] = {}
    if reports is not None:
        texts, patient_ids = read_report_texts(reports)
    if labels is not None:
        columns = list(read_csv_rows(labels)[0])
        _, label_map = read_labels_csv(labels, finding_ids, column_map=finding_column_map(columns, schema))
        if CT_RATE_ID_COLUMN in columns:
            patient_ids = patient_ids or {name: ct_rate_patient(name) for name in label_map}
    else:
        label_map = label_report_texts(texts, schema)
    patients_file = Path(patients) if patients else Path(data_dir) / "patients.csv"
    if patients_file.is_file():
        patient_ids.update(read_patient_table(patients_file))
    elif patients:
        raise ValueError(f"Patients file not found: {patients}")
    study_ids = list(label_map)
    report = match_studies(data_dir, study_ids, patient_ids=patient_ids)
    for record in report.matched:
        record.labels = label_map[record.study_id]
        record.report = texts.get(record.study_id, "")
    if texts:
        missing_text = sum(1 for record in report.matched if not record.report)
        if missing_text:
            logger.warning("%d matched studies have no report text; the text stages skip them", missing_text)
    return report
