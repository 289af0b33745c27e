"""Turn a Predictor's output into the rows the findings table, chart and exports show."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FindingResult:
    """One finding of one prediction.

    Attributes:
        finding_id: schema id, e.g. ``pleural_effusion``.
        name: display name in the UI language.
        probability: model probability in [0, 1].
        threshold: the model's decision threshold in [0, 1].
        zero_shot: image-text similarity score, or None when the model has no text encoder.
    """

    finding_id: str
    name: str
    probability: float
    threshold: float
    zero_shot: float | None = None

    @property
    def positive(self) -> bool:
        """True when the probability reaches the threshold."""
        return self.probability >= self.threshold


def _as_mapping(values: Any, finding_ids: Sequence[str]) -> dict[str, float]:
    """Accept a ``{finding_id: value}`` mapping or a sequence/array in ``finding_ids`` order."""
    if values is None:
        return {}
    if isinstance(values, Mapping):
        return {str(key): float(value) for key, value in values.items()}
    flat = [float(value) for value in list(getattr(values, "tolist", lambda: values)())]
    if len(flat) != len(finding_ids):
        raise ValueError(f"prediction has {len(flat)} values but the model has {len(finding_ids)} findings")
    return dict(zip(finding_ids, flat))


def finding_results(
    prediction: Any,
    finding_ids: Sequence[str],
    names: Mapping[str, str],
    default_thresholds: Mapping[str, float] | None = None,
) -> list[FindingResult]:
    """Build one row per finding, sorted by probability (highest first).

    Args:
        prediction: a ``greenrfm_core.inference.Prediction`` (``probabilities``, ``thresholds`` and
            ``zero_shot`` as mappings by finding id or sequences in model order).
        finding_ids: the model's finding ids in output order.
        names: display name per finding id.
        default_thresholds: thresholds to use when the prediction carries none (the manifest's).
    """
    probabilities = _as_mapping(prediction.probabilities, finding_ids)
    thresholds = _as_mapping(getattr(prediction, "thresholds", None), finding_ids) or dict(
        default_thresholds or {}
    )
    zero_shot_values = getattr(prediction, "zero_shot", None)
    if zero_shot_values is None:
        zero_shot_values = getattr(prediction, "zero_shot_scores", None)
    zero_shot = _as_mapping(zero_shot_values, finding_ids)
    rows = [
        FindingResult(
            finding_id=finding_id,
            name=names.get(finding_id, finding_id),
            probability=probabilities[finding_id],
            threshold=float(thresholds.get(finding_id, 0.5)),
            zero_shot=zero_shot.get(finding_id),
        )
        for finding_id in finding_ids
        if finding_id in probabilities
    ]
    rows.sort(key=lambda row: row.probability, reverse=True)
    return rows
