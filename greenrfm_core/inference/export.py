"""ONNX export of a model folder's image path, plus precomputed zero-shot prompt latents.

``model.onnx`` takes ``image`` (B, C, Z, Y, X) for CT, or one input per plane named after the plane
(``sagittal``, ``coronal``, ``axial``: (B, sequences, Z, Y, X)) for three-plane MRI, with a dynamic batch axis.
Its outputs are ``logits`` (B, K) of the shared classifier, ``latent`` (B, D) and the last-stage feature map:
``feature_map`` (B, F, z, y, x) for CT, ``feature_map_<plane>`` for MRI. Heat maps are computed from these
with the classifier and projection weights (see :mod:`greenrfm_core.inference.heatmap`). The TorchScript
exporter folds each evaluation-mode batch norm into the preceding convolution, so the graph has no
BatchNormalization nodes.

``prompts.safetensors`` contains ``prompts.<lang>`` (K, 2, D) L2-normalised latents of each finding's "present"
and "absent" prompts per schema language, and ``logit_scale`` (a 0-d tensor, already exponentiated), so
prediction needs no text encoder.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import torch
from safetensors.torch import save as save_safetensors_bytes
from torch import nn

from greenrfm_core.atomic import atomic_path, atomic_write_bytes
from greenrfm_core.modelfolder import (
    ONNX_FILE,
    PROMPTS_FILE,
    LoadedModel,
    file_record,
    load_model_folder,
    update_manifest,
)
from greenrfm_core.models import ArchitectureConfig, GreenRFMModel

log = logging.getLogger(__name__)

ONNX_OPSET = 17


class ImagePath(nn.Module):
    """The image path of a GreenRFM model with positional inputs and a tuple output, for tracing."""

    def __init__(self, model: GreenRFMModel) -> None:
        super().__init__()
        self.model = model
        self.planes = tuple(model.config.planes)

    def forward(self, *images: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x = dict(zip(self.planes, images)) if self.planes else images[0]
        out = self.model.image_forward(x)
        if self.planes:
            return (out["logits"], out["latent"], *(out["feature_map"][plane] for plane in self.planes))
        return out["logits"], out["latent"], out["feature_map"]


def input_names(loaded: LoadedModel) -> list[str]:
    """Return the ONNX input names: ``["image"]`` for CT, the plane names for MRI."""
    return list(loaded.config.planes) or ["image"]


def output_names(loaded: LoadedModel) -> list[str]:
    """Return the ONNX output names in order."""
    planes = loaded.config.planes
    maps = [f"feature_map_{plane}" for plane in planes] if planes else ["feature_map"]
    return ["logits", "latent", *maps]


def model_input_shapes(config: ArchitectureConfig, spec: dict) -> dict[str, tuple[int, int, int, int]]:
    """Return (C, Z, Y, X) per model input (``image`` or plane names) from the spec's grid (x, y, z)."""
    from greenrfm_core.preprocess import plane_shape

    channels = config.in_channels
    if config.planes:
        shapes = {plane: plane_shape(spec, plane) for plane in config.planes}
    else:
        shapes = {"image": plane_shape(spec, None)}
    return {name: (channels, z, y, x) for name, (x, y, z) in shapes.items()}


def export_onnx(loaded: LoadedModel, path: Path) -> None:
    """Trace the image path on the CPU and write it to ``path`` atomically (dynamic batch axis)."""
    model = loaded.model.to("cpu").eval()
    wrapper = ImagePath(model).eval()
    shapes = model_input_shapes(loaded.config, loaded.spec)
    example = tuple(torch.rand(1, *shape) for shape in shapes.values())
    names_in = input_names(loaded)
    names_out = output_names(loaded)
    dynamic_axes = {name: {0: "batch"} for name in names_in + names_out}
    with atomic_path(path, suffix=".tmp") as temporary, warnings.catch_warnings(), torch.no_grad():
        # torch >= 2.9 warns that the TorchScript exporter is legacy. It is used because the torch.export
        # based exporter needs onnxscript, which is not a dependency.
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            wrapper,
            example,
            str(temporary),
            input_names=names_in,
            output_names=names_out,
            dynamic_axes=dynamic_axes,
            opset_version=ONNX_OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def prompt_languages(schema: dict) -> list[str]:
    """Return the languages that every finding of ``schema`` has prompts in."""
    languages = None
    for finding in schema["findings"]:
        found = set(finding.get("prompts", {}))
        languages = found if languages is None else languages & found
    return sorted(languages or ())


def export_prompts(loaded: LoadedModel, path: Path) -> list[str]:
    """Encode the schema's prompts in every language with the text encoder and write ``prompts.safetensors``.

    Returns:
        The languages written; empty (and no file) when the model has no text encoder.
    """
    model = loaded.model
    if model.text_encoder is None:
        log.warning("model %s has no text encoder, so zero-shot prompts are not exported", loaded.folder)
        return []
    tensors = {"logit_scale": model.scale().detach().cpu().reshape(())}
    languages = prompt_languages(loaded.schema)
    for lang in languages:
        tensors[f"prompts.{lang}"] = model.encode_prompts(loaded.schema, lang).detach().cpu().contiguous()
    atomic_write_bytes(path, save_safetensors_bytes(tensors, metadata={"languages": ",".join(languages)}))
    return languages


def export_model_folder(folder: str | Path) -> Path:
    """Write ``model.onnx`` and ``prompts.safetensors`` into a model folder and record them in its manifest.

    Training calls this after registering a model; ``greenrfm export-onnx`` calls it from the command line.

    Returns:
        The path of ``model.onnx``.
    """
    folder = Path(folder)
    loaded = load_model_folder(folder, device="cpu", with_text=True)
    onnx_path = folder / ONNX_FILE
    export_onnx(loaded, onnx_path)
    files = {ONNX_FILE: file_record(onnx_path)}
    languages = export_prompts(loaded, folder / PROMPTS_FILE)
    if languages:
        files[PROMPTS_FILE] = file_record(folder / PROMPTS_FILE)
    update_manifest(
        folder,
        {
            "files": files,
            "onnx": {"opset": ONNX_OPSET, "inputs": input_names(loaded), "outputs": output_names(loaded)},
        },
    )
    log.info("Exported %s (prompt languages: %s)", onnx_path, ", ".join(languages) or "none")
    return onnx_path
