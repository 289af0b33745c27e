"""Evaluation metrics for finding classifiers: AUROC, bootstrap confidence intervals, ROC points and F1."""

from greenrfm_core.evaluation.metrics import (
    auroc,
    f1_at_threshold,
    macro_auroc_bootstrap,
    roc_curve,
    youden_threshold,
)
from greenrfm_core.evaluation.report import EvaluationResult, evaluate_scores, format_table, youden_thresholds

__all__ = [
    "EvaluationResult",
    "auroc",
    "evaluate_scores",
    "f1_at_threshold",
    "format_table",
    "macro_auroc_bootstrap",
    "roc_curve",
    "youden_threshold",
    "youden_thresholds",
]
