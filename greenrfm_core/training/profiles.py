"""Training profiles and the memory planner that fits micro-batch and gradient accumulation to a device.

Like nnU-Net's experiment planner, the planner estimates memory per sample from the network and input size
and picks the largest micro-batch that fits a memory target; gradient accumulation keeps the requested
effective batch. The estimate counts the activations kept for the backward pass of each convolution, batch
norm and ReLU, plus the weights, gradients and AdamW moments. It is an estimate:
``benchmarks/training_profiles.py`` measures the real peak on a CUDA device.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass

import torch

from greenrfm_core.models import ArchitectureConfig

logger = logging.getLogger(__name__)

# Device-memory budget each profile must fit, in MiB.
PROFILE_MEMORY_MB = {"lite": 6 * 1024, "standard": 24 * 1024}
# Share of the budget the planner fills, leaving room for the CUDA context and allocator fragmentation.
BUDGET_FILL = 0.8
CUDA_CONTEXT_MB = 600
# Tensors kept per conv-BN-ReLU unit for backward: conv output, BN output (ReLU runs in place).
TENSORS_PER_UNIT = 2
# Activation checkpointing keeps about one tensor per stage plus one recomputed stage.
CHECKPOINT_SAVING = 0.35


@dataclass
class Plan:
    """Micro-batch plan for one run.

    Attributes:
        profile: ``lite`` or ``standard``.
        micro_batch: samples per forward/backward pass.
        accumulation: micro-batches per optimizer step; ``micro_batch * accumulation >= batch_size``.
        batch_size: effective batch per optimizer step (all ranks together).
        checkpointing: activation checkpointing on.
        precision: ``bf16``, ``fp16`` or ``fp32``.
        estimated_mb: planned peak device memory in MiB.
        budget_mb: memory target in MiB.
    """

    profile: str
    micro_batch: int
    accumulation: int
    batch_size: int
    checkpointing: bool
    precision: str
    estimated_mb: float
    budget_mb: float

    def to_dict(self) -> dict:
        """Return the fields as a dict."""
        return asdict(self)


def choose_precision(device: torch.device, bf16_supported: bool = False) -> str:
    """Return ``bf16`` on CUDA with compute capability 8.0+, ``fp16`` on older CUDA, else ``fp32``."""
    if device.type == "cuda":
        return "bf16" if bf16_supported else "fp16"
    return "fp32"


def estimate_memory_mb(
    config: ArchitectureConfig,
    input_shape_zyx: tuple[int, int, int],
    micro_batch: int,
    precision: str = "fp32",
    checkpointing: bool = False,
    text_parameters: int = 0,
) -> float:
    """Estimate peak training memory in MiB for one micro-batch.

    Args:
        config: image architecture.
        input_shape_zyx: network input size (z, y, x) in voxels.
        micro_batch: samples per pass.
        precision: activation precision (``bf16``/``fp16`` use 2 bytes, ``fp32`` 4).
        checkpointing: activation checkpointing on.
        text_parameters: parameters of the text encoder, trained alongside in the alignment stage.
    """
    activation_bytes = 2 if precision in ("bf16", "fp16") else 4
    stride = config.stem_stride
    voxels = math.prod(max(1, s // stride) for s in input_shape_zyx)
    planes = max(1, len(config.planes))
    elements = voxels * config.widths[0] * TENSORS_PER_UNIT  # stem
    for index, width in enumerate(config.widths):
        if index > 0:
            voxels = max(1, math.ceil(voxels / 8))
        # Two BasicBlocks, each two conv-BN units, plus the residual sum.
        elements += voxels * width * (4 * TENSORS_PER_UNIT + 2)
    elements += math.prod(input_shape_zyx) * config.in_channels  # input copy
    activations = elements * planes * activation_bytes * micro_batch
    if checkpointing:
        activations *= CHECKPOINT_SAVING
    image_parameters = _image_parameter_count(config)
    # fp32 weights, gradients and two AdamW moments.
    states = (image_parameters + text_parameters) * 16
    return (activations + states) / 2**20 + (CUDA_CONTEXT_MB if precision != "fp32" else 0)


def _image_parameter_count(config: ArchitectureConfig) -> int:
    count = config.in_channels * config.widths[0] * config.stem_stride**3
    previous = config.widths[0]
    for width in config.widths:
        count += 27 * previous * width + 27 * width * width + 27 * width * width * 2
        if previous != width:
            count += previous * width
        previous = width
    count += config.widths[-1] * config.latent_dim + config.latent_dim * config.num_findings
    return count * max(1, len(config.planes))


def plan_batches(
    config: ArchitectureConfig,
    input_shape_zyx: tuple[int, int, int],
    batch_size: int,
    device: torch.device,
    device_memory_mb: float,
    bf16_supported: bool = False,
    text_parameters: int = 0,
    allow_checkpointing: bool = True,
) -> Plan:
    """Pick micro-batch, accumulation and activation checkpointing so training fits the profile's budget.

    On CUDA the budget is the smaller of the device memory and the profile's limit (6 GiB lite, 24 GiB
    standard). CPU and MPS use host memory, so the micro-batch there is only capped by the budget, too.

    Raises:
        ValueError: even one sample with activation checkpointing does not fit.
    """
    precision = choose_precision(device, bf16_supported)
    budget = min(device_memory_mb, PROFILE_MEMORY_MB[config.profile]) * BUDGET_FILL
    for checkpointing in (False, True) if allow_checkpointing else (False,):
        fixed = estimate_memory_mb(config, input_shape_zyx, 0, precision, checkpointing, text_parameters)
        per_sample = estimate_memory_mb(config, input_shape_zyx, 1, precision, checkpointing, text_parameters) - fixed
        micro_batch = min(batch_size, int((budget - fixed) // per_sample)) if per_sample > 0 else batch_size
        if micro_batch >= 1:
            accumulation = math.ceil(batch_size / micro_batch)
            micro_batch = math.ceil(batch_size / accumulation)
            return Plan(config.profile, micro_batch, accumulation, batch_size, checkpointing, precision,
                        round(fixed + per_sample * micro_batch, 1), round(budget, 1))
    raise ValueError(
        f"One {config.profile} sample of input {input_shape_zyx} needs about {fixed + per_sample:.0f} MiB, more "
        f"than the {budget:.0f} MiB budget; choose --profile lite, a smaller --input-shape or --width-mult."
    )


def choose_profile(
    requested: str,
    base_config: ArchitectureConfig,
    input_shape_zyx: tuple[int, int, int],
    device: torch.device,
    device_memory_mb: float,
    bf16_supported: bool = False,
) -> str:
    """Resolve ``auto`` to ``standard`` or ``lite``; ``lite`` and ``standard`` pass through.

    ``auto`` picks ``standard`` on a CUDA device when a micro-batch of 2 fits without activation
    checkpointing, because the stride-2 stem keeps small findings visible; otherwise ``lite``. CPU and MPS
    always get ``lite``, whose stride-4 stem needs about an eighth of the compute.
    """
    if requested in ("lite", "standard"):
        return requested
    if requested != "auto":
        raise ValueError(f"Invalid profile {requested!r}; expected lite, standard or auto.")
    if device.type != "cuda":
        return "lite"
    standard = ArchitectureConfig.from_dict(base_config.to_dict() | {"profile": "standard"})
    precision = choose_precision(device, bf16_supported)
    budget = min(device_memory_mb, PROFILE_MEMORY_MB["standard"]) * BUDGET_FILL
    needed = estimate_memory_mb(standard, input_shape_zyx, 2, precision, checkpointing=False)
    return "standard" if needed <= budget else "lite"
