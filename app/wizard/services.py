"""Calls into ``greenrfm_core`` that the wizard pages run, kept apart from the widgets.

Each function is blocking and Qt-free, so pages run it in a ``BackgroundTask`` and tests can call it directly.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from greenrfm_core.atomic import atomic_write_bytes

BUILTIN_TASKS = ("chest-ct", "abdomen-ct", "knee-mri", "spine-mri")


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON through a temporary file in the same folder, fsync and rename."""
    atomic_write_bytes(path, json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))


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
    atomic_write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"))


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
    atomic_write_bytes(path, text.encode("utf-8"))


def read_csv_header(path: Path) -> list[str]:
    """Return the header row of a CSV file (used only to list columns when reading reports failed)."""
    from greenrfm_core.data.tables import read_csv_rows

    rows = read_csv_rows(path)
    return list(rows[0].keys()) if rows else []


ProgressCallback = Callable[[int, int], None]


class ScanError(ValueError):
    """A dataset scan failed; ``columns`` lists the table's columns so the page can offer them."""

    def __init__(self, message: str, columns: list[str] | None = None):
        super().__init__(message)
        self.columns = columns or []


def table_columns(path: Path) -> list[str]:
    """Return the header row of a CSV (any encoding the report reader accepts) or XLSX file."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        workbook = openpyxl.load_workbook(path, read_only=True)
        try:
            first = next(workbook.active.iter_rows(max_row=1, values_only=True), ())
        finally:
            workbook.close()
        return [str(value).strip() for value in first if value is not None]
    from greenrfm_core.labels.reading import decode_bytes

    text, _ = decode_bytes(path.read_bytes(), path)
    return [column.strip() for column in next(csv.reader(text.splitlines()), [])]


def read_report_texts(path: Path, id_column: str | None) -> tuple[str, dict[str, str]]:
    """Read a reports file (CSV/XLSX, UTF-8 or GBK/GB18030) and return the id column and id-to-text."""
    from greenrfm_core.labels.reading import read_reports

    table = read_reports(path, id_column=id_column)
    return table.id_column, table.by_id()


def scan_dataset(
    studies_dir: Path | None,
    reports_file: Path | None,
    labels_file: Path | None,
    id_column: str | None,
    finding_ids: list[str],
) -> dict[str, Any]:
    """Read the reports or labels file and match its rows to the studies on disk.

    Returns:
        ``id_column``, ``columns`` (the table's header), ``reports`` (study id to text, empty for a labels
        file), ``labels`` (study id to label vector, only for a labels file) and ``match`` (a ``MatchReport``).

    Raises:
        ScanError: a file is missing or unreadable, the id column is missing, or no study matches.
    """
    from greenrfm_core.data.matching import match_studies
    from greenrfm_core.data.tables import read_labels_csv

    if not studies_dir or not Path(studies_dir).is_dir():
        raise ScanError(
            f"Studies folder not found: {studies_dir}. Choose the folder that contains one folder per study."
        )
    table = labels_file or reports_file
    if table is None:
        raise ScanError("Choose a reports file (CSV or XLSX) or a labels file.")
    if not Path(table).is_file():
        raise ScanError(f"File not found: {table}. Choose an existing reports or labels file.")
    columns = table_columns(Path(table))
    reports: dict[str, str] = {}
    labels: dict[str, np.ndarray] = {}
    try:
        if labels_file:
            id_column, labels = read_labels_csv(labels_file, finding_ids, id_column=id_column)
            study_ids = list(labels)
        else:
            id_column, reports = read_report_texts(Path(reports_file), id_column)
            study_ids = list(reports)
    except ValueError as error:
        # The readers phrase their hints for the command line; the GUI's equivalent is the column list.
        message = str(error).split(" Pass --")[0].rstrip(". ")
        if "column" in message:
            message += ". Choose the study id column in the list and scan again."
        raise ScanError(message, columns) from error
    match = match_studies(studies_dir, study_ids)
    if not match.matched:
        raise ScanError(
            f"No study in {studies_dir} matches a value of column '{id_column}'. The column should hold the "
            "study folder names, accession numbers or study instance UIDs; choose another id column or folder.",
            columns,
        )
    return {"id_column": id_column, "columns": columns, "reports": reports, "labels": labels, "match": match}


def label_reports(
    reports: dict[str, str],
    schema: Any,
    endpoint: str | None,
    progress: ProgressCallback,
    model: str | None = None,
) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], str]]:
    """Label each report with the rule-based labeler, or the LLM labeler when ``endpoint`` is set.

    A non-loopback ``endpoint`` is allowed here because the labels page asks the user to confirm that the
    reports may leave the machine before it calls this. ``model`` falls back to ``GREENRFM_LLM_MODEL``.

    Returns:
        Study id to a label vector of shape (n_findings,) in schema order, and (study id, finding id) to the
        evidence sentence.
    """
    if endpoint:
        from greenrfm_core.labels.llm import LLMConfig, LLMLabeler

        labeler = LLMLabeler(
            schema, LLMConfig.from_env(base_url=endpoint, model=model or None, allow_remote=True)
        )
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


def evaluate_on_validation(
    model_folder: Path,
    studies: list[tuple[str, Path]],
    labels: dict[str, np.ndarray],
    finding_ids: list[str],
    parent_folder: Path | None,
    progress: ProgressCallback,
) -> dict[str, Any]:
    """Predict the validation studies with the new model (and the model it started from) and evaluate.

    Both models see the same studies, so their AUROCs compare directly.

    Args:
        model_folder: the trained model folder.
        studies: (study id, study path) of the validation studies.
        labels: study id to a label vector of shape (n_findings,) in ``finding_ids`` order.
        finding_ids: the wizard's finding order.
        parent_folder: the starting model of a fine-tuning run, or None.

    Returns:
        ``{"model": report, "parent": report or None}`` where each report is
        ``EvaluationResult.to_dict()`` (per-finding ``auroc`` and ``roc`` points, ``macro`` AUROC).
    """
    from greenrfm_core.evaluation.report import evaluate_scores
    from greenrfm_core.inference.predictor import Predictor

    folders = [model_folder] + ([parent_folder] if parent_folder else [])
    total = len(studies) * len(folders)
    reports: list[dict | None] = []
    done = 0
    for folder in folders:
        predictor = Predictor(folder, engine="torch")
        label_columns = [finding_ids.index(f) for f in predictor.finding_ids if f in finding_ids]
        shared_findings = [f for f in predictor.finding_ids if f in finding_ids]
        output_columns = [predictor.finding_ids.index(f) for f in shared_findings]
        scores, truth = [], []
        for study_id, path in studies:
            prediction = predictor.predict(path)
            scores.append(prediction.probabilities[output_columns])
            truth.append(labels[study_id][label_columns])
            done += 1
            progress(done, total)
        result = evaluate_scores(np.stack(truth), np.stack(scores), shared_findings, n_resamples=200)
        reports.append(result.to_dict(include_roc=True))
    return {"model": reports[0], "parent": reports[1] if len(reports) > 1 else None}
