"""Inference engines for the image path: PyTorch eager and onnxruntime, with the same inputs and outputs.

Both take ``{input name: float32 array (B, C, Z, Y, X)}`` (``image`` for CT, plane names for MRI) and return
``{"logits": (B, K), "latent": (B, D), "feature_map" or "feature_map_<plane>": (B, F, z, y, x)}`` as NumPy.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import psutil
import torch

from greenrfm_core.modelfolder import LoadedModel

log = logging.getLogger(__name__)


def physical_cores() -> int:
    """Return the number of physical CPU cores (logical cores when psutil cannot tell)."""
    return psutil.cpu_count(logical=False) or psutil.cpu_count() or 1


class TorchEngine:
    """PyTorch eager inference under ``torch.inference_mode``.

    Args:
        loaded: a model folder loaded with ``with_text=False`` on the target device.
        threads: intra-op CPU threads; ``None`` leaves torch's setting unchanged.
    """

    name = "torch"

    def __init__(self, loaded: LoadedModel, threads: int | None = None) -> None:
        self.model = loaded.model.eval()
        self.device = loaded.device
        self.planes = tuple(loaded.config.planes)
        if threads and self.device.type == "cpu":
            torch.set_num_threads(threads)

    def run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        # np.require copies read-only cache memory maps, which torch.from_numpy cannot wrap safely.
        tensors = {
            name: torch.from_numpy(np.require(array, np.float32, ["C", "W"])).to(self.device)
            for name, array in inputs.items()
        }
        with torch.inference_mode():
            out = self.model.image_forward(tensors if self.planes else tensors["image"])
        result = {
            "logits": out["logits"].float().cpu().numpy(),
            "latent": out["latent"].float().cpu().numpy(),
        }
        if self.planes:
            for plane in self.planes:
                result[f"feature_map_{plane}"] = out["feature_map"][plane].float().cpu().numpy()
        else:
            result["feature_map"] = out["feature_map"].float().cpu().numpy()
        return result


def onnx_providers(device: str) -> list[str]:
    """Return onnxruntime execution providers for a device request (``auto``, ``cpu``, ``cuda[:N]``)."""
    import onnxruntime as ort

    available = ort.get_available_providers()
    if device != "cpu" and device != "mps" and "CUDAExecutionProvider" in available:
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]
    return ["CPUExecutionProvider"]


class OnnxEngine:
    """onnxruntime inference of ``model.onnx``.

    Args:
        onnx_path: the exported image path.
        device: ``auto`` or ``cuda`` use the CUDA execution provider when onnxruntime has it, else the CPU.
        threads: intra-op threads; ``None`` uses the number of physical cores.
    """

    name = "onnx"

    def __init__(self, onnx_path: Path, device: str = "auto", threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.intra_op_num_threads = threads or physical_cores()
        options.inter_op_num_threads = 1
        # Idle worker threads sleep instead of spinning: same CPU time per study in the benchmark, and the GUI
        # thread keeps its core while a prediction runs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(str(onnx_path), options, providers=onnx_providers(device))
        except Exception as error:  # onnxruntime raises its own Fail/InvalidProtobuf exception types
            from greenrfm_core.modelfolder import ModelFolderError

            raise ModelFolderError(
                f"{onnx_path} could not be loaded by onnxruntime ({error}); run 'greenrfm export-onnx' again"
            ) from error
        self.output_names = [output.name for output in self.session.get_outputs()]
        self.providers = self.session.get_providers()

    def run(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        feeds = {name: np.ascontiguousarray(array, dtype=np.float32) for name, array in inputs.items()}
        outputs = self.session.run(self.output_names, feeds)
        return dict(zip(self.output_names, outputs))
