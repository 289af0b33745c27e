"""Reading report tables from CSV or XLSX: encoding detection, id and text column detection, row checks."""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from pathlib import Path

from greenrfm_core.labels.types import ReportRow, ReportTable

logger = logging.getLogger(__name__)

# Reports longer than this many characters are labelled but counted in the ``long_report`` warning, because
# they are usually several reports pasted into one cell.
LONG_REPORT_CHARS = 20_000

# Candidate column names, most specific first; matching ignores case, spaces, hyphens and underscores.
ID_COLUMNS = ("report_id", "study_id", "studyid", "accession", "accession_number", "accessionnumber",
              "volumename", "volume_name", "series_id", "id", "检查号", "检查编号", "影像号", "报告编号", "登记号")
FINDINGS_COLUMNS = ("findings_en", "findings", "finding", "检查所见", "影像表现", "影像所见", "所见")
IMPRESSION_COLUMNS = ("impressions_en", "impression", "impressions", "conclusion", "诊断意见", "印象", "结论",
                      "影像诊断")
REPORT_COLUMNS = ("report", "report_text", "reports", "text", "报告", "报告内容")

_SECTION_HEADERS = {
    ("findings", "en"): "FINDINGS: ",
    ("impression", "en"): "IMPRESSION: ",
    ("findings", "zh"): "检查所见：",
    ("impression", "zh"): "印象：",
}


class ReportsError(ValueError):
    """Raised when a report table cannot be read or its id or text columns cannot be found."""


def _normalise(name: str) -> str:
    return "".join(ch for ch in str(name).strip().lower() if ch not in " -_\ufeff")


