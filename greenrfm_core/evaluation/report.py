"""Evaluation of a score matrix against a label matrix: per-finding AUROC, ROC, F1 and the macro summary."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np

from greenrfm_core.evaluation.metrics import (
    auroc,
    f1_at_threshold,
    macro_auroc_bootstrap,
    roc_curve,
    youden_threshold,
)

logger = logging.getLogger(__name__)


@dataclass
class EvaluationResult:
    """Metrics for one score source (supervised classifier or zero-shot prompts).

    Attributes:
        source: ``classifier`` or ``zero_shot``.
        findings: per finding id: ``auroc``, ``n_positive``, ``n_negative``, ``threshold``, ``f1``,
            ``sensitivity``, ``specificity``, ``precision`` and ``roc`` (``fpr``/``tpr``/``thresholds`` lists).
        macro: ``macro_auroc`` with its bootstrap ``ci_low``/``ci_high``.
        warnings: findings whose AUROC is undefined, with the reason; the caller logs or shows them.
    """

    source: str
    findings: dict[str, dict] = field(default_factory=dict)
    macro: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def auroc_by_finding(self) -> dict[str, float]:
        """Return ``{finding_id: AUROC}``; NaN marks a finding with only one class."""
        return {finding: values["auroc"] for finding, values in self.findings.items()}

    def to_dict(self, include_roc: bool = True) -> dict:
        """Return a JSON-ready dict; NaN becomes ``None`` because JSON has no NaN."""
        findings = {}
        for finding, values in self.findings.items():
            values = {key: _json_number(value) for key, value in values.items() if key != "roc"}
            if include_roc:
                roc = self.findings[finding]["roc"]
                values["roc"] = {key: [_json_number(v) for v in points] for key, points in roc.items()}
            findings[finding] = values
        return {
            "source": self.source,
            "macro": {key: _json_number(value) for key, value in self.macro.items()},
            "findings": findings,
            "warnings": list(self.warnings),
        }


def evaluate_scores(
    labels: np.ndarray,
    scores: np.ndarray,
    finding_ids: list[str],
    thresholds: dict[str, float] | None = None,
    source: str = "classifier",
    n_resamples: int = 1000,
    seed: int = 0,
) -> EvaluationResult:
    """Evaluate scores per finding and overall.

    Args:
        labels: shape (n_studies, n_findings), values 1, 0 or -1 (uncertain, skipped).
        scores: shape (n_studies, n_findings), probabilities or similarities; higher means present.
        finding_ids: finding id per column.
        thresholds: fixed decision threshold per finding for F1; a finding missing here uses the Youden
            threshold chosen on these same studies (optimistic, so pass validation thresholds for a test set).
        source: label stored in the result, ``classifier`` or ``zero_shot``.
        n_resamples: bootstrap resamples for the macro AUROC confidence interval.
        seed: bootstrap seed.
    """
    labels = np.asarray(labels, dtype=float)
    scores = np.asarray(scores, dtype=float)
    if labels.shape != scores.shape or labels.shape[1] != len(finding_ids):
        raise ValueError(
            f"labels {labels.shape}, scores {scores.shape} and {len(finding_ids)} finding ids do not match"
        )
    result = EvaluationResult(source=source)
    for column, finding in enumerate(finding_ids):
        column_labels = labels[:, column]
        column_scores = scores[:, column]
        n_positive = int(np.sum(column_labels == 1))
        n_negative = int(np.sum(column_labels == 0))
        value = auroc(column_labels, column_scores)
        if math.isnan(value):
            result.warnings.append(
                f"AUROC for finding {finding!r} is undefined: {n_positive} positive and {n_negative} "
                "negative studies (both classes are needed)"
            )
        if thresholds and finding in thresholds:
            threshold = float(thresholds[finding])
        else:
            threshold = youden_threshold(column_labels, column_scores)
        result.findings[finding] = {
            "auroc": value,
            "n_positive": n_positive,
            "n_negative": n_negative,
            **f1_at_threshold(column_labels, column_scores, threshold),
            "roc": roc_curve(column_labels, column_scores),
        }
    result.macro = macro_auroc_bootstrap(labels, scores, n_resamples=n_resamples, seed=seed)
    if result.warnings:
        logger.debug("%s: %s", source, "; ".join(result.warnings))
    return result


def youden_thresholds(labels: np.ndarray, scores: np.ndarray, finding_ids: list[str]) -> dict[str, float]:
    """Return the Youden threshold per finding, chosen on validation scores for the model manifest."""
    labels = np.asarray(labels, dtype=float)
    scores = np.asarray(scores, dtype=float)
    return {finding: youden_threshold(labels[:, i], scores[:, i]) for i, finding in enumerate(finding_ids)}


def format_table(result: EvaluationResult) -> str:
    """Format per-finding AUROC, F1 and counts as a plain-text table for the terminal."""
    width = max([len("finding"), *(len(finding) for finding in result.findings)])
    lines = [f"{'finding':<{width}} {'AUROC':>6} {'F1':>6} {'pos':>5} {'neg':>5}"]
    for finding, values in result.findings.items():
        lines.append(
            f"{finding:<{width}} {_cell(values['auroc'])} {_cell(values['f1'])} "
            f"{values['n_positive']:>5} {values['n_negative']:>5}"
        )
    macro = result.macro
    lines.append(
        f"macro AUROC ({result.source}): {_cell(macro['macro_auroc']).strip()} "
        f"[{_cell(macro['ci_low']).strip()}, {_cell(macro['ci_high']).strip()}] "
        f"{int(macro['confidence'] * 100)}% bootstrap CI"
    )
    return "\n".join(lines)


def _cell(value: float) -> str:
    return f"{'n/a':>6}" if value is None or math.isnan(value) else f"{value:6.3f}"


def _json_number(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
