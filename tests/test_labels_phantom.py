"""Rule-based labeler recovers the labels behind phantom reports (English and Chinese)."""

from __future__ import annotations

import numpy as np
import pytest

from greenrfm_core.labels import RuleLabeler, read_labels_csv, read_reports
from greenrfm_core.phantom import generate_cohort, write_report
from greenrfm_core.schemas import load_schema


def _draw_labels(finding_ids: list[str], rng: np.random.Generator) -> dict[str, int]:
    labels = {}
    for finding_id in finding_ids:
        draw = rng.random()
        if draw < 0.25:
            labels[finding_id] = 1
        elif draw < 0.35:
            labels[finding_id] = -1
        else:
            labels[finding_id] = 0
    return labels


@pytest.mark.parametrize("task", ["chest-ct", "knee-mri"])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_phantom_reports_recovered(task, language):
    schema = load_schema(task)
    labeler = RuleLabeler(schema)
    finding_ids = [finding.id for finding in schema.findings if not finding.derived]
    rng = np.random.default_rng(11)
    disagreements = []
    for index in range(150):
        expected = _draw_labels(finding_ids, rng)
        report = write_report(expected, rng, language)
        labels = labeler.label(f"r{index}", report).labels
        disagreements += [(finding, expected[finding], labels[finding], report) for finding in finding_ids
                          if labels[finding] != expected[finding]]
    assert disagreements == []


def test_phantom_cohort_files_round_trip(tmp_path):
    summary_dir = tmp_path / "cohort"
    generate_cohort("chest-ct", 5, summary_dir, fmt="nifti", language="zh", size="small", seed=5, prevalence=0.4,
                    hedge_rate=0.3)
    table = read_reports(summary_dir / "reports.csv")
    finding_ids, reference = read_labels_csv(summary_dir / "labels.csv")
    labeler = RuleLabeler("chest-ct")
    assert len(table) == 5
    for row in table.rows:
        assert labeler.label(row.study_id, row.text).labels == reference[row.study_id]
    assert finding_ids == labeler.schema.finding_ids
