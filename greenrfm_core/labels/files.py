"""Labels and evidence CSV files (formats in docs/architecture.md), written atomically."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from greenrfm_core.atomic import atomic_write_text
from greenrfm_core.labels.reading import decode_bytes
from greenrfm_core.labels.types import ReportLabels
from greenrfm_core.schemas import LABEL_VALUES

EVIDENCE_COLUMNS = ("study_id", "finding", "value", "sentence", "section", "start", "end", "labeler")


class LabelsFileError(ValueError):
    """Raised when a labels CSV is missing, has no id column or no column of 1, 0, -1 values."""


def write_labels_csv(path: str | Path, finding_ids: list[str], results: Iterable[ReportLabels]) -> None:
    """Write the labels CSV: ``study_id`` then one column per finding id with 1, 0 or -1."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["study_id", *finding_ids])
    for result in results:
        writer.writerow([result.study_id, *(result.labels[finding_id] for finding_id in finding_ids)])
    atomic_write_text(path, buffer.getvalue())


def write_evidence_csv(path: str | Path, results: Iterable[ReportLabels]) -> None:
    """Write the evidence CSV: one row per finding that a sentence decided."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EVIDENCE_COLUMNS)
    for result in results:
        for item in result.evidence:
            writer.writerow([result.study_id, item.finding, item.value, item.sentence, item.section, item.start,
                             item.end, item.labeler])
    atomic_write_text(path, buffer.getvalue())


def read_labels_csv(path: str | Path, id_column: str | None = None) -> tuple[list[str], dict[str, dict[str, int]]]:
    """Read a labels CSV, or a reference table with extra text columns such as ``report``.

    Finding columns are the columns whose every non-empty value is 1, 0 or -1; the id column is ``study_id``,
    ``report_id`` or ``id_column``.

    Returns:
        ``(finding_ids, labels_by_study_id)``; empty cells are left out of the study's dict.

    Raises:
        LabelsFileError: The file is missing or has no id column or no finding columns.
    """
    path = Path(path)
    if not path.is_file():
        raise LabelsFileError(f"labels file {path} not found")
    text, _ = decode_bytes(path.read_bytes(), path)
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        raise LabelsFileError(f"labels file {path} is empty")
    header = [cell.strip() for cell in records[0]]
    candidates = [id_column] if id_column else ["study_id", "report_id", "VolumeName", "accession"]
    id_name = next((name for name in candidates if name in header), None)
    if id_name is None:
        raise LabelsFileError(f"no id column ({', '.join(candidates)}) in labels file {path}; columns found: "
                              f"{', '.join(header)}")
    id_index = header.index(id_name)
    allowed = {str(value) for value in LABEL_VALUES} | {""}
    finding_columns = []
    for position, name in enumerate(header):
        if position == id_index:
            continue
        values = {record[position].strip() for record in records[1:] if position < len(record)}
        values = {value.removesuffix(".0") for value in values}
        if values <= allowed and values - {""}:
            finding_columns.append((position, name))
    if not finding_columns:
        raise LabelsFileError(f"labels file {path} has no finding columns with values 1, 0 or -1")

    labels: dict[str, dict[str, int]] = {}
    for record in records[1:]:
        if id_index >= len(record) or not record[id_index].strip():
            continue
        row = {}
        for position, name in finding_columns:
            value = record[position].strip() if position < len(record) else ""
            if value:
                row[name] = int(float(value))
        labels.setdefault(record[id_index].strip(), row)
    return [name for _, name in finding_columns], labels
