"""One optimizer step over an effective batch: micro-batches, mixed precision, accumulation, OOM fallback.

When a CUDA out-of-memory error (``torch.cuda.OutOfMemoryError``) hits a micro-batch, the step is undone,
the micro-batch is halved, accumulation is raised so the effective batch stays the same, and the step runs
again on the same samples. In a DDP run the error stops training instead: every process must run the
same number of micro-batches, because each forward pass of the align stage and each gradient
synchronisation is a collective call. ``GREENRFM_INJECT_OOM_STEPS=3,5`` raises that error in the first
micro-batch of optimizer steps 3 and 5 (1-based, once each), so the fallback can be tested on any device.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
import os
from collections.abc import Callable

import torch

logger = logging.getLogger(__name__)

INJECT_OOM_ENV = "GREENRFM_INJECT_OOM_STEPS"
AUTOCAST_DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def injected_oom_steps() -> set[int]:
    """Return the optimizer steps listed in ``GREENRFM_INJECT_OOM_STEPS``."""
    raw = os.environ.get(INJECT_OOM_ENV, "")
    return {int(part) for part in raw.replace(" ", "").split(",") if part}


class MicroBatchStepper:
    """Run optimizer steps on effective batches split into micro-batches.

    Args:
        model: the module whose forward ``loss_fn`` calls (the DDP wrapper in distributed runs).
        optimizer: optimizer over the trainable parameters.
        loss_fn: ``loss_fn(model, batch) -> (loss, parts)`` for one micro-batch already on the device;
            ``parts`` maps loss names to floats for logging.
        device: training device.
        micro_batch: initial samples per forward/backward pass.
        precision: ``bf16``, ``fp16`` (with a GradScaler) or ``fp32``.
        max_grad_norm: gradient clipping norm; 0 turns clipping off.
        on_fallback: called with a message after each micro-batch halving.
        batch_size: effective batch of a full step on this rank, named in fallback messages; the last
            batch of an epoch may be smaller.
        allow_fallback: halve the micro-batch on out-of-memory errors; ``False`` in DDP runs, where one
            process alone cannot change its number of micro-batches.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        optimizer: torch.optim.Optimizer,
        loss_fn: Callable,
        device: torch.device,
        micro_batch: int,
        precision: str = "fp32",
        max_grad_norm: float = 1.0,
        on_fallback: Callable[[str], None] | None = None,
        batch_size: int | None = None,
        allow_fallback: bool = True,
    ) -> None:
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.device = device
        self.micro_batch = max(1, int(micro_batch))
        self.precision = precision
        self.max_grad_norm = max_grad_norm
        self.on_fallback = on_fallback
        self.batch_size = batch_size
        self.allow_fallback = allow_fallback
        self.scaler = torch.amp.GradScaler(device.type, enabled=(precision == "fp16"))
        self._inject = injected_oom_steps()

    def accumulation_for(self, batch_size: int) -> int:
        """Return the number of micro-batches an effective batch of ``batch_size`` needs."""
        return max(1, math.ceil(batch_size / self.micro_batch))

    def step(self, batch: dict, step_number: int) -> tuple[float, dict[str, float]]:
        """Run one optimizer step on ``batch``, halving the micro-batch on out-of-memory errors.

        Args:
            batch: collated effective batch on the CPU.
            step_number: 1-based optimizer step, used by fault injection.

        Returns:
            The batch-mean loss and its named parts.

        Raises:
            torch.cuda.OutOfMemoryError: it happens with a micro-batch of 1.
        """
        while True:
            try:
                return self._accumulate(batch, step_number)
            except torch.cuda.OutOfMemoryError as error:
                self.optimizer.zero_grad(set_to_none=True)
                if self.device.type == "cuda":
                    torch.cuda.empty_cache()
                if not self.allow_fallback:
                    raise torch.cuda.OutOfMemoryError(
                        f"Out of device memory at step {step_number} with micro-batch {self.micro_batch} in a "
                        "distributed run, where one process cannot halve its micro-batch alone; restart with a "
                        "smaller --batch-size, --profile lite or a smaller --input-shape, and --resume to "
                        "continue from the last checkpoint."
                    ) from error
                if self.micro_batch == 1:
                    raise torch.cuda.OutOfMemoryError(
                        f"Out of device memory with a micro-batch of 1 at step {step_number}; use "
                        "--profile lite, a smaller --input-shape or --width-mult."
                    ) from error
                batch_size = self.batch_size or _batch_size(batch)
                previous = self.micro_batch
                self.micro_batch = max(1, previous // 2)
                message = (
                    f"Out of device memory at step {step_number} with micro-batch {previous}; continuing "
                    f"with micro-batch {self.micro_batch} and gradient accumulation "
                    f"{self.accumulation_for(batch_size)} (effective batch {batch_size} unchanged)"
                )
                logger.warning(message)
                if self.on_fallback:
                    self.on_fallback(message)

    def _accumulate(self, batch: dict, step_number: int) -> tuple[float, dict[str, float]]:
        batch_size = _batch_size(batch)
        chunks = _split(batch, self.micro_batch)
        total_loss = 0.0
        parts_total: dict[str, float] = {}
        self.optimizer.zero_grad(set_to_none=True)
        for index, chunk in enumerate(chunks):
            if index == 0 and step_number in self._inject:
                self._inject.discard(step_number)
                raise torch.cuda.OutOfMemoryError(f"injected out-of-memory error at step {step_number}")
            chunk = _to_device(chunk, self.device)
            weight = _batch_size(chunk) / batch_size
            last = index == len(chunks) - 1
            sync = contextlib.nullcontext() if last or not hasattr(self.model, "no_sync") else self.model.no_sync()
            with sync:
                with self._autocast():
                    loss, parts = self.loss_fn(self.model, chunk)
                self.scaler.scale(loss * weight).backward()
            total_loss += float(loss.detach()) * weight
            for name, value in parts.items():
                parts_total[name] = parts_total.get(name, 0.0) + float(value) * weight
        if self.max_grad_norm > 0:
            self.scaler.unscale_(self.optimizer)
            parameters = [p for group in self.optimizer.param_groups for p in group["params"] if p.grad is not None]
            torch.nn.utils.clip_grad_norm_(parameters, self.max_grad_norm)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad(set_to_none=True)
        return total_loss, parts_total

    def _autocast(self):
        dtype = AUTOCAST_DTYPES.get(self.precision)
        if dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=dtype)


