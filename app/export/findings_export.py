"""Write findings as CSV and JSON, atomically, without patient identifiers."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.predictions.results import FindingResult
from greenrfm_core.atomic import atomic_write_text

CSV_COLUMNS = ("finding_id", "name", "probability", "threshold", "positive", "zero_shot")


def findings_csv_text(results: list[FindingResult]) -> str:
    """Return the CSV text: one row per finding in ``CSV_COLUMNS`` order, probabilities to 4 decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in results:
        writer.writerow(
            [
                row.finding_id,
                row.name,
                f"{row.probability:.4f}",
                f"{row.threshold:.4f}",
                int(row.positive),
                "" if row.zero_shot is None else f"{row.zero_shot:.4f}",
            ]
        )
    return buffer.getvalue()


def write_findings_csv(path: str | Path, results: list[FindingResult]) -> Path:
    """Write the findings table as UTF-8 CSV with a byte-order mark, so Excel shows Chinese names correctly."""
    return atomic_write_text(path, "\ufeff" + findings_csv_text(results))


def findings_document(
    results: list[FindingResult], model: Mapping[str, Any], study: Mapping[str, Any]
) -> dict[str, Any]:
    """Build the JSON document: model facts, non-identifying study facts and the findings."""
    return {
        "format": "greenrfm-findings",
        "format_version": 1,
        "model": dict(model),
        "study": dict(study),
        "not_for_clinical_use": True,
        "findings": [
            {
                "id": row.finding_id,
                "name": row.name,
                "probability": round(row.probability, 6),
                "threshold": round(row.threshold, 6),
                "positive": row.positive,
                "zero_shot": None if row.zero_shot is None else round(row.zero_shot, 6),
            }
            for row in results
        ],
    }


def write_findings_json(
    path: str | Path, results: list[FindingResult], model: Mapping[str, Any], study: Mapping[str, Any]
) -> Path:
    """Write :func:`findings_document` as indented UTF-8 JSON."""
    document = findings_document(results, model, study)
    return atomic_write_text(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
