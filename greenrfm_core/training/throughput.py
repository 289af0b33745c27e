"""Measure training speed and memory of an image encoder on a device before a run starts.

The wizard calls :func:`measure_training_step` to turn its time-per-epoch guess into a figure measured on
the user's own device, and ``benchmarks/training_profiles.py`` uses it for the profile table. Only the image
path trains (vision stage, masked BCE on random labels, AdamW): the image encoder dominates time and memory
at clinical input sizes, and the text stage of a MUST run is much cheaper than the image stages.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch

from greenrfm_core.device import device_info
from greenrfm_core.models import ArchitectureConfig, build_model
from greenrfm_core.training.profiles import plan_batches
from greenrfm_core.training.stages import MustForward, make_loss
from greenrfm_core.training.step import MicroBatchStepper


@dataclass
class StepMeasurement:
    """Figures of a few timed optimizer steps.

    Attributes:
        profile: ``lite`` or ``standard``.
        parameters: parameters of the image model.
        micro_batch, accumulation: the batch plan the steps ran with.
        precision: ``fp32``, ``fp16`` or ``bf16``.
        checkpointing: whether activation checkpointing was on.
        planned_mb: the planner's peak memory estimate in MiB.
        samples_per_s: studies per second over the timed steps (after one warm-up step).
        peak_host_mb: peak resident memory of this process in MiB.
        peak_device_mb: peak ``torch.cuda.max_memory_allocated`` in MiB on CUDA, else ``None``.
    """

    profile: str
    parameters: int
    micro_batch: int
    accumulation: int
    precision: str
    checkpointing: bool
    planned_mb: float
    samples_per_s: float
    peak_host_mb: float
    peak_device_mb: float | None

    def to_dict(self) -> dict:
        """Return the figures as a JSON-ready dictionary."""
        return asdict(self)


def peak_host_mb() -> float:
    """Return the peak resident set size of this process in MiB (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def measure_training_step(
    config: ArchitectureConfig,
    shape_zyx: tuple[int, int, int],
    device: torch.device,
    batch_size: int = 2,
    steps: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> StepMeasurement:
    """Train ``steps`` optimizer steps of ``config``'s image path on random volumes and time them.

    The batch plan (micro-batch, accumulation, precision, checkpointing) comes from the same planner that
    ``greenrfm train`` uses, so the figures match what a run with this configuration does.

    Args:
        config: the image architecture; its text encoder is ignored.
        shape_zyx: network input size (z, y, x) in voxels.
        device: the device to measure.
        batch_size: effective batch per optimizer step.
        steps: timed steps after one warm-up step.
        progress: called with (steps done, steps in all) after each step, warm-up included.

    Returns:
        The measured figures.
    """
    if steps < 1 or batch_size < 1:
        raise ValueError(f"invalid steps {steps} or batch size {batch_size}: both must be at least 1")
    info = device_info(device)
    config = ArchitectureConfig.from_dict(config.to_dict() | {"text": {"kind": "none"}})
    plan = plan_batches(config, shape_zyx, batch_size, device, info.total_memory_mb, info.bf16_supported)
    config.checkpointing = plan.checkpointing
    model = build_model(config).to(device)
    parameters = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    stepper = MicroBatchStepper(MustForward(model), optimizer, make_loss("vision"), device, plan.micro_batch,
                                plan.precision, batch_size=batch_size)
    generator = torch.Generator().manual_seed(0)
    batch = {
        "image": _random_images(config, shape_zyx, batch_size, generator),
        "labels": torch.randint(0, 2, (batch_size, config.num_findings), generator=generator).float(),
    }
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    stepper.step(batch, 1)  # warm-up: cuDNN autotuning and allocator growth are not timed
    _synchronize(device)
    if progress is not None:
        progress(1, steps + 1)
    started = time.perf_counter()
    for step in range(steps):
        stepper.step(batch, step + 2)
        _synchronize(device)
        if progress is not None:
            progress(step + 2, steps + 1)
    elapsed = time.perf_counter() - started

    peak_device = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None
    measurement = StepMeasurement(
        profile=config.profile,
        parameters=parameters,
        micro_batch=stepper.micro_batch,
        accumulation=stepper.accumulation_for(batch_size),
        precision=plan.precision,
        checkpointing=plan.checkpointing,
        planned_mb=plan.estimated_mb,
        samples_per_s=steps * batch_size / elapsed,
        peak_host_mb=peak_host_mb(),
        peak_device_mb=peak_device,
    )
    del model, optimizer, stepper
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return measurement


def _random_images(config: ArchitectureConfig, shape_zyx, batch_size: int, generator) -> torch.Tensor | dict:
    shape = (batch_size, config.in_channels, *shape_zyx)
    if config.kind == "mri3plane":
        return {plane: torch.rand(shape, generator=generator) for plane in config.planes}
    return torch.rand(shape, generator=generator)


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
