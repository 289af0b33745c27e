"""Distributed data parallel set-up for ``torchrun``: NCCL on CUDA, Gloo on CPU and MPS.

``torchrun --nproc_per_node N -m greenrfm_core train ...`` sets ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK``;
without them training runs as a single process. Only rank 0 writes files and events.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DistributedInfo:
    """Rank layout of this process."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """Whether this process writes files and events (rank 0)."""
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        """Whether more than one process trains."""
        return self.world_size > 1


def init_distributed(device: torch.device) -> tuple[DistributedInfo, torch.device]:
    """Join the process group when launched by torchrun and pick this rank's device.

    Args:
        device: the requested device; a CUDA request becomes ``cuda:LOCAL_RANK``.

    Returns:
        The rank layout and the device this process trains on.
    """
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistributedInfo(), device
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", rank))
    if device.type == "cuda":
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    if not dist.is_initialized():
        dist.init_process_group(backend=backend)
    logger.info("Joined %s process group as rank %d of %d on %s", backend, rank, world_size, device)
    return DistributedInfo(rank, world_size, local_rank), device


def wait_for_all_ranks() -> None:
    """Block until every rank reaches this point (no-op without a process group)."""
    if dist.is_available() and dist.is_initialized():
        dist.barrier()


def shutdown_distributed() -> None:
    """Leave the process group if this process joined one."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def mean_across_ranks(value: float, device: torch.device) -> float:
    """Average a Python float over all ranks (identity without a process group)."""
    if not (dist.is_available() and dist.is_initialized()):
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return float(tensor.item()) / dist.get_world_size()


def any_rank(flag: bool, device: torch.device) -> bool:
    """Return True on every rank when ``flag`` is True on any rank, so all ranks stop or pause together."""
    if not (dist.is_available() and dist.is_initialized()):
        return flag
    tensor = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return bool(tensor.item() > 0)


def broadcast_buffers(module: torch.nn.Module) -> None:
    """Copy rank 0's buffers (batch-norm running statistics) to every rank.

    DDP broadcasts buffers at the start of each forward pass, so after the last pass each rank keeps
    the statistics of its own last micro-batch. Broadcasting makes the saved and evaluated model the same on
    all ranks.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return
    for buffer in module.buffers():
        dist.broadcast(buffer.data, src=0)
