"""LoRA fine-tuning, readable top to bottom: load, pack, loop (accumulate, step, validate, checkpoint), save.

Determinism is by construction: the LoRA init follows the seed, the data order is a function of
(seed, epoch), and a checkpoint holds every RNG state and the position in the data, so a run
resumed after `kill -9` reproduces the uninterrupted run.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import resource
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from ragtune.errors import TuneError
from ragtune.models.device import configure_cpu_threads, parse_dtype, quiet_transformers, resolve_device
from ragtune.runs import ADAPTER_DIR, CARD, model_hash, package_versions, write_json
from ragtune.tune import checkpoint as ckpt
from ragtune.tune.data import (IGNORE, Batch, collate, data_hash, epoch_batches, pack,
                               read_chat_jsonl, tokenize_chat)
from ragtune.tune.settings import TrainingResult, TrainProgress, TuneConfig

ChatData = str | Path | Sequence[Sequence[dict]]  # a chat JSONL path, or the message lists themselves


@dataclass
class _RunState:
    """Where the loop is; saved in every checkpoint."""

    step: int = 0
    epoch: int = 0
    batch_in_epoch: int = 0  # next micro-batch of `epoch`
    tokens: int = 0
    train_s: float = 0.0
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    best_val: float = math.inf
    best_weights: dict | None = None
    bad_evals: int = 0
    stopped_early: bool = False


def train_lora(model_path: str | Path, train_data: ChatData, val_data: ChatData | None, out_dir: str | Path,
               cfg: TuneConfig = TuneConfig(), *, resume: bool = False,
               progress: Callable[[TrainProgress], None] | None = None) -> TrainingResult:
    """Train a LoRA adapter on chat examples; writes `out_dir/adapter/` and `out_dir/training_card.json`."""
    start = time.perf_counter()
    model_path, out_dir = Path(model_path), Path(out_dir)
    train_examples = _as_examples(train_data)
    val_examples = _as_examples(val_data) if val_data is not None else []
    if not train_examples:
        raise TuneError("the training set is empty; run `ragtune synth` or check the JSONL file.")
    device = resolve_device(cfg.device)
    if device == "cpu":
        configure_cpu_threads()
    dtype = parse_dtype(cfg.dtype, device)
    _seed_everything(cfg.seed)
    tokenizer, model = _load_lora_model(model_path, cfg, device)

    train_tok = [tokenize_chat(tokenizer, m) for m in train_examples]
    rows = pack(train_tok, cfg.seq_len)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    val_tok = [tokenize_chat(tokenizer, m) for m in val_examples]
    val_rows = pack(val_tok, cfg.seq_len)
    val_batches = [collate(val_tok, val_rows[i: i + cfg.batch_rows], pad_id)
                   for i in range(0, len(val_rows), cfg.batch_rows)]

    micro_per_epoch = math.ceil(len(rows) / cfg.batch_rows)
    steps_per_epoch = math.ceil(micro_per_epoch / cfg.grad_accum)
    total_steps = cfg.epochs * steps_per_epoch
    if cfg.max_steps is not None:
        total_steps = min(total_steps, cfg.max_steps)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _warmup_cosine(total_steps, cfg.warmup_ratio))

    state = _RunState()
    ckpt_root = out_dir / "checkpoints"
    if resume and (found := ckpt.list_checkpoints(ckpt_root)):
        state = _restore(found[-1], model, optimizer, scheduler)
    elif not resume and ckpt_root.exists():
        shutil.rmtree(ckpt_root)  # a fresh run must never resume from a stale checkpoint by accident
    # fp32 master weights; matmuls in bf16 where the device does them fast (CUDA, CPUs with bf16 instructions)
    autocast = torch.autocast(device.split(":")[0], dtype=dtype) if dtype != torch.float32 and device != "mps" else None

    model.train()
    while state.step < total_steps and not state.stopped_early:
        batches = epoch_batches(rows, cfg.batch_rows, cfg.seed, state.epoch)
        while state.batch_in_epoch < len(batches) and state.step < total_steps:
            group = batches[state.batch_in_epoch: state.batch_in_epoch + cfg.grad_accum]
            tick = time.perf_counter()
            loss, tokens = _optimizer_step(model, [collate(train_tok, g, pad_id) for g in group], optimizer,
                                           params, cfg.max_grad_norm, device, autocast)
            scheduler.step()
            state.train_s += time.perf_counter() - tick
            state.batch_in_epoch += len(group)
            state.step += 1
            state.tokens += tokens
            state.train_loss.append((state.step, loss))
            val = None
            if val_batches and cfg.eval_every and (state.step % cfg.eval_every == 0 or state.step == total_steps):
                val = _validate(model, val_batches, device, autocast, state, cfg)
            if cfg.checkpoint_every and state.step % cfg.checkpoint_every == 0 and state.step < total_steps:
                _save(ckpt_root, model, optimizer, scheduler, state)
            if progress is not None:
                progress(TrainProgress(state.step, total_steps, state.epoch, loss, scheduler.get_last_lr()[0],
                                       state.tokens / max(state.train_s, 1e-9), val))
            if state.stopped_early:
                break
        if state.batch_in_epoch >= len(batches):
            state.epoch += 1
            state.batch_in_epoch = 0

    if cfg.keep_best and state.best_weights is not None:  # keep the weights with the lowest validation loss
        ckpt.load_trainable_state(model, state.best_weights)
    adapter_dir = _save_adapter(model, tokenizer, out_dir)
    wall_s = time.perf_counter() - start
    tokens_per_s = state.tokens / max(state.train_s, 1e-9)
    card = {
        "base_model": {"path": str(model_path), "hash": model_hash(model_path)},
        "data": {"train_hash": data_hash(train_examples), "val_hash": data_hash(val_examples),
                 "train_examples": len(train_examples), "val_examples": len(val_examples),
                 "train_tokens_per_epoch": sum(len(e.input_ids) for e in train_tok),
                 "packed_rows": len(rows), "target_tokens_per_epoch": sum(e.n_targets for e in train_tok)},
        "hyperparameters": asdict(cfg), "seed": cfg.seed, "device": device, "dtype": str(dtype),
        "steps": state.step, "total_steps": total_steps, "stopped_early": state.stopped_early,
        "loss": {"train": state.train_loss, "val": state.val_loss,
                 "best_val": state.best_val if state.val_loss else None},
        "tokens_per_s": round(tokens_per_s, 1), "wall_s": round(wall_s, 2), "train_s": round(state.train_s, 2),
        "peak_memory": peak_memory(), "packages": package_versions(),
    }
    card_path = write_json(out_dir / CARD, card)
    return TrainingResult(adapter_dir, card_path, state.step, state.stopped_early, state.train_loss,
                          state.val_loss, card["loss"]["best_val"], tokens_per_s, wall_s)


def peak_memory() -> dict[str, float]:
    """Peak resident memory of this process (MiB) and, on CUDA, peak allocated GPU memory (MiB)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mib = rss / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, KiB on Linux
    peak = {"max_rss_mib": round(rss_mib, 1)}
    if torch.cuda.is_available():
        peak["cuda_max_allocated_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
    return peak


def _as_examples(data: ChatData) -> list[list[dict]]:
    if isinstance(data, (str, Path)):
        return read_chat_jsonl(data)
    return [list(messages) for messages in data]


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds CUDA


def _load_lora_model(model_path: Path, cfg: TuneConfig, device: str):
    """The base model in fp32 (autocast gives bf16 where fast) wrapped with freshly initialised LoRA layers."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    if not (model_path / "config.json").is_file():
        raise TuneError(f"{model_path} is not a Hugging Face model folder (no config.json); "
                        "pass the folder of a local causal LM.")
    tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
    with quiet_transformers():
        base = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32, local_files_only=True)
    lora = LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                      target_modules=list(cfg.target_modules), task_type="CAUSAL_LM")
    try:
        with quiet_transformers():
            model = get_peft_model(base, lora)
    except ValueError as e:
        raise TuneError(f"LoRA target modules {list(cfg.target_modules)} do not fit {model_path.name} ({e}); "
                        "set target_modules to names of its linear layers.") from e
    return tokenizer, model.to(device)


def _token_loss_sum(model, batch: Batch, device: str, autocast) -> torch.Tensor:
    """Summed cross-entropy over target tokens; the LM head runs only where there is a target."""
    base = model.get_base_model()
    labels = batch.labels.to(device)
    with autocast or contextlib.nullcontext():
        hidden = base.get_decoder()(input_ids=batch.input_ids.to(device), position_ids=batch.position_ids.to(device),
                                    use_cache=False).last_hidden_state
        keep = labels != IGNORE
        logits = base.get_output_embeddings()(hidden[keep])
    return torch.nn.functional.cross_entropy(logits.float(), labels[keep], reduction="sum")


def _optimizer_step(model, batches: list[Batch], optimizer, params, max_grad_norm: float, device: str,
                    autocast) -> tuple[float, int]:
    """One optimizer step over accumulated micro-batches; the loss is the mean over all their target tokens."""
    n_targets = sum(b.n_targets for b in batches)
    total = 0.0
    for batch in batches:
        loss = _token_loss_sum(model, batch, device, autocast) / max(n_targets, 1)
        loss.backward()
        total += loss.item()
    if max_grad_norm > 0:
        torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return total, sum(b.n_tokens for b in batches)


@torch.no_grad()
def _validate(model, batches: list[Batch], device: str, autocast, state: _RunState, cfg: TuneConfig) -> float:
    """Validation loss; tracks the best weights and stops early after `patience` validations without gain."""
    model.eval()
    total = sum(_token_loss_sum(model, b, device, autocast).item() for b in batches)
    model.train()
    val = total / max(sum(b.n_targets for b in batches), 1)
    state.val_loss.append((state.step, val))
    if val < state.best_val - cfg.min_delta:
        state.best_val, state.bad_evals = val, 0
        state.best_weights = ckpt.trainable_state(model) if cfg.keep_best else None
    else:
        state.bad_evals += 1
        state.stopped_early = cfg.patience > 0 and state.bad_evals >= cfg.patience
    return val


def _warmup_cosine(total_steps: int, warmup_ratio: float) -> Callable[[int], float]:
    warmup = max(1, round(total_steps * warmup_ratio)) if warmup_ratio > 0 else 0

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        progress = (step - warmup) / max(1, total_steps - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * min(progress, 1.0)))

    return factor


def _save(root: Path, model, optimizer, scheduler, state: _RunState) -> None:
    payload = {"weights": ckpt.trainable_state(model), "optimizer": optimizer.state_dict(),
               "scheduler": scheduler.state_dict(), "rng": ckpt.rng_state(), "run": asdict(state)}
    ckpt.save_checkpoint(root, state.step, model, payload)


def _restore(path: Path, model, optimizer, scheduler) -> _RunState:
    payload = ckpt.load_checkpoint(path)
    ckpt.load_trainable_state(model, payload["weights"])
    optimizer.load_state_dict(payload["optimizer"])
    scheduler.load_state_dict(payload["scheduler"])
    ckpt.restore_rng_state(payload["rng"])
    return _RunState(**payload["run"])


def _save_adapter(model, tokenizer, out_dir: Path) -> Path:
    """Write `out_dir/adapter/` atomically (PEFT `save_pretrained`, plus the tokenizer for convenience)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    final = out_dir / ADAPTER_DIR
    temp = out_dir / f".{ADAPTER_DIR}.tmp-{os.getpid()}"
    shutil.rmtree(temp, ignore_errors=True)
    model.save_pretrained(temp)
    tokenizer.save_pretrained(temp)
    if final.exists():
        shutil.rmtree(final)
    os.replace(temp, final)
    return final
