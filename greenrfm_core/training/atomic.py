"""Atomic writes of training state: strict JSON and safetensors, through :mod:`greenrfm_core.atomic`."""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import save_file

from greenrfm_core.atomic import atomic_path, atomic_write_json


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented UTF-8 JSON to ``path`` atomically; NaN and infinity raise ``ValueError``."""
    atomic_write_json(path, data, allow_nan=False)


def write_safetensors_atomic(path: str | Path, tensors: dict, metadata: dict[str, str] | None = None) -> None:
    """Write a tensor dict with safetensors to ``path`` atomically; tensors are made contiguous on the CPU."""
    prepared = {name: tensor.detach().to("cpu").contiguous() for name, tensor in tensors.items()}
    with atomic_path(path, suffix=".tmp") as temporary:
        try:
            save_file(prepared, str(temporary), metadata=metadata)
        except SafetensorError as error:
            # safetensors reports a failed write (disk full, quota, file size limit) as SafetensorError. Its text
            # contains the OS error number, so callers get the OSError that it is.
            match = re.search(r"os error (\d+)", str(error))
            code = int(match.group(1)) if match else errno.EIO
            raise OSError(code, f"cannot write {path}: {os.strerror(code)}") from error
