"""Data-parallel training on several processes (`torchrun --nproc_per_node N`, `accelerate launch`).

The launcher sets WORLD_SIZE, RANK and LOCAL_RANK; every process runs the same command. One optimizer step
takes `grad_accum x world size` micro-batches of the epoch's reproducible order, each rank its share
(`step_share`); the loss is divided by the step's target tokens over all ranks and the gradients are summed
over ranks (`sum_gradients`), so the step is the one a single process with `grad_accum x world size` would
take, up to the order of float additions. Gradients are all-reduced by hand rather than by
DistributedDataParallel: the loss reaches the decoder below PEFT's wrapper (`loss.token_loss_sum`), which
DDP's forward hook would never see, the trainable LoRA weights fit one flat all-reduce, and a rank whose
share of the epoch's last step is empty still joins it.

Rank 0 alone writes (`from_main`: checkpoints, the adapter, the card, the run record); the others wait for
its result. With one process every function here is the identity, so single-process training is unchanged.
"""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass
from typing import Callable, Sequence, TypeVar

import torch

from ragtune.errors import TuneError

T = TypeVar("T")


@dataclass(frozen=True)
class World:
    """This process's place among the training processes."""

    rank: int = 0
    local_rank: int = 0
    size: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0


SINGLE = World()


def detect_world(env=os.environ) -> World:
    """The world a launcher described in the environment (torchrun and accelerate set the same variables)."""
    try:
        size = int(env.get("WORLD_SIZE", "1"))
        rank = int(env.get("RANK", "0"))
        local_rank = int(env.get("LOCAL_RANK", str(rank)))
    except ValueError as e:
        raise TuneError(f"WORLD_SIZE, RANK and LOCAL_RANK must be integers ({e}); start several processes with "
                        "`torchrun --nproc_per_node N` or `accelerate launch`, which set them.") from e
    if size < 1 or not 0 <= rank < size:
        raise TuneError(f"RANK={rank} does not fit WORLD_SIZE={size}; let torchrun or accelerate set them.")
    return World(rank, local_rank, size)


def join_world() -> World:
    """The detected world, with its process group joined (once): gloo for CPU tensors, and NCCL for CUDA
    tensors where there is a GPU. A group the caller already started (e.g. by accelerate) is used as it is."""
    world = detect_world()
    if world.size == 1:
        return world
    import torch.distributed as dist

    if not dist.is_initialized():
        if "MASTER_ADDR" not in os.environ:
            raise TuneError(f"WORLD_SIZE={world.size} but MASTER_ADDR is not set; start the processes with "
                            "`torchrun --nproc_per_node N` or `accelerate launch`.")
        dist.init_process_group("cpu:gloo,cuda:nccl" if torch.cuda.is_available() else "gloo")
        atexit.register(_leave)
    if dist.get_world_size() != world.size or dist.get_rank() != world.rank:
        raise TuneError(f"the process group ({dist.get_world_size()} processes) does not match WORLD_SIZE="
                        f"{world.size}; start training in a fresh launch.")
    return world


def _leave() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()


def rank_device(device: str, world: World) -> str:
    """Each rank's own GPU (`cuda:LOCAL_RANK`); a CPU or MPS device is shared as it is."""
    if world.size == 1 or not device.startswith("cuda"):
        return device
    if world.local_rank >= torch.cuda.device_count():
        raise TuneError(f"LOCAL_RANK {world.local_rank} but this machine has {torch.cuda.device_count()} GPU(s); "
                        "start at most one process per GPU (`--nproc_per_node`).")
    torch.cuda.set_device(world.local_rank)
    return f"cuda:{world.local_rank}"


def step_share(group: Sequence[T], world: World) -> list[T]:
    """This rank's micro-batches of one step's group (strided, so a short last group is spread over ranks)."""
    return list(group[world.rank::world.size])


def even_shard(batch: Sequence[T], world: World) -> list[T]:
    """This rank's contiguous, equal slice of `batch` (its length a multiple of the world size): the layout
    in-batch negatives gathered across ranks expect."""
    n = len(batch) // world.size
    return list(batch[world.rank * n: (world.rank + 1) * n])


def all_sum(values: Sequence[float], world: World) -> list[float]:
    """`values` summed over ranks (float64, so counts and losses stay exact); unchanged on one process."""
    if world.size == 1:
        return list(values)
    return _all_reduce(values, "sum")


def all_max(values: Sequence[float], world: World) -> list[float]:
    """The largest of each value over ranks: a synchronous step lasts as long as its slowest rank."""
    if world.size == 1:
        return list(values)
    return _all_reduce(values, "max")


def _all_reduce(values: Sequence[float], how: str) -> list[float]:
    import torch.distributed as dist

    t = torch.tensor([float(v) for v in values], dtype=torch.float64)
    dist.all_reduce(t, op=dist.ReduceOp.SUM if how == "sum" else dist.ReduceOp.MAX)
    return t.tolist()


def sum_gradients(params: Sequence[torch.nn.Parameter], world: World, scale: float = 1.0) -> None:
    """Every rank's gradients summed (times `scale`), in one flat all-reduce; a missing gradient counts as 0."""
    if world.size == 1:
        return
    import torch.distributed as dist

    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    if scale != 1.0:
        flat.mul_(scale)
    offset = 0
    for p, g in zip(params, grads):
        p.grad = flat[offset: offset + g.numel()].view_as(p).clone()
        offset += g.numel()


def share_weights(params: Sequence[torch.Tensor], world: World) -> None:
    """Rank 0's values of `params` on every rank, so all ranks start from the very same weights."""
    if world.size == 1:
        return
    import torch.distributed as dist

    with torch.no_grad():
        for p in params:
            dist.broadcast(p.data, src=0)


def seed_rank(seed: int, world: World) -> None:
    """A torch RNG stream of each rank's own (dropout masks differ across ranks as across micro-batches);
    nothing changes on one process."""
    if world.size > 1:
        torch.manual_seed(seed * 1_000_003 + world.rank + 1)


def gather(value: T, world: World) -> list[T]:
    """Every rank's `value`, in rank order (e.g. each rank's RNG state for a checkpoint)."""
    if world.size == 1:
        return [value]
    import torch.distributed as dist

    out: list = [None] * world.size
    dist.all_gather_object(out, value)
    return out


def from_main(make: Callable[[], T], world: World) -> T:
    """`make()` run by rank 0 alone (a file written once, a choice made once), its result given to every
    rank; the others wait for it. A failure on rank 0 stops every rank, so none waits forever."""
    if world.size == 1:
        return make()
    import torch.distributed as dist

    box: list = [None]
    if world.main:
        try:
            box[0] = ("ok", make())
        except Exception as e:
            box[0] = ("error", f"{type(e).__name__}: {e}")
            dist.broadcast_object_list(box, src=0)
            raise
    dist.broadcast_object_list(box, src=0)
    status, value = box[0]
    if status == "error":
        raise TuneError(f"rank 0 stopped ({value}); see its message above.")
    return value


def check_world_size(planned: int, world: World, what: str) -> None:
    """A resumed run needs the world it started with: its global batch and data order depend on it."""
    if planned != world.size:
        how = f"torchrun --nproc_per_node {planned}" if planned > 1 else "one process (no torchrun)"
        raise TuneError(f"{what} started on {planned} process(es) and this launch has {world.size}; resume it "
                        f"with {how}: the global batch and the data order depend on the number of processes.")
