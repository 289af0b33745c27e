"""Result types shared by every labeler, so training never depends on which labeler produced a label."""

from __future__ import annotations

from dataclasses import dataclass, field

PRESENT = 1
ABSENT = 0
UNCERTAIN = -1


@dataclass(frozen=True)
class Evidence:
    """The sentence that decided one finding's label.

    Attributes:
        finding: Finding id.
        value: Label the sentence gave: 1 present, 0 absent, -1 uncertain.
        sentence: Sentence text exactly as it appears in the report.
        section: Report section of the sentence (``findings``, ``impression`` or ``""`` when unknown).
        start: Character offset of the sentence in the report.
        end: Character offset one past the sentence's last character.
        labeler: Name of the labeler (``rules`` or ``llm:<model>``).
    """

    finding: str
    value: int
    sentence: str
    section: str
    start: int
    end: int
    labeler: str = "rules"


@dataclass
class ReportLabels:
    """Labels of one report: one value per finding id, plus the evidence for findings a sentence decided."""

    study_id: str
    labels: dict[str, int]
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class ReportRow:
    """One report read from a table: its study id, its text and the 1-based row it came from."""

    study_id: str
    text: str
    row: int


@dataclass
class ReportTable:
    """Reports read from a CSV or XLSX file, with the columns and encoding used and counted warnings.

    Attributes:
        path: File the reports came from.
        rows: Reports in file order, duplicates removed (the first row of each id is kept).
        id_column: Column the study ids came from.
        text_columns: Columns joined into the report text.
        encoding: Detected text encoding (``None`` for XLSX).
        warnings: Warning kind mapped to the number of rows it concerns (``empty_report``, ``duplicate_id``,
            ``missing_id``, ``long_report``).
        warning_rows: Warning kind mapped to one description per row it concerns, in file order, such as
            ``row 7 (id S3; row 2 kept)``.
    """

    path: str
    rows: list[ReportRow]
    id_column: str
    text_columns: list[str]
    encoding: str | None
    warnings: dict[str, int] = field(default_factory=dict)
    warning_rows: dict[str, list[str]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def by_id(self) -> dict[str, str]:
        """Return report text keyed by study id."""
        return {row.study_id: row.text for row in self.rows}
