"""Per-finding classification metrics: AUROC, ROC curve points, Youden threshold and F1.

Labels follow the labels CSV convention: 1 present, 0 absent, -1 uncertain. Uncertain labels (and NaN scores)
are left out of every metric, because they carry no ground truth.
"""

from __future__ import annotations

import logging
import math

import numpy as np
from scipy.stats import rankdata

logger = logging.getLogger(__name__)


def _valid(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels, dtype=float).ravel()
    scores = np.asarray(scores, dtype=float).ravel()
    if labels.shape != scores.shape:
        raise ValueError(f"labels and scores differ in length: {labels.shape[0]} vs {scores.shape[0]}")
    keep = ((labels == 0) | (labels == 1)) & np.isfinite(scores)
    return labels[keep].astype(int), scores[keep]


def auroc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Compute the area under the ROC curve with the Mann-Whitney rank statistic (ties count one half).

    Args:
        labels: shape (n,), values 1, 0 or -1; -1 is skipped.
        scores: shape (n,), higher means more likely present.

    Returns:
        AUROC in [0, 1], or NaN when fewer than one positive and one negative label remain.
    """
    labels, scores = _valid(labels, scores)
    positives = int(labels.sum())
    negatives = labels.size - positives
    if positives == 0 or negatives == 0:
        return math.nan
    ranks = rankdata(scores)
    rank_sum = ranks[labels == 1].sum()
    return float((rank_sum - positives * (positives + 1) / 2) / (positives * negatives))


def roc_curve(labels: np.ndarray, scores: np.ndarray) -> dict[str, list[float]]:
    """Compute ROC curve points, one per distinct score, from (0, 0) to (1, 1).

    Returns:
        ``{"fpr": [...], "tpr": [...], "thresholds": [...]}``; a point at index i counts a study as positive
        when its score is ``>= thresholds[i]``. The first threshold is ``inf``. Empty lists when only one
        class is present.
    """
    labels, scores = _valid(labels, scores)
    positives = int(labels.sum())
    negatives = labels.size - positives
    if positives == 0 or negatives == 0:
        return {"fpr": [], "tpr": [], "thresholds": []}
    order = np.argsort(-scores, kind="mergesort")
    sorted_scores = scores[order]
    sorted_labels = labels[order]
    # The last index of each run of equal scores marks one operating point.
    distinct = np.r_[np.nonzero(np.diff(sorted_scores))[0], sorted_scores.size - 1]
    true_positives = np.cumsum(sorted_labels)[distinct]
    false_positives = (distinct + 1) - true_positives
    tpr = np.r_[0.0, true_positives / positives]
    fpr = np.r_[0.0, false_positives / negatives]
    thresholds = np.r_[np.inf, sorted_scores[distinct]]
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thresholds.tolist()}


def youden_threshold(labels: np.ndarray, scores: np.ndarray) -> float:
    """Return the score threshold that maximises Youden's J = sensitivity + specificity - 1.

    Returns 0.5 when only one class is present, so the result is always a usable threshold.
    """
    curve = roc_curve(labels, scores)
    if not curve["thresholds"]:
        return 0.5
    j = np.asarray(curve["tpr"]) - np.asarray(curve["fpr"])
    j[0] = -np.inf  # the infinite threshold calls nothing positive
    return float(curve["thresholds"][int(np.argmax(j))])


def f1_at_threshold(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    """Compute F1, sensitivity, specificity and precision when ``score >= threshold`` counts as present."""
    labels, scores = _valid(labels, scores)
    predicted = scores >= threshold
    true_positive = int(np.sum(predicted & (labels == 1)))
    false_positive = int(np.sum(predicted & (labels == 0)))
    false_negative = int(np.sum(~predicted & (labels == 1)))
    true_negative = int(np.sum(~predicted & (labels == 0)))
    precision = true_positive / (true_positive + false_positive) if true_positive + false_positive else 0.0
    sensitivity = true_positive / (true_positive + false_negative) if true_positive + false_negative else math.nan
    specificity = true_negative / (true_negative + false_positive) if true_negative + false_positive else math.nan
    denominator = 2 * true_positive + false_positive + false_negative
    f1 = 2 * true_positive / denominator if denominator else math.nan
    return {
        "f1": f1,
        "sensitivity": sensitivity,
        "specificity": specificity,
        "precision": precision,
        "threshold": float(threshold),
    }


def macro_auroc_bootstrap(
    labels: np.ndarray,
    scores: np.ndarray,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, float]:
    """Estimate the macro AUROC and its percentile bootstrap confidence interval over studies.

    Each resample draws studies with replacement and averages the per-finding AUROCs that are defined in
    that resample (NaN findings are skipped).

    Args:
        labels: shape (n_studies, n_findings), values 1, 0 or -1.
        scores: shape (n_studies, n_findings).
        n_resamples: number of bootstrap resamples; 0 skips the interval.
        confidence: two-sided coverage of the interval.
        seed: seed of the resampling generator, so the interval is reproducible.

    Returns:
        ``{"macro_auroc", "ci_low", "ci_high", "n_resamples", "confidence"}``; bounds are NaN when skipped.
    """
    labels = np.asarray(labels, dtype=float)
    scores = np.asarray(scores, dtype=float)
    point = _nanmean([auroc(labels[:, f], scores[:, f]) for f in range(labels.shape[1])])
    low = high = math.nan
    if n_resamples > 0 and labels.shape[0] > 1:
        generator = np.random.default_rng(seed)
        estimates = []
        for _ in range(n_resamples):
            index = generator.integers(0, labels.shape[0], labels.shape[0])
            value = _nanmean([auroc(labels[index, f], scores[index, f]) for f in range(labels.shape[1])])
            if not math.isnan(value):
                estimates.append(value)
        if estimates:
            alpha = (1.0 - confidence) / 2
            low, high = (float(q) for q in np.quantile(estimates, [alpha, 1 - alpha]))
    return {
        "macro_auroc": point,
        "ci_low": low,
        "ci_high": high,
        "n_resamples": int(n_resamples),
        "confidence": float(confidence),
    }


def _nanmean(values: list[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return float(np.mean(finite)) if finite else math.nan
