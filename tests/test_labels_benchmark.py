"""Rule-based labeler quality on the hand-labelled report sets (three-class pooled macro-F1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenrfm_core.labels import RuleLabeler, evaluate_labels, read_labels_csv, read_reports
from greenrfm_core.labels.evaluate import class_scores

DATA_DIR = Path(__file__).parent / "data" / "reports"


@pytest.mark.parametrize(("file_name", "task", "bar"), [
    ("chest_ct_en.csv", "chest-ct", 0.95),
    ("chest_ct_zh.csv", "chest-ct", 0.93),
    ("knee_mr_zh.csv", "knee-mri", 0.93),
])
def test_benchmark_set_meets_bar(file_name, task, bar):
    path = DATA_DIR / file_name
    table = read_reports(path)
    labeler = RuleLabeler(task)
    predicted = {row.study_id: labeler.label(row.study_id, row.text).labels for row in table.rows}
    finding_ids, reference = read_labels_csv(path)
    assert finding_ids == labeler.schema.finding_ids
    evaluation = evaluate_labels(reference, predicted, finding_ids)
    assert evaluation.studies == len(reference)
    assert evaluation.macro_f1 >= bar, f"{file_name}: macro-F1 {evaluation.macro_f1:.3f} < {bar}"


def test_macro_f1_averages_occurring_classes():
    pairs = [(1, 1), (1, 0), (0, 0), (0, 0)]
    scores, macro = class_scores(pairs)
    assert scores[1].f1 == pytest.approx(2 / 3)
    assert scores[0].f1 == pytest.approx(0.8)
    assert scores[-1].support == 0
    assert macro == pytest.approx((2 / 3 + 0.8) / 2)


def test_macro_f1_counts_spurious_uncertain_class():
    _, macro = class_scores([(1, 1), (0, -1)])
    assert macro == pytest.approx((1.0 + 0.0 + 0.0) / 3)