def _batch_size(batch: dict) -> int:
    for value in batch.values():
        if torch.is_tensor(value):
            return int(value.shape[0])
        if isinstance(value, list):
            return len(value)
        if isinstance(value, dict) and value:
            return _batch_size(value)
    raise ValueError("batch has no tensor or list field to size it by")


def _slice(value, start: int, end: int):
    """Slice a batch field along the batch dimension, each plane separately for an MRI plane dict."""
    if isinstance(value, dict):
        return {key: item[start:end] for key, item in value.items()}
    return value[start:end]


def _split(batch: dict, size: int) -> list[dict]:
    total = _batch_size(batch)
    chunks = []
    bounds = list(range(0, total, size)) + [total]
    if len(bounds) > 2 and bounds[-1] - bounds[-2] == 1:
        del bounds[-2]  # a one-sample tail joins the previous micro-batch
    for start, end in itertools.pairwise(bounds):
        chunks.append({key: _slice(value, start, end) for key, value in batch.items()})
    return chunks


def _to_device(batch: dict, device: torch.device) -> dict:
    """Move the tensors of a batch to ``device``, including those in nested dicts (MRI planes)."""
    non_blocking = device.type == "cuda"
    moved = {}
    for key, value in batch.items():
        if torch.is_tensor(value):
            value = value.to(device, non_blocking=non_blocking)
        elif isinstance(value, dict):
            value = _to_device(value, device)
        moved[key] = value
    return moved
