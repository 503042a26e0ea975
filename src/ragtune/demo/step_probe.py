"""How long a LoRA step takes on this machine, for the demo's sizing: the trainer's own estimate on the rows
the runs will train on, stopped before step 1 (`ragtune.tune.probe`)."""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

PROBE_ROWS = 48  # training examples the sizing probe steps through: several packed rows of real length
PROBE_RAFT_ROWS = 4  # raft examples (one or more rows each): two steps of them

Train = Callable[[int], tuple[float, float]]  # steps -> (seconds per step, seconds outside the steps)


class _Planned(Exception):
    """Raised from `on_plan` to stop a probe run before its first step, carrying the plan."""

    def __init__(self, plan):
        self.plan = plan


def train_step_seconds(base_model: Path, cfg, examples: list[list[dict]],
                       val: list[list[dict]] | None = None) -> Train:
    """`train(steps)`: (seconds per optimizer step, seconds of a run outside its steps), from the trainer's
    own plan (`ragtune.tune.probe`: warmed-up forward/backward at the data's mean step size, an update, a
    validation pass and a checkpoint) on `examples`, stopped before step 1. The step includes the validation
    passes and checkpoints spread over the steps between them; the outside part is this call's wall time
    (loading the model, tokenizing, the probe). One source of truth: `ragtune tune` prints the same estimate.
    Timing the first real steps instead over-estimated them 2x (each new row length packs kernels anew)."""
    from ragtune.tune.train import train_lora

    def train(steps: int) -> tuple[float, float]:
        start = time.perf_counter()

        def stop(plan):
            raise _Planned(plan)

        with tempfile.TemporaryDirectory() as tmp:
            try:
                train_lora(base_model, examples, val or None, Path(tmp), replace(cfg, max_steps=steps), on_plan=stop)
                return math.inf, 0.0  # a trainer that never planned: no estimate
            except _Planned as planned:
                plan = planned.plan
        step = plan.step_s
        if val and cfg.eval_every:
            step += (plan.eval_s or 0.0) / cfg.eval_every
        if cfg.checkpoint_every:
            step += (plan.checkpoint_s or 0.0) / cfg.checkpoint_every
        return step, time.perf_counter() - start

    return train


def probe_trainers(base_model: Path, cfg, train_file: Path | None, fallback: list[list[dict]]
                   ) -> tuple[Train, Train | None]:
    """The ft and raft step probes: on the synthesized rows (`train_file`, its val.jsonl and raft_train.jsonl
    beside it) where they exist, so the probe steps through what the runs will train on; else `fallback`."""
    from ragtune.runs import read_jsonl

    if train_file is None or not train_file.is_file():
        return train_step_seconds(base_model, cfg, fallback[:PROBE_ROWS]), None
    examples = [r["messages"] for r in read_jsonl(train_file)][:PROBE_ROWS]
    val_file, raft_file = train_file.with_name("val.jsonl"), train_file.with_name("raft_train.jsonl")
    val = [r["messages"] for r in read_jsonl(val_file)] if val_file.is_file() else None
    raft = None
    if raft_file.is_file():
        raft = train_step_seconds(base_model, cfg, [r["messages"] for r in read_jsonl(raft_file)][:PROBE_RAFT_ROWS],
                                  val)
    return train_step_seconds(base_model, cfg, examples, val), raft
