"""Validation after an epoch or stage: AUROC of the image classifier, zero-shot prompts or report classifier."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import torch

from greenrfm_core.data.dataset import StudyDataset
from greenrfm_core.evaluation import evaluate_scores, youden_thresholds
from greenrfm_core.training.predict import predict_scores
from greenrfm_core.training.setup import Cohort, label_matrix

logger = logging.getLogger(__name__)


def evaluate_stage(
    stage: str,
    model,
    schema,
    spec: dict,
    cohort: Cohort,
    device: torch.device,
    batch_size: int,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict:
    """Evaluate the model on the validation studies.

    The text stage scores validation reports through the shared classifier. The other stages score
    validation volumes, and the align stage also scores them zero-shot with the schema's English prompts.

    Returns:
        ``summary`` (flat numbers for events and metrics.jsonl), ``thresholds`` (Youden threshold per finding
        on the supervised scores), ``manifest`` (metrics for the model manifest) and ``results`` (full
        per-finding results with ROC points).
    """
    finding_ids = schema.finding_ids
    if stage == "text":
        labels = label_matrix(cohort.validation)
        scores = _text_scores(model, [r.report for r in cohort.validation], device, batch_size)
        results = {"report_classifier": evaluate_scores(labels, scores, finding_ids, source="report_classifier",
                                                        n_resamples=n_resamples, seed=seed)}
        thresholds = None
    else:
        dataset = StudyDataset(cohort.validation, cohort.validation_arrays, spec)
        prompts = None
        if model.text_encoder is not None and stage in ("align",):
            model.eval()
            with torch.no_grad():
                prompts = model.encode_prompts(schema)
        scores = predict_scores(model, dataset, device, batch_size=max(1, batch_size), prompt_latents=prompts)
        results = {"classifier": evaluate_scores(scores["labels"], scores["classifier"], finding_ids,
                                                 n_resamples=n_resamples, seed=seed)}
        if "zero_shot" in scores:
            results["zero_shot"] = evaluate_scores(scores["labels"], scores["zero_shot"], finding_ids,
                                                   source="zero_shot", n_resamples=n_resamples, seed=seed)
        thresholds = youden_thresholds(scores["labels"], scores["classifier"], finding_ids)
        thresholds = {key: float(np.clip(value, 0.0, 1.0)) for key, value in thresholds.items()}
    primary = "report_classifier" if stage == "text" else "classifier"
    final = n_resamples > 0
    summary = results[primary].to_dict(include_roc=final)
    summary["macro_auroc"] = summary["macro"]["macro_auroc"]
    manifest: dict = {"validation_studies": len(cohort.validation), "source": primary}
    for name, result in results.items():
        summary[f"{name}_macro_auroc"] = _finite(result.macro["macro_auroc"])
        manifest[name] = {
            "macro_auroc": _finite(result.macro["macro_auroc"]),
            "macro_auroc_ci": [_finite(result.macro["ci_low"]), _finite(result.macro["ci_high"])],
            "auroc": {finding: _finite(value) for finding, value in result.auroc_by_finding().items()},
        }
    undefined = [finding for finding, value in results[primary].auroc_by_finding().items() if np.isnan(value)]
    if undefined:
        logger.warning("Validation AUROC is undefined for %d findings with only one class among %d studies: %s",
                       len(undefined), len(cohort.validation), ", ".join(undefined))
    manifest["auroc"] = manifest[primary]["auroc"]
    manifest["macro_auroc"] = manifest[primary]["macro_auroc"]
    manifest["macro_auroc_ci"] = manifest[primary]["macro_auroc_ci"]
    return {"summary": summary, "thresholds": thresholds, "manifest": manifest,
            "results": {name: result.to_dict() for name, result in results.items()}}


@torch.no_grad()
def _text_scores(model, reports: list[str], device: torch.device, batch_size: int) -> np.ndarray:
    was_training = model.training
    model.eval()
    scores = []
    for start in range(0, len(reports), max(1, batch_size)):
        tokens = model.tokenize(reports[start:start + batch_size], device)
        logits = model.classify(model.text_latent(tokens["input_ids"], tokens["attention_mask"]))
        scores.append(torch.sigmoid(logits.float()).cpu().numpy())
    model.train(was_training)
    return np.concatenate(scores) if scores else np.zeros((0, model.config.num_findings), np.float32)


def write_metrics_line(path: Path, record: dict) -> None:
    """Append one JSON line to a stage's ``metrics.jsonl``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(_clean(record)) + "\n")


def _clean(value):
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _finite(value):
    return float(value) if value is not None and np.isfinite(value) else None
