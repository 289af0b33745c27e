"""Reading labels CSV files and id columns into plain row dicts keyed by study id."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

# Column names tried, in order, for the study id when the caller does not name one.
ID_COLUMN_CANDIDATES = (
    "study_id",
    "VolumeName",
    "AccessionNumber",
    "accession_number",
    "accession",
    "StudyInstanceUID",
    "study_instance_uid",
    "id",
)
PATIENT_COLUMN_CANDIDATES = ("patient_id", "PatientID", "patient", "patient_key")


def read_csv_rows(path: str | Path) -> list[dict[str, str]]:
    """Read a CSV file (UTF-8 with or without BOM, else GB18030) into a list of row dicts.

    Raises:
        ValueError: the file is missing, empty or has no header row.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"CSV file not found: {path}")
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"CSV file {path} is neither UTF-8 nor GB18030 text; re-save it as UTF-8.")
    rows = list(csv.DictReader(text.splitlines()))
    if not rows:
        raise ValueError(f"CSV file {path} has no data rows; expected a header row and one row per study.")
    return rows


def detect_column(columns: list[str], candidates: tuple[str, ...], what: str, path: Path | str) -> str:
    """Return the first column in ``candidates`` present in ``columns`` (case-insensitive).

    Raises:
        ValueError: none is present; the message lists the columns found.
    """
    lowered = {column.lower(): column for column in columns}
    for candidate in candidates:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    raise ValueError(
        f"No {what} column found in {path}; expected one of {', '.join(candidates)}, "
        f"found {', '.join(columns)}."
    )


def read_labels_csv(
    path: str | Path,
    finding_ids: list[str],
    id_column: str | None = None,
    column_map: dict[str, str] | None = None,
) -> tuple[str, dict[str, np.ndarray]]:
    """Read a labels CSV into ``{study_id: labels}``.

    Args:
        path: CSV with an id column and one column per finding with 1, 0 or -1 (empty means unmentioned, 0).
        finding_ids: schema finding ids, which fix the order of the returned label vectors.
        id_column: id column name; detected from :data:`ID_COLUMN_CANDIDATES` when ``None``.
        column_map: CSV column name to finding id, for layouts such as CT-RATE whose columns are names.

    Returns:
        The id column used, and per study a float32 array of shape (n_findings,). A finding missing from the
        CSV is -1 (uncertain) for every study, so it never contributes to the loss.

    Raises:
        ValueError: the file cannot be read, no finding column matches the schema, or a value is not 1/0/-1.
    """
    rows = read_csv_rows(path)
    columns = list(rows[0].keys())
    id_column = id_column or detect_column(columns, ID_COLUMN_CANDIDATES, "study id", path)
    column_map = dict(column_map or {})
    for column in columns:
        if column in finding_ids:
            column_map.setdefault(column, column)
    present = {finding: column for column, finding in column_map.items() if column in columns}
    if not present:
        raise ValueError(
            f"Labels CSV {path} has no column matching a schema finding id; expected columns such as "
            f"{', '.join(finding_ids[:4])}."
        )
    missing = [finding for finding in finding_ids if finding not in present]
    if missing:
        logger.warning("Labels CSV %s lacks %d finding column(s), treated as uncertain: %s",
                       path, len(missing), ", ".join(missing))
    labels: dict[str, np.ndarray] = {}
    for line_number, row in enumerate(rows, start=2):
        study_id = (row.get(id_column) or "").strip()
        if not study_id:
            logger.warning("Labels CSV %s line %d has an empty %s; row skipped", path, line_number, id_column)
            continue
        vector = np.full(len(finding_ids), -1.0, dtype=np.float32)
        for index, finding in enumerate(finding_ids):
            if finding not in present:
                continue
            vector[index] = _parse_label(row.get(present[finding]), path, line_number, present[finding])
        labels[study_id] = vector
    return id_column, labels


def _parse_label(value: str | None, path, line_number: int, column: str) -> float:
    text = (value or "").strip()
    if text == "":
        return 0.0
    try:
        number = float(text)
    except ValueError:
        number = None
    if number not in (1.0, 0.0, -1.0):
        raise ValueError(
            f"Invalid label {text!r} in {path} line {line_number}, column {column}; expected 1, 0 or -1."
        )
    return number
