"""Task preprocessing specs: JSON data that fixes spacing, intensity scaling and the output grid per task.

A spec is a plain ``dict`` so that it round-trips through JSON unchanged and can be stored in a model
manifest. CT specs give ``spacing`` and ``shape`` as (x, y, z) lists. MRI specs give ``spacing: null`` (each
plane's field of view is resampled to a fixed grid), ``planes``, ``sequences`` and a ``shape`` mapping from
plane name to its (x, y, z) grid.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from pathlib import Path
from typing import Any

SPECS_DIR = Path(__file__).resolve().parent / "specs"
PLANES = ("sagittal", "coronal", "axial")
INTENSITY_KINDS = ("window", "percentile")

Spec = dict[str, Any]


def available_tasks() -> list[str]:
    """Return the task names that have a bundled spec, sorted."""
    return sorted(path.stem for path in SPECS_DIR.glob("*.json"))


def load_spec(task_or_path: str | os.PathLike | Spec) -> Spec:
    """Load and validate a preprocessing spec.

    Args:
        task_or_path: a bundled task name (``"chest-ct"``), a path to a spec JSON file, or a spec dict
            (validated and copied).

    Returns:
        A new spec dict.

    Raises:
        FileNotFoundError: when the name is neither a bundled task nor an existing file.
        ValueError: when the JSON is invalid or a field is missing or malformed.
    """
    if isinstance(task_or_path, dict):
        return validate_spec(copy.deepcopy(task_or_path))
    text = str(task_or_path)
    path = SPECS_DIR / f"{text}.json"
    if not path.is_file():
        path = Path(text)
    if not path.is_file():
        raise FileNotFoundError(
            f"preprocessing spec {text!r} not found: use one of {available_tasks()} or a path to a JSON file"
        )
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"preprocessing spec {path} is not valid JSON: {error}") from error
    try:
        return validate_spec(spec)
    except ValueError as error:
        raise ValueError(f"preprocessing spec {path}: {error}") from error


def override_spec(spec: Spec, **changes: Any) -> Spec:
    """Return a validated copy of ``spec`` with top-level fields replaced, e.g. a smaller ``shape`` for tests."""
    updated = copy.deepcopy(spec)
    updated.update(copy.deepcopy(changes))
    return validate_spec(updated)


def spec_hash(spec: Spec) -> str:
    """Return a 16-hex-digit SHA-256 of the spec's canonical JSON (sorted keys, no whitespace)."""
    canonical = json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()[:16]


def is_mri(spec: Spec) -> bool:
    """Return True when the spec describes per-plane MRI input."""
    return "planes" in spec


def plane_shape(spec: Spec, plane: str | None) -> tuple[int, int, int]:
    """Return the (x, y, z) output grid for ``plane`` (MRI) or for the whole volume (CT, ``plane=None``)."""
    shape = spec["shape"]
    if isinstance(shape, dict):
        if plane not in shape:
            raise ValueError(f"spec {spec['task']!r} needs a plane, one of {sorted(shape)}; got {plane!r}")
        return tuple(int(n) for n in shape[plane])
    return tuple(int(n) for n in shape)


def _check_triplet(name: str, value: Any, kind: type) -> None:
    if not isinstance(value, (list, tuple)) or len(value) != 3:
        raise ValueError(f"{name} must be a list of 3 numbers (x, y, z); got {value!r}")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, (int, float)) or item <= 0:
            raise ValueError(f"{name} values must be positive numbers; got {value!r}")
        if kind is int and int(item) != item:
            raise ValueError(f"{name} values must be whole numbers of voxels; got {value!r}")


def validate_spec(spec: Spec) -> Spec:
    """Check the fields of a spec and return it unchanged.

    Raises:
        TypeError: when ``spec`` is not a dict.
        ValueError: naming the first missing or malformed field.
    """
    if not isinstance(spec, dict):
        raise TypeError(f"a spec must be a JSON object; got {type(spec).__name__}")
    for key in ("task", "modality", "intensity", "shape"):
        if key not in spec:
            raise ValueError(f"missing field {key!r}")
    if spec.get("orientation", "LPS") != "LPS":
        raise ValueError(f"orientation must be 'LPS'; got {spec['orientation']!r}")

    intensity = spec["intensity"]
    kind = intensity.get("kind") if isinstance(intensity, dict) else None
    if kind not in INTENSITY_KINDS:
        raise ValueError(f"intensity.kind must be one of {INTENSITY_KINDS}; got {kind!r}")
    low_key, high_key = ("min", "max") if kind == "window" else ("low", "high")
    low, high = intensity.get(low_key), intensity.get(high_key)
    if not isinstance(low, (int, float)) or not isinstance(high, (int, float)) or not low < high:
        raise ValueError(f"intensity needs numbers {low_key} < {high_key}; got {intensity!r}")
    if kind == "percentile" and not (0 <= low and high <= 100):
        raise ValueError(f"percentiles must lie in [0, 100]; got {intensity!r}")

    if spec.get("spacing") is not None:
        _check_triplet("spacing", spec["spacing"], float)

    if "planes" in spec:
        planes = spec["planes"]
        if not planes or any(plane not in PLANES for plane in planes):
            raise ValueError(f"planes must be a non-empty list drawn from {PLANES}; got {planes!r}")
        sequences = spec.get("sequences")
        if not sequences or not all(isinstance(name, str) and name for name in sequences):
            raise ValueError(f"an MRI spec needs a non-empty list of sequence names; got {sequences!r}")
        shapes = spec["shape"]
        if not isinstance(shapes, dict) or set(shapes) != set(planes):
            raise ValueError(f"shape must map each plane in {planes} to an (x, y, z) grid; got {shapes!r}")
        for plane, shape in shapes.items():
            _check_triplet(f"shape[{plane!r}]", shape, int)
    else:
        _check_triplet("shape", spec["shape"], int)
        if spec.get("spacing") is None:
            raise ValueError("a single-volume (CT) spec needs spacing (x, y, z) in mm")
    return spec
