"""Report distillation: read report tables, label findings (rules or an LLM endpoint), write and evaluate labels.

Typical use::

    from greenrfm_core.labels import RuleLabeler, read_reports, write_labels_csv

    table = read_reports("reports.csv")
    labeler = RuleLabeler("chest-ct")
    results = [labeler.label(row.study_id, row.text) for row in table.rows]
    write_labels_csv("labels.csv", labeler.schema.finding_ids, results)
"""

from greenrfm_core.labels.evaluate import Evaluation, evaluate_labels, format_evaluation
from greenrfm_core.labels.files import (
    LabelsFileError,
    read_labels_csv,
    write_evidence_csv,
    write_labels_csv,
)
from greenrfm_core.labels.llm import LLMConfig, LLMError, LLMLabeler, RemoteEndpointError
from greenrfm_core.labels.reading import ReportsError, read_reports
from greenrfm_core.labels.rules import RuleLabeler
from greenrfm_core.labels.types import Evidence, ReportLabels, ReportRow, ReportTable

__all__ = [
    "Evaluation", "Evidence", "LLMConfig", "LLMError", "LLMLabeler", "LabelsFileError", "RemoteEndpointError",
    "ReportLabels", "ReportRow", "ReportTable", "ReportsError", "RuleLabeler", "evaluate_labels",
    "format_evaluation", "read_labels_csv", "read_reports", "write_evidence_csv", "write_labels_csv",
]
