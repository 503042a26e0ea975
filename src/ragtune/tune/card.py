"""The training card (`runs/<id>/training_card.json`): what was trained on what, how long it was planned to
take and how long it took, and why it stopped."""

from __future__ import annotations

import resource
import sys
from dataclasses import asdict
from pathlib import Path

import torch

from ragtune.runs import CARD, model_hash, package_versions, write_json
from ragtune.tune.data import TokenizedExample, data_hash
from ragtune.tune.plan import TrainPlan
from ragtune.tune.settings import TuneConfig


def write_card(out_dir: Path, *, model_path: Path, cfg: TuneConfig, device: str, dtype, train_examples: list,
               val_examples: list, train_tok: list[TokenizedExample], rows: int, plan: TrainPlan, state,
               wall_s: float, actual_s: float) -> tuple[Path, dict]:
    """Write the card; `actual_s` is the time from the plan's estimate to the saved adapter, so the estimate's
    error is there to read (`plan.estimated_s` covers the planned steps, `estimated_s_run` the steps run)."""
    estimated_run = plan.estimate(plan.start_step, state.step, cfg.eval_every, cfg.checkpoint_every)
    tokens_per_s = state.tokens / max(state.train_s, 1e-9)
    card = {
        "base_model": {"path": str(model_path), "hash": model_hash(model_path)},
        "data": {"train_hash": data_hash(train_examples), "val_hash": data_hash(val_examples),
                 "train_examples": len(train_examples), "val_examples": len(val_examples),
                 "train_tokens_per_epoch": sum(len(e.input_ids) for e in train_tok),
                 "packed_rows": rows, "target_tokens_per_epoch": sum(e.n_targets for e in train_tok)},
        "hyperparameters": asdict(cfg), "seed": cfg.seed, "device": device, "dtype": str(dtype),
        "steps": state.step, "total_steps": plan.steps, "stopped_early": state.stopped_early,
        "stop_reason": state.stop_reason or f"the planned {plan.steps} steps ran",
        "plan": plan.as_dict(),
        "time": {"estimated_s": round(plan.estimated_s, 2), "estimated_s_run": round(estimated_run, 2),
                 "actual_s": round(actual_s, 2),
                 "error": round(actual_s / estimated_run - 1, 3) if estimated_run > 0 else None},
        "epochs": state.epoch_log,
        "loss": {"train": state.train_loss, "val": state.val_loss,
                 "best_val": state.best_val if state.val_loss else None},
        "tokens_per_s": round(tokens_per_s, 1), "wall_s": round(wall_s, 2), "train_s": round(state.train_s, 2),
        "peak_memory": peak_memory(), "packages": package_versions(),
    }
    return write_json(out_dir / CARD, card), card


def peak_memory() -> dict[str, float]:
    """Peak resident memory of this process (MiB) and, on CUDA, peak allocated GPU memory (MiB)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mib = rss / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux
    peak = {"max_rss_mib": round(rss_mib, 1)}
    if torch.cuda.is_available():
        peak["cuda_max_allocated_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return peak
