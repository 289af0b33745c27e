"""Calls into ``greenrfm_core`` that the wizard pages run, kept apart from the widgets.

Each function is blocking and Qt-free, so pages run it in a ``BackgroundTask`` and tests can call it directly.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

BUILTIN_TASKS = ("chest-ct", "abdomen-ct", "knee-mri", "spine-mri")


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON through a temporary file in the same folder, fsync and rename."""
    _write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))


def _write_atomic(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_labels_csv(
    path: Path, finding_ids: list[str], labels: dict[str, np.ndarray], study_ids: list[str]
) -> None:
    """Write a labels CSV (``study_id`` then one 1/0/-1 column per finding) atomically.

    Args:
        path: destination file.
        finding_ids: column order.
        labels: study id to a vector of shape (n_findings,).
        study_ids: the studies to write, in this order.
    """
    lines = [",".join(["study_id", *finding_ids])]
    for study_id in study_ids:
        vector = labels[study_id]
        lines.append(",".join([_csv_cell(study_id), *(str(int(value)) for value in vector)]))
    _write_atomic(path, ("\n".join(lines) + "\n").encode("utf-8"))


def _csv_cell(text: str) -> str:
    if any(character in text for character in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_split_csv(path: Path, train_ids: list[str], validation_ids: list[str]) -> None:
    """Write the split as ``study_id,split`` rows with ``train`` or ``validation``, atomically."""
    rows = (
        [("study_id", "split")]
        + [(i, "train") for i in train_ids]
        + [(i, "validation") for i in validation_ids]
    )
    text = "\n".join(",".join(_csv_cell(cell) for cell in row) for row in rows) + "\n"
    _write_atomic(path, text.encode("utf-8"))


def read_csv_header(path: Path) -> list[str]:
    """Return the header row of a CSV file (used only to list columns when reading reports failed)."""
    from greenrfm_core.data.tables import read_csv_rows

    rows = read_csv_rows(path)
    return list(rows[0].keys()) if rows else []


ProgressCallback = Callable[[int, int], None]


def read_report_texts(path: Path, id_column: str | None) -> tuple[str, list[str], dict[str, str]]:
    """Read a reports file (CSV/XLSX, any common encoding) with the labels package's reader.

    Returns:
        The id column used, all column names, and study id to report text.
    """
    from greenrfm_core.labels import read_reports

    table = read_reports(path, id_column=id_column)
    return table.id_column, [table.id_column, *table.text_columns], table.by_id()


def scan_dataset(
    studies_dir: Path,
    reports_file: Path | None,
    labels_file: Path | None,
    id_column: str | None,
    finding_ids: list[str],
) -> dict[str, Any]:
    """Read the reports or labels file and match its rows to the studies on disk.

    Returns:
        ``id_column``, ``columns``, ``reports`` (study id to text, empty for a labels file), ``labels`` (study
        id to label vector, only for a labels file) and ``match`` (a ``MatchReport``).

    Raises:
        ValueError: a file is missing or unreadable, the id column is missing, or no study matches.
    """
    from greenrfm_core.data.matching import match_studies
    from greenrfm_core.data.tables import read_csv_rows, read_labels_csv

    if not studies_dir or not Path(studies_dir).is_dir():
        raise ValueError(
            f"Studies folder not found: {studies_dir}. Choose the folder that contains one folder per study."
        )
    reports: dict[str, str] = {}
    labels: dict[str, np.ndarray] = {}
    if labels_file:
        id_column, labels = read_labels_csv(labels_file, finding_ids, id_column=id_column)
        columns = list(read_csv_rows(labels_file)[0].keys())
        study_ids = list(labels)
    elif reports_file:
        id_column, columns, reports = read_report_texts(Path(reports_file), id_column)
        study_ids = list(reports)
    else:
        raise ValueError("Choose a reports file (CSV or XLSX) or a labels file.")
    match = match_studies(studies_dir, study_ids)
    if not match.matched:
        raise ValueError(
            f"No study in {studies_dir} matches a value of column '{id_column}'. The column should hold the "
            "study folder names, accession numbers or study instance UIDs; choose another id column or folder."
        )
    return {"id_column": id_column, "columns": columns, "reports": reports, "labels": labels, "match": match}


def label_reports(
    reports: dict[str, str], schema: Any, endpoint: str | None, progress: ProgressCallback
) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], str]]:
    """Label each report with the rule-based labeler, or the LLM labeler when ``endpoint`` is set.

    Returns:
        Study id to a label vector of shape (n_findings,) in schema order, and (study id, finding id) to the
        evidence sentence.
    """
    if endpoint:
        from greenrfm_core.labels.llm import LLMLabeler

        labeler = LLMLabeler(schema, endpoint=endpoint)
    else:
        from greenrfm_core.labels.rules import RuleLabeler

        labeler = RuleLabeler(schema)
    finding_ids = schema.finding_ids
    labels: dict[str, np.ndarray] = {}
    evidence: dict[tuple[str, str], str] = {}
    for done, (study_id, text) in enumerate(reports.items(), start=1):
        result = labeler.label(study_id, text)
        labels[study_id] = np.array([result.labels.get(f, -1) for f in finding_ids], dtype=np.float32)
        for item in result.evidence:
            evidence[(study_id, item.finding)] = item.sentence
        progress(done, len(reports))
    return labels, evidence
