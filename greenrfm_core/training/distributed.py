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
import torch.nn.functional as F

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


def in_process_group() -> bool:
    """Return whether this process has joined a torch.distributed process group."""
    return dist.is_available() and dist.is_initialized()


def wait_for_all_ranks() -> None:
    """Block until every rank reaches this point (no-op without a process group)."""
    if in_process_group():
        dist.barrier()


def shutdown_distributed() -> None:
    """Leave the process group if this process joined one."""
    if in_process_group():
        dist.destroy_process_group()


def mean_across_ranks(value: float, device: torch.device) -> float:
    """Average a Python float over all ranks (identity without a process group)."""
    if not in_process_group():
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    return float(tensor.item()) / dist.get_world_size()


def any_rank(flag: bool, device: torch.device) -> bool:
    """Return True on every rank when ``flag`` is True on any rank, so all ranks stop or pause together."""
    if not in_process_group():
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
    if not in_process_group():
        return
    for buffer in module.buffers():
        dist.broadcast(buffer.data, src=0)


def gather_rows(tensor: torch.Tensor) -> tuple[torch.Tensor, int]:
    """Concatenate the rows of ``tensor`` from every rank, keeping this rank's rows differentiable.

    Used for the contrastive loss so each rank scores its pairs against the negatives of all ranks. Rows
    from other ranks carry no gradient: each rank's loss trains its own encoders' outputs, and DDP averages
    the parameter gradients as usual. Ranks may hold different numbers of rows (the last batch of an epoch).

    Args:
        tensor: (B, D) this rank's rows.

    Returns:
        ``(rows, offset)``: the (sum of B over ranks, D) rows in rank order, and the index of this rank's
        first row in them. Without a process group, ``(tensor, 0)``.
    """
    if not in_process_group() or dist.get_world_size() == 1:
        return tensor, 0
    world_size, rank = dist.get_world_size(), dist.get_rank()
    size = torch.tensor([tensor.shape[0]], dtype=torch.long, device=tensor.device)
    sizes = [torch.zeros_like(size) for _ in range(world_size)]
    dist.all_gather(sizes, size)
    counts = [int(s.item()) for s in sizes]
    padded = F.pad(tensor.detach(), (0, 0, 0, max(counts) - tensor.shape[0]))
    gathered = [torch.empty_like(padded) for _ in range(world_size)]
    dist.all_gather(gathered, padded.contiguous())
    pieces = [piece[:count] for piece, count in zip(gathered, counts)]
    pieces[rank] = tensor
    return torch.cat(pieces), sum(counts[:rank])


def broadcast_text(text: str | None, device: torch.device) -> str:
    """Return rank 0's ``text`` on every rank (``text`` itself without a process group).

    The text travels as UTF-8 bytes in a tensor, so nothing is pickled and ranks need no shared folder.
    """
    if not in_process_group():
        if text is None:
            raise ValueError("text is required without a process group")
        return text
    is_main = dist.get_rank() == 0
    payload = (text or "").encode("utf-8") if is_main else b""
    length = torch.tensor([len(payload)], dtype=torch.long, device=device)
    dist.broadcast(length, src=0)
    if is_main:
        buffer = torch.frombuffer(bytearray(payload), dtype=torch.uint8).to(device)
    else:
        buffer = torch.empty(int(length.item()), dtype=torch.uint8, device=device)
    dist.broadcast(buffer, src=0)
    return buffer.cpu().numpy().tobytes().decode("utf-8")
