"""Data parallelism: one run across several processes (GPUs, or CPU processes with gloo).

Every rank draws the same global batch (same data and latent generators) and trains on its
own slice of it; after each backward pass the gradients are averaged across ranks with one
all-reduce per network. With no batch norm, this update is the single-process update on the
global batch, up to the order of floating-point sums — which is what the tests check.

Why not the DistributedDataParallel wrapper: a GAN step runs D forward twice (real, fake)
before one backward, toggles D's requires_grad for the G update, and gradient penalties
differentiate through D twice (torch.autograd.grad with create_graph); DDP's reducer supports
none of these reliably. Averaging gradients explicitly is the same maths, stated in one place.

Batch norm: statistics are per rank by default (each rank normalises its slice); ``sync_bn``
replaces batch norm with SyncBatchNorm on GPUs. Rank 0 writes logs, samples, checkpoints and
results; the other ranks only train.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from typing import Callable

import torch
import torch.distributed as dist
from torch import nn

from ganbench.engine.cores import threads_per_worker


@dataclasses.dataclass(frozen=True)
class Ranks:
    """This process's place in the run."""

    rank: int = 0
    world_size: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def shard(self, global_batch: int) -> slice:
        per_rank = global_batch // self.world_size
        return slice(self.rank * per_rank, (self.rank + 1) * per_rank)


SINGLE = Ranks()


def ranks_from_environment() -> Ranks:
    """The ranks torchrun set, or a single process."""
    if "RANK" in os.environ and "WORLD_SIZE" in os.environ and int(os.environ["WORLD_SIZE"]) > 1:
        return Ranks(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]))
    return SINGLE


def initialise(ranks: Ranks, device: torch.device) -> None:
    if ranks.distributed and not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        dist.init_process_group(backend, rank=ranks.rank, world_size=ranks.world_size)


def shut_down() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def average_gradients(module: nn.Module, ranks: Ranks) -> None:
    """Average every gradient of ``module`` across ranks with one flat all-reduce."""
    if not ranks.distributed:
        return
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= ranks.world_size
    offset = 0
    for grad in grads:
        grad.copy_(flat[offset:offset + grad.numel()].view_as(grad))
        offset += grad.numel()


def average_tensor(tensor: torch.Tensor, ranks: Ranks) -> torch.Tensor:
    if ranks.distributed:
        tensor = tensor.clone()
        dist.all_reduce(tensor)
        tensor /= ranks.world_size
    return tensor


def max_tensor(tensor: torch.Tensor, ranks: Ranks) -> torch.Tensor:
    if ranks.distributed:
        tensor = tensor.clone()
        dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return tensor


def gather_objects(value: object, ranks: Ranks) -> list[object]:
    if not ranks.distributed:
        return [value]
    gathered: list[object] = [None] * ranks.world_size
    dist.all_gather_object(gathered, value)
    return gathered


def barrier(ranks: Ranks) -> None:
    if ranks.distributed:
        dist.barrier()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def launch(world_size: int, worker: Callable[[Ranks], None]) -> None:
    """Run ``worker`` in ``world_size`` local processes (the in-process equivalent of torchrun)."""
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ["MASTER_PORT"] = str(free_port())
    torch.multiprocessing.start_processes(_worker_entry, args=(world_size, worker), nprocs=world_size,
                                          start_method="spawn", join=True)


def _worker_entry(rank: int, world_size: int, worker: Callable[[Ranks], None]) -> None:
    os.environ["RANK"], os.environ["WORLD_SIZE"] = str(rank), str(world_size)
    if not torch.cuda.is_available():  # CPU ranks share the cores instead of each taking all of them
        torch.set_num_threads(threads_per_worker(world_size))
    worker(Ranks(rank, world_size))

