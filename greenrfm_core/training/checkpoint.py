"""Training checkpoints as safetensors plus JSON; loading never unpickles.

A checkpoint is two files in the stage's ``checkpoints/`` folder:

* ``step-00000120.safetensors``: model parameters and buffers (``model.*``) and the optimizer's per-parameter
  state tensors (``optim.<param index>.<name>``).
* ``step-00000120.json``: step, epoch, sampler position, micro-batch and accumulation, optimizer hyper-parameter
  groups, gradient-scaler state, RNG states (Python, NumPy, torch CPU and CUDA) as lists, and the loss history.

Both are written atomically and the JSON goes last, so a JSON file only exists for a complete checkpoint. A
failed write (a full disk) raises ``OSError`` naming the folder and keeps the earlier checkpoints.
"""

from __future__ import annotations

import json
import logging
import random
import re
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file

from greenrfm_core.training.atomic import write_json_atomic, write_safetensors_atomic

logger = logging.getLogger(__name__)

CHECKPOINT_PATTERN = re.compile(r"^step-(\d{8})\.json$")
KEEP_LAST = 2


def capture_rng_state() -> dict[str, Any]:
    """Return the Python, NumPy and torch (CPU and CUDA) RNG states as JSON-ready lists."""
    numpy_state = np.random.get_state()
    python_state = random.getstate()
    state = {
        "python": [python_state[0], list(python_state[1]), python_state[2]],
        "numpy": [numpy_state[0], numpy_state[1].tolist(), int(numpy_state[2]), int(numpy_state[3]),
                  float(numpy_state[4])],
        "torch": torch.get_rng_state().tolist(),
    }
    if torch.cuda.is_available():
        state["cuda"] = [s.tolist() for s in torch.cuda.get_rng_state_all()]
    return state


def restore_rng_state(state: dict[str, Any]) -> None:
    """Restore RNG states written by :func:`capture_rng_state`."""
    if "python" in state:
        version, internal, gauss = state["python"]
        random.setstate((version, tuple(internal), gauss))
    if "numpy" in state:
        name, keys, position, has_gauss, cached = state["numpy"]
        np.random.set_state((name, np.asarray(keys, dtype=np.uint32), position, has_gauss, cached))
    if "torch" in state:
        torch.set_rng_state(torch.tensor(state["torch"], dtype=torch.uint8))
    if "cuda" in state and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([torch.tensor(s, dtype=torch.uint8) for s in state["cuda"]])


def _flatten_optimizer(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    state_dict = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, values in state_dict["state"].items():
        for name, value in values.items():
            if torch.is_tensor(value):
                tensors[f"optim.{index}.{name}"] = value
            else:
                scalars.setdefault(str(index), {})[name] = value
    groups = json.loads(json.dumps(state_dict["param_groups"], default=_json_default))
    return tensors, {"param_groups": groups, "scalars": scalars}


def _json_default(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if torch.is_tensor(value):
        return value.tolist()
    raise TypeError(f"cannot store optimizer setting of type {type(value).__name__} in a checkpoint")


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for key, tensor in tensors.items():
        if not key.startswith("optim."):
            continue
        _, index, name = key.split(".", 2)
        state.setdefault(int(index), {})[name] = tensor
    for index, values in meta.get("scalars", {}).items():
        state.setdefault(int(index), {}).update(values)
    groups = meta["param_groups"]
    for group in groups:
        if "betas" in group and isinstance(group["betas"], list):
            group["betas"] = tuple(group["betas"])
    return {"state": state, "param_groups": groups}


def save_checkpoint(
    folder: str | Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    progress: dict[str, Any],
    scaler_state: dict[str, Any] | None = None,
) -> Path:
    """Write a checkpoint for ``progress["step"]`` and delete all but the last :data:`KEEP_LAST`.

    Args:
        folder: the stage's checkpoint folder.
        model: the unwrapped model (not the DDP wrapper).
        optimizer: its optimizer.
        progress: JSON-ready training position (``step``, ``epoch``, ``batch_in_epoch``, ``loss_history`` ...).
        scaler_state: ``GradScaler.state_dict()`` when mixed precision uses one.

    Returns:
        Path of the JSON file, which marks the checkpoint complete.
    """
    folder = Path(folder)
    step = int(progress["step"])
    stem = folder / f"step-{step:08d}"
    tensors = {f"model.{name}": value for name, value in model.state_dict().items()}
    optimizer_tensors, optimizer_meta = _flatten_optimizer(optimizer)
    tensors.update(optimizer_tensors)
    meta = dict(progress)
    meta["optimizer"] = optimizer_meta
    meta["scaler"] = {k: (float(v) if isinstance(v, float) else v) for k, v in (scaler_state or {}).items()}
    meta["rng"] = capture_rng_state()
    try:
        write_safetensors_atomic(stem.with_suffix(".safetensors"), tensors)
        write_json_atomic(stem.with_suffix(".json"), meta)
    except OSError as error:
        # Without its JSON the weights file is no checkpoint, so it only takes space.
        stem.with_suffix(".safetensors").unlink(missing_ok=True)
        previous = latest_checkpoint(folder)
        resume = (f"--resume continues from {previous.name}" if previous is not None
                  else "no earlier checkpoint of this stage exists")
        raise OSError(
            error.errno,
            f"cannot write the checkpoint of step {step} in {folder}: {error.strerror or error}; free disk space "
            f"there and run again with --resume ({resume})",
        ) from error
    _prune(folder)
    return stem.with_suffix(".json")


def _prune(folder: Path) -> None:
    steps = sorted(_completed_steps(folder))
    for step in steps[:-KEEP_LAST]:
        for suffix in (".json", ".safetensors"):
            (folder / f"step-{step:08d}{suffix}").unlink(missing_ok=True)


def _completed_steps(folder: Path) -> list[int]:
    steps = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = CHECKPOINT_PATTERN.match(path.name)
            if match and path.with_suffix(".safetensors").is_file():
                steps.append(int(match.group(1)))
    return steps


def latest_checkpoint(folder: str | Path) -> Path | None:
    """Return the JSON path of the newest complete checkpoint in ``folder``, or ``None``."""
    steps = _completed_steps(Path(folder))
    return Path(folder) / f"step-{max(steps):08d}.json" if steps else None


def load_checkpoint(
    json_path: str | Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    restore_rng: bool = True,
) -> dict[str, Any]:
    """Load a checkpoint into ``model`` (and ``optimizer``) and return its JSON metadata.

    Raises:
        ValueError: the files are unreadable or do not fit the model.
    """
    json_path = Path(json_path)
    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
        tensors = load_file(str(json_path.with_suffix(".safetensors")))
    except (OSError, ValueError) as error:
        raise ValueError(f"Checkpoint {json_path} is unreadable ({error}); delete it to resume from an "
                         "earlier one.") from error
    model_state = {key[len("model."):]: value for key, value in tensors.items() if key.startswith("model.")}
    try:
        model.load_state_dict(model_state)
    except RuntimeError as error:
        raise ValueError(f"Checkpoint {json_path} does not fit this model: {error}") from error
    if optimizer is not None:
        optimizer.load_state_dict(_unflatten_optimizer(tensors, meta["optimizer"]))
    if restore_rng and "rng" in meta:
        restore_rng_state(meta["rng"])
    return meta
