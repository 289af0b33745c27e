"""Reading and writing a model folder: ``manifest.json`` plus safetensors weights (never pickle).

Layout::

    model/
      manifest.json        format_version, task, schema, preprocess spec, architecture, thresholds, metrics,
                           provenance, and size + SHA-256 of every other file
      model.safetensors    all weights (image encoder, projections, classifier, text encoder)
      text_encoder/        config.json + tokenizer files of a Hugging Face text encoder (no weights)
      tokenizer.json       WordPiece tokenizer of a scratch text encoder
      model.onnx           image path for onnxruntime (written by ``greenrfm export-onnx``)
      prompts.safetensors  zero-shot prompt latents (written by ``greenrfm export-onnx``)
      model.int8.onnx      optional int8 model (written by ``greenrfm export-onnx --int8 STUDY...``)

Every file is written atomically (temporary file in the same folder, fsync, ``os.replace``) and the
manifest last, so a folder with a manifest is complete. Loading checks each file's size against the
manifest, which catches truncated copies without hashing large files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from safetensors.torch import save as save_safetensors_bytes

from greenrfm_core.atomic import atomic_write_bytes, atomic_write_json
from greenrfm_core.models import ArchitectureConfig, GreenRFMModel, build_model, load_wordpiece_tokenizer
from greenrfm_core.models.text import TEXT_ASSETS_DIR, TOKENIZER_FILE

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
WEIGHTS_FILE = "model.safetensors"
ONNX_FILE = "model.onnx"
PROMPTS_FILE = "prompts.safetensors"
INT8_ONNX_FILE = "model.int8.onnx"
TEXT_KEY_PREFIXES = ("text_encoder.", "text_projection.")
# Lower-case keys with "_", "-" and spaces removed that must never appear in a manifest.
IDENTIFIER_KEYS = {"patientname", "patientid", "patientbirthdate", "birthdate", "patientsname"}


class ModelFolderError(ValueError):
    """A model folder is missing a file, or a file is truncated, invalid or from an incompatible version."""


@dataclass
class LoadedModel:
    """A model read from a folder, ready for inference.

    Attributes:
        model: the network in evaluation mode on ``device``.
        manifest: the parsed ``manifest.json``.
        config: the architecture.
        schema: the finding schema (dict, as in the manifest).
        spec: the preprocessing spec (dict).
        thresholds: finding id -> probability threshold.
        finding_ids: finding ids in classifier output order.
        folder: the model folder.
        device: the device the weights are on.
    """

    model: GreenRFMModel
    manifest: dict[str, Any]
    config: ArchitectureConfig
    schema: dict[str, Any]
    spec: dict[str, Any]
    thresholds: dict[str, float]
    finding_ids: list[str]
    folder: Path
    device: torch.device = field(default_factory=lambda: torch.device("cpu"))

    @property
    def task(self) -> str:
        return self.manifest["task"]


# File records ------------------------------------------------------------------------------------------


def file_record(path: Path) -> dict[str, Any]:
    """Return ``{"bytes": size, "sha256": hex digest}`` of a file, for the manifest's ``files`` table."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


# Saving -----------------------------------------------------------------------------------------------


