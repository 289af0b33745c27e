"""The result of one prediction: per-finding probabilities, timings, and heat maps on request."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from greenrfm_core.inference.heatmap import class_activation, mask_to_body, normalise, resample_to_source
from greenrfm_core.volume import Volume


@dataclass
class Prediction:
    """Per-finding probabilities of one study.

    Attributes:
        task: the model's task, e.g. ``chest-ct``.
        finding_ids: finding ids in output order.
        names: finding id -> {language: display name}.
        probabilities: (K,) P(present) from the shared supervised classifier.
        zero_shot: (K,) P(present) from the zero-shot head (image vs. "present"/"absent" prompts), or ``None``
            when the model folder has no prompt latents.
        thresholds: (K,) decision thresholds on ``probabilities``.
        timings: seconds per step: ``model_load`` (once per Predictor), ``preprocess`` (reading and
            preprocessing the study, fast when the preprocessing cache has it) and ``model``.
        engine: ``torch``, ``onnx`` or ``onnx-int8`` (the quantised ONNX model).
        device: the device or onnxruntime execution provider used.
    """

    task: str
    finding_ids: list[str]
    names: dict[str, dict[str, str]]
    probabilities: np.ndarray
    zero_shot: np.ndarray | None
    thresholds: np.ndarray
    timings: dict[str, float]
    engine: str
    device: str
    feature_maps: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    cam_weights: np.ndarray | None = field(repr=False, default=None)
    model_shapes: dict[str, tuple[int, int, int]] = field(repr=False, default_factory=dict)
    spec: dict[str, Any] = field(repr=False, default_factory=dict)
    source: Any = field(repr=False, default=None)

    @property
    def positive(self) -> np.ndarray:
        """(K,) bool: probability at or above the finding's threshold."""
        return self.probabilities >= self.thresholds

    @property
    def planes(self) -> list[str]:
        """MRI plane names, or an empty list for CT."""
        return [name.removeprefix("feature_map_") for name in self.feature_maps if name != "feature_map"]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable summary (no arrays other than per-finding values)."""
        findings = []
        for index, finding_id in enumerate(self.finding_ids):
            findings.append(
                {
                    "id": finding_id,
                    "name": self.names.get(finding_id, {}),
                    "probability": float(self.probabilities[index]),
                    "zero_shot_probability": None if self.zero_shot is None else float(self.zero_shot[index]),
                    "threshold": float(self.thresholds[index]),
                    "positive": bool(self.positive[index]),
                }
            )
        return {
            "task": self.task,
            "engine": self.engine,
            "device": self.device,
            "timings_s": {key: round(value, 4) for key, value in self.timings.items()},
            "findings": findings,
        }

    def heatmap(
        self,
        finding_id: str,
        volume: Volume | None = None,
        plane: str | None = None,
        body_only: bool = False,
    ) -> np.ndarray:
        """Compute the class-activation heat map of a finding on the source volume's own voxel grid.

        Args:
            finding_id: a finding id of the model's schema.
            volume: the source volume whose (z, y, x) grid the map is resampled onto. Defaults to the Volume
                that was predicted on; for a study path the study is read again (geometry only is used).
            plane: for three-plane MRI, which plane's map to return (required there).
            body_only: zero the voxels outside the body outline (air, see
                :func:`~greenrfm_core.inference.heatmap.body_mask`) and rescale, so a display colours tissue
                only. The default returns the exact class activation.

        Returns:
            float32 (z, y, x) in [0, 1] with the source volume's shape: ReLU of the activation, divided by its
            maximum. Voxels outside the model's field of view are 0.

        Raises:
            KeyError: unknown ``finding_id`` or ``plane``.
        """
        if finding_id not in self.finding_ids:
            raise KeyError(f"unknown finding {finding_id!r}; the model has {self.finding_ids}")
        weights = self.cam_weights[self.finding_ids.index(finding_id)]
        if self.planes:
            if plane not in self.planes:
                raise KeyError(f"pass plane= one of {self.planes} for a three-plane MRI model; got {plane!r}")
            name = f"feature_map_{plane}"
            # Mean fusion over planes divides each plane's contribution to the logit by the plane count.
            weights = weights / len(self.planes)
        else:
            name = "feature_map"
        cam = class_activation(self.feature_maps[name], weights)
        source_volume = volume if volume is not None else self._source_volume(plane)
        spacing = self.spec.get("spacing")
        heat = normalise(resample_to_source(cam, self.model_shapes[name], source_volume, spacing))
        return mask_to_body(heat, source_volume) if body_only else heat

    def _source_volume(self, plane: str | None) -> Volume:
        source = self.source
        if isinstance(source, Volume):
            return source
        if isinstance(source, Mapping):
            by_sequence = source.get(plane, {})
            for sequence in self.spec.get("sequences", []):
                if sequence in by_sequence:
                    return by_sequence[sequence]
            raise KeyError(f"the study has no {plane} series; pass volume= to heatmap()")
        if isinstance(source, (str, os.PathLike)):
            from greenrfm_core import io

            # Keep the loaded study, so heat maps of further findings do not read it again.
            self.source = io.load_study(Path(source)) if plane is None else io.load_mri_study(Path(source))
            return self._source_volume(plane)
        raise ValueError("the prediction has no source volume; pass volume= to heatmap()")
