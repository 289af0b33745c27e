"""First-run device check: reports the GPU that was found and the training profile that fits it.

The dialog is shown once per user; a flag file in the config folder records that it was shown. It is
non-modal, so the main window stays usable and tests can close it. Every user-visible string goes through
Qt's translation system under the ``FirstRunDialog`` context (``greenrfm_installer_zh_CN.ts``).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from greenrfm_core.atomic import atomic_write_json

logger = logging.getLogger(__name__)

FLAG_FILE_NAME = "first_run.json"
NVIDIA_SMI_TIMEOUT_S = 5.0

# GPU vendors sell memory in GB (10**9 bytes) and CUDA reports it in MiB: a card sold as 24 GB reports
# about 24,200 MiB (RTX 4090), a card sold as 6 GB about 5,900 MiB. The thresholds are the GB figures in MiB
# so that such cards reach the profile they are sold for.
LITE_MIN_MEMORY_MIB = 6 * 10**9 // 2**20
STANDARD_MIN_MEMORY_MIB = 24 * 10**9 // 2**20


@dataclass(frozen=True)
class DeviceReport:
    """Result of the first-run device check.

    Attributes:
        kind: ``cuda``, ``mps`` or ``cpu``: the device PyTorch in this build can train on.
        name: GPU product name, or None for the CPU.
        memory_mib: GPU memory in MiB (for MPS, the memory Metal recommends for one process), None for the CPU.
        torch_cuda_build: whether this PyTorch build was compiled with CUDA (``torch.version.cuda`` is set).
        nvidia_name: NVIDIA GPU reported by ``nvidia-smi`` when PyTorch cannot use it, else None.
        nvidia_memory_mib: memory of that NVIDIA GPU in MiB, None when unknown.
    """

    kind: str
    name: str | None = None
    memory_mib: int | None = None
    torch_cuda_build: bool = False
    nvidia_name: str | None = None
    nvidia_memory_mib: int | None = None


def recommend_profile(memory_mib: int | None) -> str | None:
    """Return the training profile that fits a GPU with ``memory_mib`` MiB: ``standard``, ``lite`` or None.

    ``standard`` needs 24 GB and ``lite`` 6 GB (10**9 bytes each); None means the GPU is too small to train
    on, or there is no GPU.
    """
    if memory_mib is None:
        return None
    if memory_mib >= STANDARD_MIN_MEMORY_MIB:
        return "standard"
    if memory_mib >= LITE_MIN_MEMORY_MIB:
        return "lite"
    return None


def query_nvidia_smi() -> tuple[str, int | None] | None:
    """Return the name and memory (MiB) of the first NVIDIA GPU that ``nvidia-smi`` lists.

    Returns None when ``nvidia-smi`` is not installed. When it is installed but fails or prints something
    unexpected, returns ``("NVIDIA GPU", None)``, because the driver's presence already shows a GPU.
    """
    executable = shutil.which("nvidia-smi")
    if executable is None:
        return None
    command = [executable, "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"]
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=NVIDIA_SMI_TIMEOUT_S, check=True
        )
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("nvidia-smi failed: %s", error)
        return "NVIDIA GPU", None
    first_line = completed.stdout.strip().splitlines()[0] if completed.stdout.strip() else ""
    name, _, memory = first_line.rpartition(",")
    try:
        return name.strip() or "NVIDIA GPU", int(float(memory.strip()))
    except ValueError:
        logger.warning("Unexpected nvidia-smi output: %r", first_line)
        return "NVIDIA GPU", None


def _first_gpu_from_torch() -> tuple[str, str, int] | None:
    """Return ``(kind, name, memory_mib)`` of the first CUDA or MPS device, using torch directly."""
    import torch

    if torch.cuda.is_available():
        properties = torch.cuda.get_device_properties(0)
        return "cuda", properties.name, int(properties.total_memory // 2**20)
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps", "Apple GPU (MPS)", _mps_memory_mib()
    return None


def _mps_memory_mib() -> int:
    """Return the memory Metal recommends for one process in MiB, or total RAM on older torch versions."""
    import torch

    recommended = getattr(torch.mps, "recommended_max_memory", None)
    if recommended is not None:
        return int(recommended() // 2**20)
    import psutil

    return int(psutil.virtual_memory().total // 2**20)


def _first_gpu() -> tuple[str, str, int] | None:
    """Return ``(kind, name, memory_mib)`` of the best GPU, through ``greenrfm_core.device`` when present."""
    try:
        from greenrfm_core import device as core_device
    except ImportError:
        return _first_gpu_from_torch()
    for info in core_device.list_devices():
        if info.kind == "cuda":
            return "cuda", info.name, info.total_memory_mb
        if info.kind == "mps":
            # greenrfm_core.device reports total RAM for MPS, but Metal allows one process less than that.
            return "mps", "Apple GPU (MPS)", _mps_memory_mib()
    return None


def detect_device() -> DeviceReport:
    """Detect the GPU PyTorch can train on, and an NVIDIA GPU that this PyTorch build cannot use."""
    import torch

    torch_cuda_build = torch.version.cuda is not None
    gpu = _first_gpu()
    if gpu is not None:
        kind, name, memory_mib = gpu
        return DeviceReport(kind, name, memory_mib, torch_cuda_build)
    nvidia = query_nvidia_smi()
    if nvidia is None:
        return DeviceReport("cpu", torch_cuda_build=torch_cuda_build)
    nvidia_name, nvidia_memory_mib = nvidia
    return DeviceReport("cpu", None, None, torch_cuda_build, nvidia_name, nvidia_memory_mib)


def _profile_paragraph(memory_mib: int | None) -> str:
    profile = recommend_profile(memory_mib)
    if profile == "standard":
        return QCoreApplication.translate(
            "FirstRunDialog", "The <b>standard</b> training profile fits this GPU (it needs 24 GB or more)."
        )
    if profile == "lite":
        return QCoreApplication.translate(
            "FirstRunDialog",
            "The <b>lite</b> training profile fits this GPU (it needs 6 GB or more). "
            "The standard profile needs 24 GB.",
        )
    return QCoreApplication.translate(
        "FirstRunDialog",
        "This GPU has less than the 6 GB that the lite training profile needs. "
        "Use it for predictions, or train on a GPU with more memory.",
    )


def describe_device(report: DeviceReport) -> list[str]:
    """Return the dialog's paragraphs (translated rich text) for ``report``."""
    paragraphs: list[str] = []
    if report.kind == "cuda":
        paragraphs.append(
            QCoreApplication.translate(
                "FirstRunDialog", "GPU found: {name} with {memory:.1f} GiB of memory."
            ).format(name=report.name, memory=(report.memory_mib or 0) / 1024)
        )
        paragraphs.append(_profile_paragraph(report.memory_mib))
        return paragraphs
    if report.kind == "mps":
        paragraphs.append(
            QCoreApplication.translate(
                "FirstRunDialog",
                "Apple GPU (Metal, MPS) found; it can use {memory:.1f} GiB of the shared memory.",
            ).format(memory=(report.memory_mib or 0) / 1024)
        )
        paragraphs.append(_profile_paragraph(report.memory_mib))
        return paragraphs

    if report.nvidia_name is not None:
        if report.nvidia_memory_mib is None:
            found = QCoreApplication.translate("FirstRunDialog", "An NVIDIA GPU was found ({name}).").format(
                name=report.nvidia_name
            )
        else:
            found = QCoreApplication.translate(
                "FirstRunDialog", "An NVIDIA GPU was found ({name}, {memory:.1f} GiB)."
            ).format(name=report.nvidia_name, memory=report.nvidia_memory_mib / 1024)
        if report.torch_cuda_build:
            usable = QCoreApplication.translate(
                "FirstRunDialog",
                "PyTorch cannot use it. Update the NVIDIA driver, then restart GreenRFM Studio.",
            )
        else:
            usable = QCoreApplication.translate(
                "FirstRunDialog",
                "This build of GreenRFM Studio contains the CPU-only version of PyTorch. "
                "Training on the NVIDIA GPU needs a CUDA-enabled build of PyTorch: install PyTorch for "
                "CUDA and then greenrfm-studio with pip in a Python environment.",
            )
        paragraphs.append(f"{found} {usable}")
        if report.nvidia_memory_mib is not None:
            paragraphs.append(_profile_paragraph(report.nvidia_memory_mib))
    else:
        paragraphs.append(
            QCoreApplication.translate(
                "FirstRunDialog", "No GPU was found. Training on the CPU works but is very slow."
            )
        )
    paragraphs.append(
        QCoreApplication.translate(
            "FirstRunDialog", "Predictions still run on the CPU, through PyTorch or onnxruntime, without a GPU."
        )
    )
    return paragraphs