def _to_jsonable(value: Any, what: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return json.loads(json.dumps(value))
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    raise TypeError(f"{what} must be a dict, a dataclass or have to_dict(); got {type(value).__name__}")


def _reject_identifiers(data: Any, where: str) -> None:
    if isinstance(data, dict):
        for key, item in data.items():
            normalised = str(key).lower().replace("_", "").replace("-", "").replace(" ", "")
            if normalised in IDENTIFIER_KEYS:
                raise ValueError(
                    f"{where} contains the patient identifier key {key!r}; remove it before saving"
                )
            _reject_identifiers(item, f"{where}.{key}")
    elif isinstance(data, list):
        for item in data:
            _reject_identifiers(item, where)


def _software_versions() -> dict[str, str]:
    from importlib import metadata

    versions = {"python": platform.python_version(), "torch": torch.__version__}
    for package in ("greenrfm-studio", "monai", "transformers", "onnx", "onnxruntime", "safetensors"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _finding_ids(schema: dict[str, Any]) -> list[str]:
    try:
        return [finding["id"] for finding in schema["findings"]]
    except (KeyError, TypeError) as error:
        raise ValueError(f"schema has no 'findings' list with an 'id' per finding ({error})") from error


def save_model_folder(
    folder: str | Path,
    model: GreenRFMModel,
    config: ArchitectureConfig,
    schema: Any,
    spec: Any,
    thresholds: dict[str, float] | None = None,
    metrics: dict[str, Any] | None = None,
    provenance: dict[str, Any] | None = None,
    tokenizer=None,
) -> Path:
    """Write a model folder.

    Any ``model.onnx`` and ``prompts.safetensors`` from an earlier save are removed, because they would no
    longer match the weights; run ``export_model_folder`` (``greenrfm export-onnx``) again afterwards.

    Args:
        folder: target folder, created if needed.
        model: the trained model (any device).
        config: its architecture.
        schema: the finding schema (dict, dataclass or object with ``to_dict``).
        spec: the preprocessing spec (same types).
        thresholds: finding id -> probability threshold; findings left out get 0.5.
        metrics: evaluation results, e.g. ``{"auroc": {finding_id: value}, "macro_auroc": value}``.
        provenance: merged over the defaults ``created``, ``software``, ``synthetic`` (False),
            ``not_for_clinical_use`` (True), ``training_data_fingerprint`` (None) and ``parent_model`` (None).
        tokenizer: tokenizer of a scratch text encoder, if not the one the model holds.

    Returns:
        The folder path.

    Raises:
        ValueError: the schema does not match ``config.num_findings``, a threshold is outside [0, 1] or
            names an unknown finding, or metrics/provenance contain a patient identifier key.
    """
    folder = Path(folder)
    schema_dict = _to_jsonable(schema, "schema")
    spec_dict = _to_jsonable(spec, "preprocessing spec")
    finding_ids = _finding_ids(schema_dict)
    if len(finding_ids) != config.num_findings:
        raise ValueError(
            f"schema has {len(finding_ids)} findings but the architecture has num_findings="
            f"{config.num_findings}; build the model for this schema"
        )
    thresholds = dict(thresholds or {})
    unknown = set(thresholds) - set(finding_ids)
    if unknown:
        raise ValueError(f"thresholds name unknown findings {sorted(unknown)}; use ids from the schema")
    for finding_id, value in thresholds.items():
        if not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"threshold of {finding_id!r} is {value}; it must be a probability in [0, 1]")
    full_thresholds = {finding_id: float(thresholds.get(finding_id, 0.5)) for finding_id in finding_ids}
    metrics = json.loads(json.dumps(metrics or {}))
    full_provenance = {
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "software": _software_versions(),
        "training_data_fingerprint": None,
        "parent_model": None,
        "synthetic": False,
        "not_for_clinical_use": True,
    }
    full_provenance.update(json.loads(json.dumps(provenance or {})))
    _reject_identifiers(metrics, "metrics")
    _reject_identifiers(full_provenance, "provenance")

    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / MANIFEST_FILE
    # Remove the manifest first: a crash mid-save then leaves a folder that reads as incomplete.
    manifest_path.unlink(missing_ok=True)
    for stale in (ONNX_FILE, PROMPTS_FILE, INT8_ONNX_FILE):
        (folder / stale).unlink(missing_ok=True)

    text_encoder = model.text_encoder
    if text_encoder is not None:
        if tokenizer is not None and config.text.kind == "scratch":
            text_encoder.tokenizer = tokenizer
        text_encoder.save_assets(folder)
    state = {
        name: tensor.detach().to("cpu").contiguous().clone() for name, tensor in model.state_dict().items()
    }
    atomic_write_bytes(folder / WEIGHTS_FILE, save_safetensors_bytes(state, metadata={"format": "pt"}))

    manifest = {
        "format_version": FORMAT_VERSION,
        "task": schema_dict.get("task") or spec_dict.get("task"),
        "finding_ids": finding_ids,
        "schema": schema_dict,
        "preprocess": spec_dict,
        "architecture": config.to_dict(),
        "has_text_encoder": text_encoder is not None,
        "thresholds": full_thresholds,
        "metrics": metrics,
        "provenance": full_provenance,
        "files": {WEIGHTS_FILE: file_record(folder / WEIGHTS_FILE)},
    }
    atomic_write_json(manifest_path, manifest)
    log.info("Saved model folder %s (%d findings, %s)", folder, len(finding_ids), config.profile)
    return folder


# Loading ----------------------------------------------------------------------------------------------


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """Read and check ``manifest.json``.

    Raises:
        ModelFolderError: the folder or manifest is missing, the manifest is truncated or invalid JSON, a
            required key is missing, or its ``format_version`` is newer than this software reads.
    """
    folder = Path(folder)
    path = folder / MANIFEST_FILE
    if not folder.is_dir():
        raise ModelFolderError(
            f"model folder {folder} not found; pass the folder that contains {MANIFEST_FILE}"
        )
    if not path.is_file():
        raise ModelFolderError(
            f"{path} not found; this is not a model folder, or saving it did not finish: save or copy it again"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelFolderError(
            f"{path} is truncated or not valid JSON ({error}); copy the model folder again"
        ) from error
    if not isinstance(manifest, dict):
        raise ModelFolderError(f"{path} must contain a JSON object; copy the model folder again")
    version = manifest.get("format_version")
    if not isinstance(version, int):
        raise ModelFolderError(f"{path} has no integer format_version; it was not written by GreenRFM Studio")
    if version > FORMAT_VERSION:
        raise ModelFolderError(
            f"{path} has format_version {version} but this GreenRFM Studio reads up to {FORMAT_VERSION}; "
            "upgrade GreenRFM Studio to load this model"
        )
    required = ("task", "finding_ids", "schema", "preprocess", "architecture", "thresholds", "files")
    missing = [key for key in required if key not in manifest]
    if missing:
        raise ModelFolderError(f"{path} lacks the keys {missing}; save the model folder again")
    return manifest


def check_file(folder: Path, manifest: dict[str, Any], name: str, action: str) -> Path:
    """Return ``folder/name`` after checking it exists and has the size the manifest records.

    Args:
        action: what the user should do if the file is missing or truncated, appended to the error.
    """
    path = folder / name
    if not path.is_file():
        raise ModelFolderError(f"{path} not found; {action}")
    record = manifest.get("files", {}).get(name)
    if record is None:
        raise ModelFolderError(f"{path} is not listed in {MANIFEST_FILE}, so it may be stale; {action}")
    size = path.stat().st_size
    if size != record.get("bytes"):
        raise ModelFolderError(
            f"{path} has {size} bytes but the manifest records {record.get('bytes')}: it is truncated or "
            f"from another save; {action}"
        )
    return path


def read_safetensors(path: Path, device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """Read a safetensors file into tensors on ``device``, naming the file on failure."""
    try:
        tensors = load_safetensors_bytes(path.read_bytes())
    except (SafetensorError, ValueError, RuntimeError) as error:
        raise ModelFolderError(
            f"{path} is not a valid safetensors file ({error}); copy the model folder again"
        ) from error
    return {name: tensor.to(device) for name, tensor in tensors.items()}


def load_model_folder(
    folder: str | Path, device: str | torch.device = "cpu", with_text: bool = True
) -> LoadedModel:
    """Read a model folder and rebuild its network.

    Args:
        folder: the model folder.
        device: torch device for the weights (``cpu``, ``cuda``, ``mps``).
        with_text: also rebuild the text encoder; ``False`` loads the image path only, which is faster and
            all that prediction needs.

    Raises:
        ModelFolderError: a file is missing, truncated, invalid, or does not fit the architecture.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    try:
        config = ArchitectureConfig.from_dict(manifest["architecture"])
    except (TypeError, ValueError) as error:
        raise ModelFolderError(f"{folder / MANIFEST_FILE} has an invalid architecture ({error})") from error
    device = torch.device(device)
    build_text = with_text and manifest.get("has_text_encoder", True) and config.text.kind != "none"
    tokenizer = None
    text_folder = None
    if build_text and config.text.kind == "scratch":
        tokenizer = load_wordpiece_tokenizer(folder / TOKENIZER_FILE)
    elif build_text:
        text_folder = folder / TEXT_ASSETS_DIR
        if not (text_folder / "config.json").is_file():
            raise ModelFolderError(f"{text_folder / 'config.json'} not found; save the model folder again")
    model = build_model(
        config, tokenizer=tokenizer, text_folder=text_folder, pretrained_text=False, with_text=build_text
    )

    weights_path = check_file(folder, manifest, WEIGHTS_FILE, "copy the model folder again")
    state = read_safetensors(weights_path, device="cpu")
    if not build_text:
        state = {name: tensor for name, tensor in state.items() if not name.startswith(TEXT_KEY_PREFIXES)}
    result = model.load_state_dict(state, strict=False)
    problems = list(result.missing_keys) + list(result.unexpected_keys)
    if problems:
        raise ModelFolderError(
            f"{weights_path} does not match the manifest's architecture (missing {result.missing_keys[:5]}, "
            f"unexpected {result.unexpected_keys[:5]}); the weights and manifest come from different saves"
        )
    model.to(device).eval()
    finding_ids = list(manifest["finding_ids"])
    return LoadedModel(
        model=model,
        manifest=manifest,
        config=config,
        schema=manifest["schema"],
        spec=manifest["preprocess"],
        thresholds={
            finding_id: float(manifest["thresholds"].get(finding_id, 0.5)) for finding_id in finding_ids
        },
        finding_ids=finding_ids,
        folder=folder,
        device=device,
    )


def update_manifest(folder: str | Path, changes: dict[str, Any]) -> dict[str, Any]:
    """Merge ``changes`` into the top level of ``manifest.json`` (``files`` is merged per file) and rewrite it."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    for key, value in changes.items():
        if key == "files":
            manifest["files"].update(value)
        else:
            manifest[key] = value
    atomic_write_json(folder / MANIFEST_FILE, manifest)
    return manifest
