"""Data-parallel training across processes started by torchrun.

torchrun sets RANK, WORLD_SIZE and LOCAL_RANK in every worker's
environment. With WORLD_SIZE above 1 the process group is initialised
(NCCL on CUDA, gloo on CPU), the model is wrapped in DistributedDataParallel
and each worker keeps its own queue, as CLRec does to avoid communication.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DistributedContext:
    """This worker's place in the job; rank 0 of 1 when not distributed."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    # True when this process initialised the process group and must destroy it.
    owns_group: bool = False

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def read_launch_environment(environ: dict[str, str] | None = None) -> tuple[int, int, int]:
    """Return (rank, world_size, local_rank) from torchrun's variables; (0, 1, 0) when absent."""
    environ = os.environ if environ is None else environ
    try:
        world_size = int(environ.get("WORLD_SIZE", "1"))
        rank = int(environ.get("RANK", "0"))
        local_rank = int(environ.get("LOCAL_RANK", "0"))
    except ValueError as error:
        raise ValueError(f"invalid torchrun environment variable: {error}") from None
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"invalid torchrun environment: RANK={rank}, WORLD_SIZE={world_size}")
    return rank, world_size, local_rank


def init_distributed(use_cuda: bool) -> DistributedContext:
    """Join the process group when launched by torchrun with several workers."""
    rank, world_size, local_rank = read_launch_environment()
    if world_size == 1:
        return DistributedContext()
    owns_group = False
    if not dist.is_initialized():
        backend = "nccl" if use_cuda else "gloo"
        dist.init_process_group(backend=backend)
        owns_group = True
        logger.info("joined process group: rank %d of %d, backend %s", rank, world_size, backend)
    return DistributedContext(rank=rank, world_size=world_size, local_rank=local_rank, owns_group=owns_group)


def all_reduce_sum(values: list[float], context: DistributedContext, device: torch.device) -> list[float]:
    """Return the element-wise sum of `values` over all workers (the values themselves when alone)."""
    if not context.enabled:
        return values
    tensor = torch.tensor(values, dtype=torch.float64, device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor.tolist()


def barrier(context: DistributedContext) -> None:
    if context.enabled:
        dist.barrier()


def shutdown(context: DistributedContext) -> None:
    """Destroy the process group if this process created it."""
    if context.owns_group and dist.is_initialized():
        dist.destroy_process_group()
