"""One prediction interface for the CLI and the viewer, over the PyTorch and onnxruntime engines."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open

from greenrfm_core.inference.engines import OnnxEngine, TorchEngine
from greenrfm_core.inference.export import model_input_shapes
from greenrfm_core.inference.prediction import Prediction
from greenrfm_core.inference.quantize import INT8_ONNX_FILE
from greenrfm_core.modelfolder import (
    ONNX_FILE,
    PROMPTS_FILE,
    WEIGHTS_FILE,
    ModelFolderError,
    check_file,
    load_model_folder,
    read_manifest,
    read_safetensors,
)
from greenrfm_core.models import ArchitectureConfig

log = logging.getLogger(__name__)

ENGINES = ("auto", "onnx", "torch")
# Progress callback: (step name, fraction done in [0, 1]).
ProgressCallback = Callable[[str, float], None]


def default_engine(device: torch.device, profile: str) -> str:
    """Return the faster engine for a device type and profile, as measured by ``benchmarks/inference.py``.

    On a 2-core AMD EPYC (AVX-512) CPU at 96x192x192, onnxruntime used 10-30 % less CPU time than PyTorch
    eager for lite. For standard the two were within 10 % of each other, and which was ahead changed between
    runs on the busy machine.

    On the same machine when idle, PyTorch eager was about 7 % faster for lite (0.44 s against 0.47 s), and an
    earlier idle measurement gave PyTorch 0.56 s against onnxruntime 0.65 s for lite but 5.5 s against 4.7 s
    for standard. So the CPU default is PyTorch for lite and onnxruntime for standard.

    NOTE: CUDA and MPS were not measured. They default to PyTorch, because the onnxruntime CPU package has no
    GPU execution provider.
    """
    if device.type != "cpu":
        return "torch"
    return "torch" if profile == "lite" else "onnx"


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _read_cam_weights(weights_path: Path) -> np.ndarray:
    """Return ``W_cls @ W_proj`` (K, F) read from the weights file without building the network."""
    names = ("image_projection.weight", "classifier.weight")
    try:
        with safe_open(str(weights_path), framework="numpy") as handle:
            w_proj, w_cls = (handle.get_tensor(name).astype(np.float32) for name in names)
    except Exception as error:  # safetensors raises SafetensorError or a bare Exception for a missing key
        raise ModelFolderError(
            f"{weights_path} could not be read ({error}); copy the model folder again"
        ) from error
    return w_cls @ w_proj


class Predictor:
    """Load a model folder once and predict studies with it.

    Args:
        model_dir: the model folder.
        engine: ``auto`` (the faster engine for this device and profile), ``onnx`` (needs ``model.onnx``
            from ``greenrfm export-onnx``) or ``torch``.
        device: ``auto``, ``cpu``, ``cuda``, ``cuda:N`` or ``mps``.
        threads: CPU intra-op threads; ``None`` uses the physical core count (onnxruntime) or torch's setting.
        progress: optional callback ``(step, fraction)`` for a progress bar.
        quantized: run ``model.int8.onnx`` from ``quantize_model_folder`` (implies the onnx engine).

    Raises:
        ModelFolderError: missing or damaged manifest, weights or ONNX file.
    """

    def __init__(
        self,
        model_dir: str | Path,
        engine: str = "auto",
        device: str = "auto",
        threads: int | None = None,
        progress: ProgressCallback | None = None,
        quantized: bool = False,
    ) -> None:
        from greenrfm_core.device import resolve_device

        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {ENGINES}; got {engine!r}")
        started = time.perf_counter()
        self.folder = Path(model_dir)
        self.progress = progress or (lambda step, fraction: None)
        self.progress("load model", 0.0)
        self.manifest = read_manifest(self.folder)
        self.config = ArchitectureConfig.from_dict(self.manifest["architecture"])
        self.spec: dict[str, Any] = self.manifest["preprocess"]
        self.finding_ids: list[str] = list(self.manifest["finding_ids"])
        self.thresholds = np.array(
            [self.manifest["thresholds"].get(f, 0.5) for f in self.finding_ids], np.float32
        )
        self.names = {
            finding["id"]: finding.get("name", {}) for finding in self.manifest["schema"]["findings"]
        }
        self.device = resolve_device(device)
        if quantized:
            engine = "onnx"
        if engine == "auto":
            has_onnx = (self.folder / ONNX_FILE).is_file()
            engine = default_engine(self.device, self.config.profile) if has_onnx else "torch"
        self.engine_name = "onnx-int8" if quantized else engine
        weights_path = check_file(self.folder, self.manifest, WEIGHTS_FILE, "copy the model folder again")
        if engine == "onnx":
            onnx_name = INT8_ONNX_FILE if quantized else ONNX_FILE
            if quantized:
                action = "run quantize_model_folder to create it"
            else:
                action = f"run 'greenrfm export-onnx {self.folder}' to create it"
            onnx_path = check_file(self.folder, self.manifest, onnx_name, action)
            self.engine: TorchEngine | OnnxEngine = OnnxEngine(onnx_path, str(self.device), threads)
            self.device_name = self.engine.providers[0]
            self.cam_weights = _read_cam_weights(weights_path)
        else:
            loaded = load_model_folder(self.folder, self.device, with_text=False)
            self.engine = TorchEngine(loaded, threads)
            self.device_name = str(self.device)
            self.cam_weights = loaded.model.cam_weights()[0].detach().float().cpu().numpy()
        self.prompts, self.logit_scale = self._read_prompts()
        self.input_shapes = model_input_shapes(self.config, self.spec)
        self.load_s = time.perf_counter() - started
        self.progress("load model", 1.0)
        log.info(
            "Loaded model %s with the %s engine on %s in %.2f s",
            self.folder,
            engine,
            self.device_name,
            self.load_s,
        )

    def _read_prompts(self) -> tuple[dict[str, np.ndarray], float]:
        path = self.folder / PROMPTS_FILE
        if not path.is_file():
            if not self.manifest.get("has_text_encoder", True):
                # export-onnx encodes prompts with the text encoder, so such a model can never have them.
                log.debug("Model %s has no text encoder, so it has no zero-shot prompts", self.folder)
            else:
                log.info("%s not found, so predictions have no zero-shot probabilities; run export-onnx", path)
            return {}, 0.0
        check_file(
            self.folder, self.manifest, PROMPTS_FILE, f"run 'greenrfm export-onnx {self.folder}' again"
        )
        tensors = read_safetensors(path)
        prompts = {
            name.removeprefix("prompts."): tensor.numpy()
            for name, tensor in tensors.items()
            if name.startswith("prompts.")
        }
        return prompts, float(tensors["logit_scale"])

    def preprocess(self, source) -> dict[str, np.ndarray]:
        """Read and preprocess a study into model inputs ``{name: (1, C, Z, Y, X)}`` using the model's spec."""
        from greenrfm_core.preprocess import preprocess_study

        device = self.device if self.engine_name == "torch" else None
        arrays = preprocess_study(source, self.spec, device=device)
        if isinstance(arrays, dict):
            return {plane: np.asarray(arrays[plane], dtype=np.float32)[None] for plane in self.config.planes}
        return {"image": np.asarray(arrays, dtype=np.float32)[None]}

    def run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Run the engine on preprocessed inputs ``{name: (B, C, Z, Y, X)}``; see ``engines``."""
        for name, expected in self.input_shapes.items():
            if name not in inputs:
                raise ValueError(f"missing model input {name!r}; the model needs {list(self.input_shapes)}")
            if tuple(inputs[name].shape[1:]) != expected:
                raise ValueError(
                    f"input {name!r} has shape {tuple(inputs[name].shape[1:])} but the model expects {expected} "
                    "(C, Z, Y, X); preprocess with the model's own spec"
                )
        return self.engine.run(inputs)

    def zero_shot_probabilities(self, latent: np.ndarray, lang: str = "en") -> np.ndarray | None:
        """Return (B, K) zero-shot P(present) from image latents (B, D), or ``None`` without prompt latents."""
        prompts = self.prompts.get(lang) if lang in self.prompts else self.prompts.get("en")
        if prompts is None:
            return None
        image = latent / np.maximum(np.linalg.norm(latent, axis=-1, keepdims=True), 1e-12)
        similarity = np.einsum("bd,kpd->bkp", image, prompts)
        return _sigmoid(self.logit_scale * (similarity[..., 0] - similarity[..., 1]))

    def predict(self, source, lang: str = "en") -> Prediction:
        """Predict one study.

        Args:
            source: a study folder or file, a :class:`~greenrfm_core.volume.Volume` (CT), or
                ``{plane: {sequence: Volume}}`` (MRI).
            lang: language of the zero-shot prompts (falls back to English).
        """
        self.progress("preprocess", 0.0)
        started = time.perf_counter()
        inputs = self.preprocess(source)
        preprocessed = time.perf_counter()
        self.progress("model", 0.5)
        outputs = self.run(inputs)
        finished = time.perf_counter()
        self.progress("model", 1.0)
        zero_shot = self.zero_shot_probabilities(outputs["latent"], lang)
        feature_maps = {name: value[0] for name, value in outputs.items() if name.startswith("feature_map")}
        model_shapes = {
            ("feature_map" if name == "image" else f"feature_map_{name}"): shape[1:]
            for name, shape in self.input_shapes.items()
        }
        return Prediction(
            task=self.manifest["task"],
            finding_ids=self.finding_ids,
            names=self.names,
            probabilities=_sigmoid(outputs["logits"][0].astype(np.float64)).astype(np.float32),
            zero_shot=None if zero_shot is None else zero_shot[0].astype(np.float32),
            thresholds=self.thresholds,
            timings={
                "model_load": self.load_s,
                "preprocess": preprocessed - started,
                "model": finished - preprocessed,
            },
            engine=self.engine_name,
            device=self.device_name,
            feature_maps=feature_maps,
            cam_weights=self.cam_weights,
            model_shapes=model_shapes,
            spec=self.spec,
            source=source,
        )
