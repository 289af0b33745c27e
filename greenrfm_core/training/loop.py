"""The epoch loop shared by every training stage: sampling, steps, events, checkpoints, stop and pause.

Resuming restores the model, optimizer, RNG states and sampler position from the newest checkpoint, so a run
killed at any point continues with the same step numbering and ends with the same total step count.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from greenrfm_core.data.dataset import collate_studies
from greenrfm_core.device import memory_in_use_mb
from greenrfm_core.training.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from greenrfm_core.training.distributed import DistributedInfo, any_rank, broadcast_buffers, mean_across_ranks
from greenrfm_core.training.events import EventWriter
from greenrfm_core.training.signals import TrainingControl
from greenrfm_core.training.step import MicroBatchStepper

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 2.0
WARMUP_FRACTION = 0.05


@dataclass
class LoopSettings:
    """Settings of one stage's training loop.

    Attributes:
        stage: stage name used in events and folder names.
        epochs: passes over the training set.
        batch_size: effective batch per optimizer step over all ranks.
        micro_batch: initial samples per forward pass on one rank.
        lr: peak learning rate of AdamW; warm-up over the first 5% of steps, then cosine decay to 0.
        weight_decay: AdamW weight decay.
        precision: ``bf16``, ``fp16`` or ``fp32``.
        workers: DataLoader worker processes.
        seed: sampling seed.
        checkpoint_every: also checkpoint every this many steps (0: only at epoch ends and on stop).
        checkpoint_interval_s: also checkpoint when this many seconds passed since the last one.
        resume: continue from the newest checkpoint in ``checkpoint_dir``.
        text_lr_scale: learning-rate multiplier for ``text_encoder.*`` parameters (below 1 for pretrained
            text encoders, so alignment does not wipe out their pretraining).
    """

    stage: str
    epochs: int
    batch_size: int
    micro_batch: int
    lr: float = 3e-4
    weight_decay: float = 1e-4
    precision: str = "fp32"
    workers: int = 0
    seed: int = 0
    checkpoint_every: int = 0
    checkpoint_interval_s: float = 600.0
    resume: bool = False
    text_lr_scale: float = 1.0


@dataclass
class LoopResult:
    """Outcome of a stage loop."""

    steps: int
    total_steps: int
    loss_history: list[list[float]] = field(default_factory=list)
    stopped: bool = False
    last_checkpoint: Path | None = None
    micro_batch: int = 1


def epoch_batches(indices: list[int], batch_size: int) -> list[list[int]]:
    """Cut an epoch's index order into batches; a last batch of one sample joins the one before it.

    A single-sample batch would break batch norm on a 1x1x1 feature map and gives the contrastive loss no
    negatives.
    """
    batches = [indices[i:i + batch_size] for i in range(0, len(indices), batch_size)]
    if len(batches) > 1 and len(batches[-1]) == 1:
        batches[-2].extend(batches.pop())
    return batches


class _SkipBatchSampler:
    """Yield batches of a fixed index order, starting at batch ``start``, so a resume skips consumed data."""

    def __init__(self, indices: list[int], batch_size: int, start: int) -> None:
        self.batches = epoch_batches(indices, batch_size)[start:]

    def __iter__(self):
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


def set_train_mode(model: torch.nn.Module) -> None:
    """Put ``model`` in training mode, except batch-norm layers whose parameters are all frozen.

    A frozen layer (the image encoder during a linear probe) keeps its running statistics, so the features
    the probe learns on stay the features of the starting model.
    """
    model.train()
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            parameters = list(module.parameters())
            if parameters and not any(p.requires_grad for p in parameters):
                module.eval()


def learning_rate(step: int, total_steps: int, peak: float) -> float:
    """Return the learning rate for 0-based ``step``: linear warm-up then cosine decay towards 0."""
    warmup = max(1, int(total_steps * WARMUP_FRACTION))
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total_steps - warmup)
    return peak * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def run_loop(
    model: torch.nn.Module,
    train_module: torch.nn.Module,
    dataset: Dataset,
    loss_fn: Callable,
    settings: LoopSettings,
    device: torch.device,
    checkpoint_dir: Path,
    events: EventWriter,
    control: TrainingControl,
    dist_info: DistributedInfo | None = None,
    on_epoch_end: Callable[[int], dict[str, Any] | None] | None = None,
) -> LoopResult:
    """Train ``model`` for one stage.

    Args:
        model: the unwrapped model; checkpoints store its state.
        train_module: what the loss calls, the DDP wrapper of ``model`` or ``model`` itself.
        dataset: training items (see :class:`greenrfm_core.data.StudyDataset`).
        loss_fn: ``loss_fn(train_module, micro_batch) -> (loss, parts)``.
        settings: stage settings.
        device: training device.
        checkpoint_dir: folder for this stage's checkpoints.
        events: event writer (a null writer on ranks other than 0).
        control: stop/pause flags set by signal handlers.
        dist_info: rank layout.
        on_epoch_end: called with the 0-based epoch after each epoch; may return metrics for the epoch event.

    Returns:
        A :class:`LoopResult`; ``stopped`` is True when a stop request ended the stage early.
    """
    dist_info = dist_info or DistributedInfo()
    groups = {"text": [], "other": []}
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            groups["text" if name.startswith("text_encoder.") else "other"].append(parameter)
    parameter_groups = [
        {"params": groups["other"], "lr_scale": 1.0},
        {"params": groups["text"], "lr_scale": settings.text_lr_scale},
    ]
    optimizer = torch.optim.AdamW([g for g in parameter_groups if g["params"]], lr=settings.lr,
                                  weight_decay=settings.weight_decay)
    sampler = DistributedSampler(
        dataset, num_replicas=dist_info.world_size, rank=dist_info.rank, shuffle=True, seed=settings.seed
    )
    rank_batch = max(1, math.ceil(settings.batch_size / dist_info.world_size))
    steps_per_epoch = len(epoch_batches(list(range(len(sampler))), rank_batch))
    total_steps = settings.epochs * steps_per_epoch
    stepper = MicroBatchStepper(
        train_module, optimizer, loss_fn, device, min(settings.micro_batch, rank_batch), settings.precision,
        on_fallback=lambda message: events.warning(message, stage=settings.stage), batch_size=rank_batch,
        allow_fallback=not dist_info.enabled,
    )

    step = epoch = batch_in_epoch = 0
    history: list[list[float]] = []
    last_checkpoint = None
    checkpoint_path = latest_checkpoint(checkpoint_dir) if settings.resume else None
    if checkpoint_path is not None:
        meta = load_checkpoint(checkpoint_path, model, optimizer)
        step, epoch, batch_in_epoch = meta["step"], meta["epoch"], meta["batch_in_epoch"]
        history = [list(item) for item in meta.get("loss_history", [])]
        stepper.micro_batch = int(meta.get("micro_batch", stepper.micro_batch))
        if meta.get("scaler"):
            stepper.scaler.load_state_dict(meta["scaler"])
        last_checkpoint = checkpoint_path
        logger.info("Resuming stage %s from %s at step %d", settings.stage, checkpoint_path, step)
    events.emit(
        "start", stage=settings.stage, step=step, total_steps=total_steps, epoch=epoch,
        message=f"resumed from {checkpoint_path}" if checkpoint_path else None,
        metrics={"micro_batch": stepper.micro_batch, "accumulation": stepper.accumulation_for(rank_batch),
                 "batch_size": settings.batch_size, "precision": settings.precision,
                 "train_studies": len(dataset)},
    )

    def checkpoint() -> Path | None:
        nonlocal last_checkpoint
        if not dist_info.is_main:
            return None
        progress = {"stage": settings.stage, "step": step, "epoch": epoch, "batch_in_epoch": batch_in_epoch,
                    "total_steps": total_steps, "micro_batch": stepper.micro_batch,
                    "accumulation": stepper.accumulation_for(rank_batch), "loss_history": history}
        last_checkpoint = save_checkpoint(checkpoint_dir, model, optimizer, progress, stepper.scaler.state_dict())
        events.emit("checkpoint", stage=settings.stage, step=step, epoch=epoch, path=last_checkpoint)
        return last_checkpoint

    set_train_mode(model)
    started = time.monotonic()
    steps_at_start = step
    last_progress = last_checkpoint_time = time.monotonic()
    while epoch < settings.epochs:
        sampler.set_epoch(epoch)
        if hasattr(dataset, "set_epoch"):
            dataset.set_epoch(epoch)
        loader = DataLoader(
            dataset,
            batch_sampler=_SkipBatchSampler(list(iter(sampler)), rank_batch, batch_in_epoch),
            num_workers=settings.workers,
            collate_fn=collate_studies,
            pin_memory=device.type == "cuda",
            persistent_workers=False,
        )
        epoch_losses = []
        for batch in loader:
            lr = learning_rate(step, total_steps, settings.lr)
            for group in optimizer.param_groups:
                group["lr"] = lr * group.get("lr_scale", 1.0)
            loss, parts = stepper.step(batch, step + 1)
            loss = mean_across_ranks(loss, device)
            step += 1
            batch_in_epoch += 1
            history.append([step, round(loss, 6)])
            epoch_losses.append(loss)
            now = time.monotonic()
            if now - last_progress >= PROGRESS_INTERVAL_S or step == total_steps or step == steps_at_start + 1:
                last_progress = now
                rate = (step - steps_at_start) * settings.batch_size / max(now - started, 1e-6)
                events.emit(
                    "progress", stage=settings.stage, epoch=epoch, step=step, total_steps=total_steps,
                    loss=loss, lr=lr, samples_per_s=round(rate, 3),
                    eta_s=round((total_steps - step) * settings.batch_size / max(rate, 1e-9), 1),
                    device_memory_mb=round(memory_in_use_mb(device), 1),
                    metrics={name: round(value, 6) for name, value in parts.items()} or None,
                )
            due = (settings.checkpoint_every and step % settings.checkpoint_every == 0) or (
                now - last_checkpoint_time >= settings.checkpoint_interval_s
            )
            if due and batch_in_epoch < steps_per_epoch:
                checkpoint()
                last_checkpoint_time = now
            if any_rank(control.stop_requested, device):
                checkpoint()
                events.warning(f"Stopped on request at step {step}; continue with --resume",
                               stage=settings.stage, step=step, total_steps=total_steps, path=last_checkpoint)
                return LoopResult(step, total_steps, history, True, last_checkpoint, stepper.micro_batch)
            if any_rank(control.paused, device):
                checkpoint()
                events.emit("paused", stage=settings.stage, step=step, total_steps=total_steps)
                control.wait_while_paused()
                events.emit("resumed", stage=settings.stage, step=step, total_steps=total_steps)
        broadcast_buffers(model)
        epoch_metrics = on_epoch_end(epoch) if on_epoch_end else None
        set_train_mode(model)
        epoch += 1
        batch_in_epoch = 0
        events.emit(
            "epoch", stage=settings.stage, epoch=epoch, step=step, total_steps=total_steps,
            loss=sum(epoch_losses) / len(epoch_losses) if epoch_losses else None, metrics=epoch_metrics,
        )
        checkpoint()
        last_checkpoint_time = time.monotonic()
    return LoopResult(step, total_steps, history, False, last_checkpoint, stepper.micro_batch)