def _find_column(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    normalised = {_normalise(column): column for column in columns}
    for candidate in candidates:
        column = normalised.get(_normalise(candidate))
        if column is not None:
            return column
    return None


def decode_bytes(data: bytes, path: str | Path) -> tuple[str, str]:
    """Decode table bytes as UTF-8 (with or without BOM) or GB18030 (a superset of GBK).

    Returns:
        ``(text, encoding)``.

    Raises:
        ReportsError: None of the encodings fits; the message names the file.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise ReportsError(f"cannot detect the text encoding of {path}; save it as UTF-8 and retry")
    logger.warning("Report table %s is neither UTF-8 nor GB18030; decoding it as %s", path, best.encoding)
    return str(best), best.encoding


def _read_csv(path: Path) -> tuple[list[str], list[list[str]], str]:
    text, encoding = decode_bytes(path.read_bytes(), path)
    # The header row decides the delimiter: report cells often contain commas and semicolons themselves.
    header_line = text.lstrip("\ufeff").split("\n", 1)[0]
    delimiter = max(",;\t", key=header_line.count)
    if not header_line.count(delimiter):
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = [record for record in reader if any(cell.strip() for cell in record)]
    if not records:
        raise ReportsError(f"report table {path} is empty")
    return [cell.strip() for cell in records[0]], records[1:], encoding


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: Path) -> tuple[list[str], list[list[str]], None]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises several unrelated types for damaged files
        raise ReportsError(f"cannot read workbook {path}: {error}") from error
    try:
        sheet = workbook.worksheets[0]
        records = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    records = [record for record in records if any(cell.strip() for cell in record)]
    if not records:
        raise ReportsError(f"the first sheet of workbook {path} is empty")
    return [cell.strip() for cell in records[0]], records[1:], None


def read_reports(path: str | Path, id_column: str | None = None,
                 text_columns: list[str] | None = None) -> ReportTable:
    """Read reports from a CSV (UTF-8, UTF-8 with BOM, GBK/GB18030) or XLSX file.

    Without explicit columns, the id column is the first of ``ID_COLUMNS`` present, and the text is the
    findings and impression columns (joined under section headers) or else a single report column.

    Args:
        path: CSV or XLSX file.
        id_column: Column holding the study id.
        text_columns: Columns joined into the report text, in order.

    Returns:
        The reports and counted warnings: rows with an empty report or no id are skipped, rows repeating an
        id are skipped after the first, and very long reports are kept.

    Raises:
        ReportsError: The file is missing or unreadable, or a column is missing; the message lists the columns
            found and the option to pass.
    """
    path = Path(path)
    if not path.is_file():
        raise ReportsError(f"report table {path} not found")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        header, records, encoding = _read_xlsx(path)
    else:
        header, records, encoding = _read_csv(path)
    found = ", ".join(repr(column) for column in header)

    if id_column is not None:
        if id_column not in header:
            raise ReportsError(f"id column {id_column!r} not found in {path}; columns found: {found}")
    else:
        id_column = _find_column(header, ID_COLUMNS)
        if id_column is None:
            raise ReportsError(f"no study id column found in {path}; columns found: {found}. "
                               "Pass --id-column COLUMN")

    sections: list[tuple[str, str | None]] = []
    if text_columns:
        missing = [column for column in text_columns if column not in header]
        if missing:
            raise ReportsError(f"text column(s) {', '.join(map(repr, missing))} not found in {path}; "
                               f"columns found: {found}")
        sections = [(column, None) for column in text_columns]
    else:
        findings = _find_column(header, FINDINGS_COLUMNS)
        impression = _find_column(header, IMPRESSION_COLUMNS)
        if findings or impression:
            sections = [(column, kind) for column, kind in ((findings, "findings"), (impression, "impression"))
                        if column]
        else:
            report = _find_column(header, REPORT_COLUMNS)
            if report is None:
                raise ReportsError(f"no report text column found in {path}; columns found: {found}. "
                                   "Pass --text-column COLUMN (repeat it to join several columns)")
            sections = [(report, None)]

    index = {column: position for position, column in enumerate(header)}
    rows: list[ReportRow] = []
    warnings: Counter = Counter()
    warning_rows: dict[str, list[str]] = {}
    first_row: dict[str, int] = {}

    def flag(kind: str, description: str) -> None:
        warnings[kind] += 1
        warning_rows.setdefault(kind, []).append(description)

    for row_number, record in enumerate(records, start=2):
        study_id = record[index[id_column]].strip() if index[id_column] < len(record) else ""
        text = _join_sections(record, index, sections)
        if not study_id:
            flag("missing_id", f"row {row_number}")
            continue
        if study_id in first_row:
            flag("duplicate_id", f"row {row_number} (id {study_id}; row {first_row[study_id]} kept)")
            continue
        if not text.strip():
            flag("empty_report", f"row {row_number} (id {study_id})")
            continue
        if len(text) > LONG_REPORT_CHARS:
            flag("long_report", f"row {row_number} (id {study_id})")
        first_row[study_id] = row_number
        rows.append(ReportRow(study_id=study_id, text=text, row=row_number))

    # The log names row numbers only, because study ids may identify patients.
    for kind, count in sorted(warnings.items()):
        row_numbers = ", ".join(description.split(" (")[0].removeprefix("row ")
                                for description in warning_rows[kind][:5])
        more = f" and {count - 5} more" if count > 5 else ""
        logger.warning("%s: %d row(s) with %s: row %s%s", path.name, count, kind.replace("_", " "),
                       row_numbers, more)
    return ReportTable(path=str(path), rows=rows, id_column=id_column,
                       text_columns=[column for column, _ in sections], encoding=encoding,
                       warnings=dict(warnings), warning_rows=warning_rows)


def _join_sections(record: list[str], index: dict[str, int], sections: list[tuple[str, str | None]]) -> str:
    parts = []
    for column, kind in sections:
        position = index[column]
        value = record[position].strip() if position < len(record) else ""
        if not value:
            continue
        if kind is not None and len(sections) > 1:
            language = "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in value) else "en"
            value = _SECTION_HEADERS[(kind, language)] + value
        parts.append(value)
    return "\n".join(parts)
