"""Compute device detection for training and inference: CUDA (name and memory), Apple MPS, or CPU.

The GUI shows :func:`list_devices` in its device picker, and training calls :func:`resolve_device` to turn
``auto|cpu|cuda|cuda:N|mps`` into a :class:`torch.device`.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import psutil
import torch

logger = logging.getLogger(__name__)

VALID_DEVICE_NAMES = ("auto", "cpu", "cuda", "mps")


@dataclass(frozen=True)
class DeviceInfo:
    """One compute device as the user sees it.

    Attributes:
        kind: ``cuda``, ``mps`` or ``cpu``.
        index: CUDA device index, 0 for MPS and CPU.
        name: product name (``NVIDIA GeForce RTX 3060``) or ``CPU``/``Apple MPS``.
        total_memory_mb: device memory in MiB. MPS and CPU share host memory, so they report total RAM.
        bf16_supported: whether bfloat16 autocast runs natively (CUDA compute capability 8.0 or newer).
    """

    kind: str
    index: int
    name: str
    total_memory_mb: int
    bf16_supported: bool = False

    @property
    def torch_name(self) -> str:
        """Device string accepted by :class:`torch.device`."""
        return f"cuda:{self.index}" if self.kind == "cuda" else self.kind

    def to_dict(self) -> dict:
        """Return the fields as a JSON-serialisable dict."""
        return asdict(self) | {"torch_name": self.torch_name}


def mps_available() -> bool:
    """Return whether the Apple Metal (MPS) backend is built and usable."""
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def list_devices() -> list[DeviceInfo]:
    """List every usable device, best first: CUDA devices, then MPS, then the CPU."""
    devices: list[DeviceInfo] = []
    host_memory_mb = int(psutil.virtual_memory().total // 2**20)
    if torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            properties = torch.cuda.get_device_properties(index)
            devices.append(
                DeviceInfo(
                    kind="cuda",
                    index=index,
                    name=properties.name,
                    total_memory_mb=int(properties.total_memory // 2**20),
                    bf16_supported=properties.major >= 8,
                )
            )
    if mps_available():
        devices.append(DeviceInfo("mps", 0, "Apple MPS", host_memory_mb, bf16_supported=False))
    devices.append(DeviceInfo("cpu", 0, "CPU", host_memory_mb, bf16_supported=True))
    return devices


def resolve_device(request: str = "auto") -> torch.device:
    """Turn a device request into a :class:`torch.device`.

    Args:
        request: ``auto`` (first CUDA device, else MPS, else CPU), ``cpu``, ``mps``, ``cuda`` or ``cuda:N``.

    Raises:
        ValueError: the request names an unknown or unavailable device.
    """
    request = (request or "auto").strip().lower()
    if request == "auto":
        return torch.device(list_devices()[0].torch_name)
    if request == "cpu":
        return torch.device("cpu")
    if request == "mps":
        if not mps_available():
            raise ValueError("Device 'mps' was requested but Apple MPS is not available; use --device cpu.")
        return torch.device("mps")
    if request.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ValueError(
                f"Device {request!r} was requested but CUDA is not available in this PyTorch build; "
                "use --device cpu or install a CUDA build of PyTorch."
            )
        device = torch.device(request)
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"Device {request!r} not found: only {torch.cuda.device_count()} CUDA device(s) are present."
            )
        return device
    raise ValueError(f"Invalid device {request!r}; expected one of auto, cpu, cuda, cuda:N, mps.")


def device_info(device: torch.device) -> DeviceInfo:
    """Return the :class:`DeviceInfo` describing ``device``."""
    for info in list_devices():
        if info.kind == device.type and (device.type != "cuda" or info.index == (device.index or 0)):
            return info
    raise ValueError(f"Device {device} not found among the available devices.")


def memory_in_use_mb(device: torch.device) -> float:
    """Return the memory currently allocated on ``device`` in MiB: tensors for CUDA/MPS, process RSS for CPU."""
    if device.type == "cuda":
        return torch.cuda.memory_allocated(device) / 2**20
    if device.type == "mps":
        return torch.mps.current_allocated_memory() / 2**20
    return psutil.Process().memory_info().rss / 2**20


def peak_memory_mb(device: torch.device) -> float:
    """Return the peak allocated memory on ``device`` in MiB (CUDA); other devices return current use."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return memory_in_use_mb(device)
