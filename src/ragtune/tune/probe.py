"""The step time a plan is made from, measured on the run's own first batches before step 1."""

from __future__ import annotations

import contextlib
import math
import shutil
import time
from pathlib import Path

import torch

from ragtune.config import TuneConfig
from ragtune.tune import checkpoint as ckpt
from ragtune.tune.data import Batch, collate
from ragtune.tune.distributed import SINGLE, World, all_max
from ragtune.tune.loss import token_loss_sum


def measure_times(model, train_tok, rows, val_batches: list[Batch], pad_id, cfg: TuneConfig, device: str,
                  autocast, scratch: Path, world: World = SINGLE) -> tuple[float, float, float]:
    """Seconds per optimizer step (at this data's mean step size), per validation pass and per checkpoint,
    measured before step 1 on the run's own batches.

    Forward and backward on the smallest (untimed warm-up, then timed) and the largest micro-batch fit
    `seconds = a + b x tokens`, summed over an epoch's micro-batches; the update is timed on a scratch copy
    of the trainable weights, a checkpoint of their size is written under `scratch` and deleted. The model,
    its optimizer and the RNG state are left as they were, so the run is the same as without the measurement.
    On several processes a rank runs 1/world-size of an epoch's micro-batches and of the validation batches,
    plus one all-reduce of the gradients per step; rank 0 alone writes checkpoints; and every rank plans with
    the slowest rank's times (a step waits for it), so all ranks plan the same steps.
    """
    micro = [rows[i: i + cfg.batch_rows] for i in range(0, len(rows), cfg.batch_rows)]
    cost = [len(m) * max(sum(len(train_tok[i].input_ids) for i in row) for row in m) for m in micro]
    small, large = min(range(len(micro)), key=cost.__getitem__), max(range(len(micro)), key=cost.__getitem__)
    rng = ckpt.rng_state()
    batches = {i: collate(train_tok, micro[i], pad_id) for i in {small, large}}
    for i in {small, large}:  # warm-up: first calls at a new shape pay allocation and kernel packing
        _timed(model, batches[i], device, autocast, True)
    # Best of two each: one timing of each batch over-estimated the demo's steps by 30 % (ft 4.08 s planned,
    # 2.83 s trained; raft 9.5 s vs 7.1 s on a 2-core Zen 3).
    t_small, t_large = (min(_timed(model, batches[i], device, autocast, True) for _ in range(2))
                        for i in (small, large))
    model.zero_grad(set_to_none=True)
    if cost[large] > cost[small]:
        per_token = max((t_large - t_small) / (cost[large] - cost[small]), 0.0)
    else:
        per_token = t_large / max(cost[large], 1)
    fixed = max(t_large - per_token * cost[large], 0.0)
    steps_per_epoch = math.ceil(len(micro) / (cfg.grad_accum * world.size))
    step_s = ((fixed * len(micro) + per_token * sum(cost)) / world.size / steps_per_epoch
              + _update_s(model, cfg, device) + _all_reduce_s(model, device, world))
    eval_s = 0.0
    if val_batches:
        model.eval()
        first = val_batches[0]
        eval_s = _timed(model, first, device, autocast, False) * sum(b.input_ids.numel() for b in val_batches) \
            / first.input_ids.numel() * (math.ceil(len(val_batches) / world.size) / len(val_batches))
        model.train()
    checkpoint_s = _checkpoint_s(model, scratch) if cfg.checkpoint_every and world.main else 0.0
    ckpt.restore_rng_state(rng)
    step_s, eval_s, checkpoint_s = all_max([step_s, eval_s, checkpoint_s], world)
    return step_s, eval_s, checkpoint_s


def _timed(model, batch: Batch, device: str, autocast, backward: bool) -> float:
    tick = time.perf_counter()
    with contextlib.nullcontext() if backward else torch.no_grad():
        loss = token_loss_sum(model, batch, device, autocast)[0]
        if backward:
            loss.backward()
    _sync(device)
    return time.perf_counter() - tick


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _update_s(model, cfg: TuneConfig, device: str) -> float:
    """Gradient clipping and an AdamW update (its second: the first allocates the moments), on copies."""
    copies = [p.detach().clone().requires_grad_(True) for p in model.parameters() if p.requires_grad]
    for c in copies:
        c.grad = torch.ones_like(c)
    optimizer = torch.optim.AdamW(copies, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    seconds = []
    for _ in range(2):
        tick = time.perf_counter()
        if cfg.max_grad_norm > 0:
            torch.nn.utils.clip_grad_norm_(copies, cfg.max_grad_norm)
        optimizer.step()
        _sync(device)
        seconds.append(time.perf_counter() - tick)
    return seconds[-1]


def _all_reduce_s(model, device: str, world: World) -> float:
    """One all-reduce of gradients the size of the trainable weights (the best of two; 0 on one process)."""
    if world.size == 1:
        return 0.0
    import torch.distributed as dist

    flat = torch.zeros(sum(p.numel() for p in model.parameters() if p.requires_grad), device=device)
    seconds = []
    for _ in range(2):
        tick = time.perf_counter()
        dist.all_reduce(flat)
        _sync(device)
        seconds.append(time.perf_counter() - tick)
    return min(seconds)


def _checkpoint_s(model, scratch: Path) -> float:
    """One checkpoint's write, at its real size (adapter, weights and AdamW's two moments), into `scratch`."""
    weights = ckpt.trainable_state(model)
    moments = [{k: v.clone() for k, v in weights.items()} for _ in range(2)]  # torch.save stores a shared tensor once
    payload = {"weights": weights, "optimizer": {"exp_avg": moments[0], "exp_avg_sq": moments[1]}}
    tick = time.perf_counter()
    try:
        ckpt.save_checkpoint(scratch, 0, model, payload)
        return time.perf_counter() - tick
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
