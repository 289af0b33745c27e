"""Three-class agreement between predicted and reference finding labels.

For each class c in {1, 0, -1}, precision, recall and F1 treat "label == c" as the positive event. The pooled
scores count every (study, finding) cell together. Macro-F1 is the unweighted mean of the pooled per-class F1
over the classes that occur in the reference or the predictions. Per-finding macro-F1 uses the same rule on
that finding's cells only. F1 is 1.0 for a class that neither side uses, which is why such classes are left
out of the mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CLASSES = (1, 0, -1)


@dataclass
class ClassScore:
    """Precision, recall and F1 for one class, with the counts behind them."""

    precision: float
    recall: float
    f1: float
    support: int
    predicted: int


@dataclass
class Evaluation:
    """Agreement over the studies present in both files.

    Attributes:
        pooled: Per-class scores over all cells.
        macro_f1: Mean pooled F1 over the classes that occur.
        per_finding: Finding id mapped to its per-class scores and macro-F1 (key ``"macro_f1"``).
        studies: Number of studies scored.
        cells: Number of (study, finding) cells scored.
        missing_predictions: Reference studies with no predicted row.
        extra_predictions: Predicted studies with no reference row.
        missing_findings: Reference findings absent from the predictions' columns.
    """

    pooled: dict[int, ClassScore]
    macro_f1: float
    per_finding: dict[str, dict] = field(default_factory=dict)
    studies: int = 0
    cells: int = 0
    missing_predictions: int = 0
    extra_predictions: int = 0
    missing_findings: list[str] = field(default_factory=list)


def class_scores(pairs: list[tuple[int, int]]) -> tuple[dict[int, ClassScore], float]:
    """Score ``(reference, predicted)`` pairs per class; return the scores and their macro-F1."""
    scores = {}
    for label in CLASSES:
        true_positive = sum(1 for reference, predicted in pairs if reference == label and predicted == label)
        support = sum(1 for reference, _ in pairs if reference == label)
        predicted_count = sum(1 for _, predicted in pairs if predicted == label)
        # A side that never uses the class scores 1.0 when the other side does not use it either, else 0.0.
        if predicted_count:
            precision = true_positive / predicted_count
        else:
            precision = 0.0 if support else 1.0
        if support:
            recall = true_positive / support
        else:
            recall = 0.0 if predicted_count else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[label] = ClassScore(precision, recall, f1, support, predicted_count)
    used = [scores[label].f1 for label in CLASSES if scores[label].support or scores[label].predicted]
    macro = sum(used) / len(used) if used else 1.0
    return scores, macro


def evaluate_labels(reference: dict[str, dict[str, int]], predicted: dict[str, dict[str, int]],
                    finding_ids: list[str]) -> Evaluation:
    """Compare predicted labels with reference labels over ``finding_ids`` and the studies both contain."""
    common = [study for study in reference if study in predicted]
    pairs_by_finding: dict[str, list[tuple[int, int]]] = {finding: [] for finding in finding_ids}
    missing_findings = set()
    for study in common:
        for finding in finding_ids:
            if finding not in reference[study]:
                continue
            if finding not in predicted[study]:
                missing_findings.add(finding)
                continue
            pairs_by_finding[finding].append((reference[study][finding], predicted[study][finding]))

    all_pairs = [pair for pairs in pairs_by_finding.values() for pair in pairs]
    pooled, macro = class_scores(all_pairs)
    per_finding = {}
    for finding, pairs in pairs_by_finding.items():
        if pairs:
            scores, finding_macro = class_scores(pairs)
            per_finding[finding] = {"scores": scores, "macro_f1": finding_macro, "cells": len(pairs)}
    return Evaluation(
        pooled=pooled, macro_f1=macro, per_finding=per_finding, studies=len(common), cells=len(all_pairs),
        missing_predictions=sum(1 for study in reference if study not in predicted),
        extra_predictions=sum(1 for study in predicted if study not in reference),
        missing_findings=sorted(missing_findings),
    )


def format_evaluation(evaluation: Evaluation) -> str:
    """Return a plain-text table: per-finding F1 per class and macro-F1, then the pooled scores."""
    lines = [f"{'finding':<36} {'F1(1)':>6} {'F1(0)':>6} {'F1(-1)':>6} {'macro':>6}"]
    for finding, entry in evaluation.per_finding.items():
        cells = []
        for label in CLASSES:
            score = entry["scores"][label]
            cells.append(f"{score.f1:6.3f}" if score.support or score.predicted else f"{'-':>6}")
        lines.append(f"{finding:<36} {' '.join(cells)} {entry['macro_f1']:6.3f}")
    lines.append("")
    for label in CLASSES:
        score = evaluation.pooled[label]
        lines.append(f"class {label:>2}: precision {score.precision:.3f} recall {score.recall:.3f} "
                     f"F1 {score.f1:.3f} (reference {score.support}, predicted {score.predicted})")
    lines.append(f"macro-F1 {evaluation.macro_f1:.4f} over {evaluation.cells} cells in {evaluation.studies} studies")
    if evaluation.missing_predictions or evaluation.extra_predictions:
        lines.append(f"unmatched: {evaluation.missing_predictions} reference studies without labels, "
                     f"{evaluation.extra_predictions} labelled studies without reference")
    if evaluation.missing_findings:
        lines.append(f"findings missing from the labels: {', '.join(evaluation.missing_findings)}")
    return "\n".join(lines)
