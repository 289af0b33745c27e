"""Tests of AUROC, ROC points, Youden thresholds, F1 and the bootstrap interval against scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.metrics import roc_curve as sk_roc_curve

from greenrfm_core.evaluation import (
    auroc,
    evaluate_scores,
    f1_at_threshold,
    format_table,
    macro_auroc_bootstrap,
    roc_curve,
    youden_threshold,
)


def _random_scores(n=200, seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    scores = labels * 0.8 + rng.normal(0, 0.6, n)
    return labels, np.round(scores, 1)  # rounding creates ties


def test_auroc_matches_sklearn_with_ties():
    labels, scores = _random_scores()
    assert auroc(labels, scores) == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)


def test_auroc_skips_uncertain_labels():
    labels, scores = _random_scores()
    with_uncertain = np.concatenate([labels, -np.ones(50)])
    noisy_scores = np.concatenate([scores, np.linspace(-5, 5, 50)])
    assert auroc(with_uncertain, noisy_scores) == pytest.approx(roc_auc_score(labels, scores))


def test_auroc_one_class_is_nan():
    assert math.isnan(auroc(np.zeros(10), np.arange(10.0)))
    assert math.isnan(auroc(np.array([1, 1, -1]), np.array([0.1, 0.2, 0.3])))


def test_roc_curve_matches_sklearn():
    labels, scores = _random_scores(seed=1)
    curve = roc_curve(labels, scores)
    fpr, tpr, _ = sk_roc_curve(labels, scores, drop_intermediate=False)
    np.testing.assert_allclose(curve["fpr"], fpr)
    np.testing.assert_allclose(curve["tpr"], tpr)
    assert curve["thresholds"][0] == math.inf


def test_youden_threshold_separable():
    labels = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    assert youden_threshold(labels, scores) == pytest.approx(0.7)
    metrics = f1_at_threshold(labels, scores, 0.7)
    assert metrics["f1"] == 1.0
    assert metrics["sensitivity"] == 1.0
    assert metrics["specificity"] == 1.0


def test_f1_at_fixed_threshold():
    labels = np.array([1, 1, 0, 0])
    scores = np.array([0.9, 0.4, 0.6, 0.1])
    metrics = f1_at_threshold(labels, scores, 0.5)
    assert metrics["precision"] == pytest.approx(0.5)
    assert metrics["sensitivity"] == pytest.approx(0.5)
    assert metrics["f1"] == pytest.approx(0.5)


def test_bootstrap_is_seeded_and_brackets_point():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, (80, 3))
    scores = labels + rng.normal(0, 0.8, labels.shape)
    first = macro_auroc_bootstrap(labels, scores, n_resamples=200, seed=7)
    second = macro_auroc_bootstrap(labels, scores, n_resamples=200, seed=7)
    assert first == second
    assert first["ci_low"] <= first["macro_auroc"] <= first["ci_high"]
    assert first["ci_high"] - first["ci_low"] > 0.01


def test_evaluate_scores_reports_one_class_finding():
    labels = np.array([[1, 0], [0, 0], [1, 0], [0, 0]])
    scores = np.array([[0.9, 0.2], [0.1, 0.3], [0.8, 0.1], [0.3, 0.4]])
    result = evaluate_scores(labels, scores, ["effusion", "nodule"], n_resamples=50)
    assert result.findings["effusion"]["auroc"] == 1.0
    assert math.isnan(result.findings["nodule"]["auroc"])
    assert any("nodule" in warning for warning in result.warnings)
    assert result.macro["macro_auroc"] == 1.0
    as_dict = result.to_dict()
    assert as_dict["findings"]["nodule"]["auroc"] is None
    assert as_dict["findings"]["effusion"]["roc"]["thresholds"][0] is None
    assert "n/a" in format_table(result)


def test_evaluate_scores_uses_given_thresholds():
    labels = np.array([[1], [0], [1], [0]])
    scores = np.array([[0.9], [0.6], [0.55], [0.1]])
    result = evaluate_scores(labels, scores, ["effusion"], thresholds={"effusion": 0.95}, n_resamples=0)
    assert result.findings["effusion"]["threshold"] == 0.95
    assert result.findings["effusion"]["sensitivity"] == 0.0
    assert math.isnan(result.macro["ci_low"])