class FirstRunDialog(QDialog):
    """Non-modal dialog that reports the detected GPU and the training profile that fits it."""

    def __init__(self, report: DeviceReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = report
        self.setObjectName("firstRunDialog")
        self.setModal(False)
        self.setWindowTitle(self.tr("Welcome to GreenRFM Studio"))

        heading = QLabel(self.tr("<h3>Device check</h3>"))
        self.body = QLabel("".join(f"<p>{paragraph}</p>" for paragraph in describe_device(report)))
        self.body.setObjectName("firstRunBody")
        self.body.setWordWrap(True)
        self.body.setMinimumWidth(420)
        note = QLabel(self.tr("You can change the device and the training profile in the training wizard."))
        note.setWordWrap(True)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.body)
        layout.addWidget(note)
        layout.addWidget(buttons)


def flag_path(config_dir: Path | None = None) -> Path:
    """Return the flag file that records that the first-run dialog was shown."""
    if config_dir is None:
        from greenrfm_core.paths import config_dir as default_config_dir

        config_dir = default_config_dir()
    return Path(config_dir) / FLAG_FILE_NAME


def first_run_pending(config_dir: Path | None = None) -> bool:
    """Return True when the first-run dialog has not been shown for this user yet."""
    return not flag_path(config_dir).exists()


def mark_first_run_done(report: DeviceReport, config_dir: Path | None = None) -> None:
    """Write the flag file atomically, with the detected device for later support questions."""
    content = {
        "device_check_shown": True,
        "device": report.kind,
        "profile": recommend_profile(report.memory_mib),
    }
    atomic_write_json(flag_path(config_dir), content)


def show_first_run_dialog(
    parent: QWidget | None = None,
    report: DeviceReport | None = None,
    config_dir: Path | None = None,
) -> FirstRunDialog | None:
    """Show the device check dialog if this is the user's first start, and record that it was shown.

    Args:
        parent: window the dialog is centred on.
        report: device report to show; detected with :func:`detect_device` when None.
        config_dir: folder of the flag file; ``greenrfm_core.paths.config_dir()`` when None.

    Returns:
        The shown dialog (keep a reference so it is not garbage-collected), or None when it was shown before.
    """
    if not first_run_pending(config_dir):
        return None
    if report is None:
        report = detect_device()
    logger.info("First-run device check: %s, %s MiB", report.kind, report.memory_mib)
    dialog = FirstRunDialog(report, parent)
    dialog.show()
    try:
        mark_first_run_done(report, config_dir)
    except OSError as error:
        logger.warning("Could not write the first-run flag %s: %s", flag_path(config_dir), error)
    return dialog
