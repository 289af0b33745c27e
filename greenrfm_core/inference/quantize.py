"""Opt-in int8 static quantisation of ``model.onnx`` for faster CPU inference.

``quantize_model_folder`` calibrates activation ranges on preprocessed studies and writes
``model.int8.onnx`` next to ``model.onnx`` (QDQ format, per-channel int8 weights, uint8 activations). The
Predictor uses it with ``quantized=True``. Quantisation changes the probabilities slightly, so check the
AUROC on held-out studies before using it clinically. ``benchmarks/inference.py`` prints the largest
probability change on held-out phantoms.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from greenrfm_core.atomic import atomic_path
from greenrfm_core.modelfolder import INT8_ONNX_FILE, ONNX_FILE, file_record, update_manifest

log = logging.getLogger(__name__)

__all__ = ["INT8_ONNX_FILE", "quantize_model_folder"]


class _Calibration:
    """onnxruntime calibration reader over ``{input name: (1, C, Z, Y, X)}`` feeds."""

    def __init__(self, feeds: Iterable[dict[str, np.ndarray]]) -> None:
        self._feeds = iter(feeds)

    def get_next(self):
        return next(self._feeds, None)

    def rewind(self) -> None:
        # NOTE: the feeds are an iterator, so they cannot be replayed; the MinMax calibrator reads them once.
        return None


def quantize_model_folder(folder: str | Path, calibration: Iterable[dict[str, np.ndarray]]) -> Path:
    """Write ``model.int8.onnx`` calibrated on ``calibration`` feeds and record it in the manifest.

    Args:
        folder: a model folder that already has ``model.onnx``.
        calibration: model inputs ``{name: float32 (1, C, Z, Y, X)}`` of representative studies, e.g. from
            ``Predictor.preprocess``; 10 to 50 studies are typical.

    Returns:
        The path of ``model.int8.onnx``.
    """
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quant_pre_process,
        quantize_static,
    )

    folder = Path(folder)
    source = folder / ONNX_FILE
    if not source.is_file():
        raise FileNotFoundError(f"{source} not found; run 'greenrfm export-onnx {folder}' first")

    class Reader(_Calibration, CalibrationDataReader):
        pass

    target = folder / INT8_ONNX_FILE
    with atomic_path(target, suffix=".tmp") as temporary:
        prepared = temporary.with_suffix(".prepared.onnx")
        try:
            # Pre-processing folds the exporter's Identity nodes into constants, so convolution biases
            # become initializers that the quantiser can quantise.
            quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)
            quantize_static(
                str(prepared),
                str(temporary),
                Reader(calibration),
                quant_format=QuantFormat.QDQ,
                per_channel=True,
                activation_type=QuantType.QUInt8,
                weight_type=QuantType.QInt8,
            )
        finally:
            prepared.unlink(missing_ok=True)
    update_manifest(folder, {"files": {INT8_ONNX_FILE: file_record(target)}})
    log.info("Wrote %s", target)
    return target
