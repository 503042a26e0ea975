"""LoRA fine-tuning, readable top to bottom: load, pack, loop (accumulate, step, validate, checkpoint), save.

Determinism is by construction: the LoRA init follows the seed, the data order is a function of
(seed, epoch), and a checkpoint holds every RNG state and the position in the data, so a run
resumed after `kill -9` reproduces the uninterrupted run. Under `torchrun` or `accelerate launch` every rank
runs this same loop on its share of each step (`ragtune.tune.distributed`); rank 0 alone writes.
"""

from __future__ import annotations

import math
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from ragtune.errors import TuneError
from ragtune.models.device import configure_cpu_threads, quiet_transformers, resolve_device
from ragtune.models.dtype import known_choice, measure
from ragtune.tune import checkpoint as ckpt
from ragtune.tune.card import write_card
from ragtune.tune.data import Batch, collate, epoch_batches, pack, read_chat_jsonl, tokenize_chat
from ragtune.tune.distributed import (SINGLE, World, all_sum, check_world_size, from_main, gather, join_world,
                                      rank_device, seed_rank, share_weights, step_share, sum_gradients)
from ragtune.tune.loss import token_loss_sum
from ragtune.tune.plan import TrainPlan, epoch_stop, plan_training, resumed_plan, warmup_cosine
from ragtune.tune.probe import measure_times
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
    stopped_early: bool = False  # by validation loss (`patience`)
    stop_reason: str = ""  # why the run ended before its planned steps ("" = it ran them all)
    plan: dict | None = None  # the TrainPlan, so a resumed run keeps its schedule
    epoch_sums: list = field(default_factory=lambda: [0, 0, 0, 0, 0.0])  # hits, targets, exact, examples, loss
    epoch_log: list = field(default_factory=list)  # per finished epoch: accuracy, exact, loss


def train_lora(model_path: str | Path, train_data: ChatData, val_data: ChatData | None, out_dir: str | Path,
               cfg: TuneConfig = TuneConfig(), *, resume: bool = False,
               progress: Callable[[TrainProgress], None] | None = None,
               on_plan: Callable[[TrainPlan], None] | None = None) -> TrainingResult:
    """Train a LoRA adapter on chat examples; writes `out_dir/adapter/` and `out_dir/training_card.json`.

    Before step 1 the step time is measured on the first batch and the run is planned (`ragtune.tune.plan`);
    `on_plan` gets the plan (steps, tokens, estimated seconds) before any step runs.
    """
    start = time.perf_counter()
    model_path, out_dir = Path(model_path), Path(out_dir)
    train_examples = _as_examples(train_data)
    val_examples = _as_examples(val_data) if val_data is not None else []
    if not train_examples:
        raise TuneError("the training set is empty; run `ragtune synth` or check the JSONL file.")
    world = join_world()  # one rank of several under torchrun / accelerate launch, else SINGLE
    device = rank_device(resolve_device(cfg.device), world)
    if device == "cpu":
        configure_cpu_threads()
    choice = known_choice("train", model_path, device, cfg.dtype)  # None: measured on the LoRA model below
    _seed_everything(cfg.seed)
    tokenizer, model = _load_lora_model(model_path, cfg, device)

    train_tok = [tokenize_chat(tokenizer, m) for m in train_examples]
    rows = pack(train_tok, cfg.seq_len)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    val_tok = [tokenize_chat(tokenizer, m) for m in val_examples]
    val_rows = pack(val_tok, cfg.seq_len)
    val_batches = [collate(val_tok, val_rows[i: i + cfg.batch_rows], pad_id)
                   for i in range(0, len(val_rows), cfg.batch_rows)]

    params = [p for p in model.parameters() if p.requires_grad]
    share_weights(params, world)  # every rank starts from rank 0's LoRA init
    seed_rank(cfg.seed, world)
    optimizer = torch.optim.AdamW(params, lr=cfg.learning_rate, weight_decay=cfg.weight_decay)

    ckpt_root = out_dir / "checkpoints"
    found = from_main(lambda: _checkpoints(ckpt_root, resume), world)  # every rank loads the one rank 0 found
    # fp32 master weights; matmuls under bf16 autocast on CUDA, and on a CPU where a LoRA step measured faster
    dtype = from_main(lambda: (choice or measure("train", model_path, model)).torch_dtype, world)
    autocast = torch.autocast(device.split(":")[0], dtype=dtype) if dtype != torch.float32 and device != "mps" else None

    payload = ckpt.load_checkpoint(found[-1]) if found else None
    state = _RunState(**payload["run"]) if payload else _RunState()
    plan = _plan(model, train_tok, rows, val_batches, pad_id, cfg, device, autocast, state, ckpt_root, world)
    total_steps = plan.steps
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(total_steps, cfg.warmup_ratio))
    if payload:
        ckpt.restore_run(payload, model, optimizer, scheduler, world.rank)
    if on_plan is not None and world.main:  # rank 0 reports for all
        on_plan(plan)
    planned_at = time.perf_counter()

    model.train()
    while state.step < total_steps and not state.stopped_early and not state.stop_reason:
        batches = epoch_batches(rows, cfg.batch_rows, cfg.seed, state.epoch)
        while state.batch_in_epoch < len(batches) and state.step < total_steps:
            group = batches[state.batch_in_epoch: state.batch_in_epoch + cfg.grad_accum * world.size]
            tick = time.perf_counter()
            loss, tokens = _optimizer_step(model, [collate(train_tok, g, pad_id) for g in step_share(group, world)],
                                           optimizer, params, cfg.max_grad_norm, device, autocast, state.epoch_sums,
                                           world)
            scheduler.step()
            state.train_s += time.perf_counter() - tick
            state.batch_in_epoch += len(group)
            state.step += 1
            state.tokens += tokens
            state.train_loss.append((state.step, loss))
            val = None
            if val_batches and cfg.eval_every and (state.step % cfg.eval_every == 0 or state.step == total_steps):
                val = _validate(model, val_batches, device, autocast, state, cfg, world)
            if cfg.checkpoint_every and state.step % cfg.checkpoint_every == 0 and state.step < total_steps:
                rngs = gather(ckpt.rng_state(), world)
                from_main(lambda: ckpt.save_run(ckpt_root, model, optimizer, scheduler, asdict(state), rngs), world)
            if progress is not None and world.main:
                progress(TrainProgress(state.step, total_steps, state.epoch, loss, scheduler.get_last_lr()[0],
                                       state.tokens / max(state.train_s, 1e-9), val))
            if state.stopped_early:
                break
        if state.batch_in_epoch >= len(batches):
            _end_epoch(state, cfg, total_steps)
    if state.stop_reason and not state.stopped_early and val_batches and cfg.eval_every and state.step % cfg.eval_every:
        _validate(model, val_batches, device, autocast, state, cfg, world)  # the last step's validation, as planned

    if cfg.keep_best and state.best_weights is not None:  # keep the weights with the lowest validation loss
        ckpt.load_trainable_state(model, state.best_weights)

    def finish() -> tuple:  # rank 0 alone writes the adapter and the card; every rank gets their paths
        adapter = ckpt.save_adapter(model, tokenizer, out_dir)
        end = time.perf_counter()
        return (adapter, end - start, *write_card(
            out_dir, model_path=model_path, cfg=cfg, device=device, dtype=dtype, train_examples=train_examples,
            val_examples=val_examples, train_tok=train_tok, rows=len(rows), plan=plan, state=state,
            wall_s=end - start, actual_s=end - planned_at))

    adapter_dir, wall_s, card_path, card = from_main(finish, world)
    return TrainingResult(adapter_dir, card_path, state.step, state.stopped_early, state.train_loss,
                          state.val_loss, card["loss"]["best_val"], card["tokens_per_s"], wall_s, plan=plan,
                          stop_reason=card["stop_reason"], epoch_accuracy=[e["accuracy"] for e in state.epoch_log])


def _plan(model, train_tok, rows, val_batches, pad_id, cfg: TuneConfig, device: str, autocast,
          state: _RunState, ckpt_root: Path, world: World) -> TrainPlan:
    """The run's plan from step times measured now; a resumed run keeps its planned steps (and schedule)."""
    step_s, eval_s, checkpoint_s = measure_times(model, train_tok, rows, val_batches, pad_id, cfg, device, autocast,
                                                 ckpt_root / ".probe", world)
    if state.plan is not None:
        check_world_size(state.plan.get("world_size", 1), world, "this run")
        return resumed_plan(TrainPlan(**state.plan), state.step, step_s, eval_s, checkpoint_s, cfg)
    plan = plan_training(cfg, rows=len(rows), tokens_per_epoch=sum(len(e.input_ids) for e in train_tok),
                         step_s=step_s, eval_s=eval_s, has_val=bool(val_batches), checkpoint_s=checkpoint_s,
                         world_size=world.size)
    state.plan = asdict(plan)
    return plan


def _checkpoints(root: Path, resume: bool) -> list[Path]:
    """The checkpoints to resume from; a fresh run deletes stale ones, never to resume from them by accident."""
    if resume:
        return ckpt.list_checkpoints(root)
    if root.exists():
        shutil.rmtree(root)
    return []


def _end_epoch(state: _RunState, cfg: TuneConfig, total_steps: int) -> None:
    """Log the finished epoch's training-answer accuracy; with [tune] epochs unset, stop when it stops rising."""
    hits, targets, exact, examples, loss = state.epoch_sums
    state.epoch_log.append({"epoch": state.epoch + 1, "step": state.step, "accuracy": round(hits / max(targets, 1), 4),
                            "exact": round(exact / max(examples, 1), 4), "loss": round(loss / max(targets, 1), 4)})
    state.epoch, state.batch_in_epoch, state.epoch_sums = state.epoch + 1, 0, [0, 0, 0, 0, 0.0]
    if cfg.epochs is None and state.step < total_steps:
        reason = epoch_stop([e["accuracy"] for e in state.epoch_log])
        if reason:
            state.stop_reason = reason


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


def _optimizer_step(model, batches: list[Batch], optimizer, params, max_grad_norm: float, device: str,
                    autocast, sums: list, world: World = SINGLE) -> tuple[float, int]:
    """One optimizer step over accumulated micro-batches; the loss is the mean over all their target tokens
    (on several ranks: over every rank's batches, gradients summed over ranks). Adds the batches' prediction
    counts and summed loss to `sums` (the epoch's training-answer accuracy)."""
    n_targets = all_sum([sum(b.n_targets for b in batches)], world)[0]
    step = sums if world.size == 1 else [0, 0, 0, 0, 0.0]
    total = 0.0
    for batch in batches:
        loss_sum, stats = token_loss_sum(model, batch, device, autocast)
        loss = loss_sum / max(n_targets, 1)
        loss.backward()
        total += loss.item()
        step[:4] = [a + b for a, b in zip(step[:4], stats)]
        step[4] += loss_sum.item()
    tokens = sum(b.n_tokens for b in batches)
    if world.size > 1:  # the step of one process over all ranks' batches
        sum_gradients(params, world)
        total, tokens, *step = all_sum([total, tokens, *step], world)
        sums[:] = [a + int(b) for a, b in zip(sums[:4], step[:4])] + [sums[4] + step[4]]
    if max_grad_norm > 0:
        torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return total, int(tokens)


@torch.no_grad()
def _validate(model, batches: list[Batch], device: str, autocast, state: _RunState, cfg: TuneConfig,
              world: World = SINGLE) -> float:
    """Validation loss (each rank its share of the batches); tracks the best weights and stops early after
    `patience` validations without gain."""
    model.eval()
    mine = step_share(batches, world)
    total, targets = all_sum([sum(token_loss_sum(model, b, device, autocast)[0].item() for b in mine),
                              sum(b.n_targets for b in mine)], world)
    model.train()
    val = total / max(targets, 1)
    state.val_loss.append((state.step, val))
    if val < state.best_val - cfg.min_delta:
        state.best_val, state.bad_evals = val, 0
        state.best_weights = ckpt.trainable_state(model) if cfg.keep_best else None
    else:
        state.bad_evals += 1
        state.stopped_early = cfg.patience > 0 and state.bad_evals >= cfg.patience
        if state.stopped_early:
            state.stop_reason = f"validation loss did not improve for {cfg.patience} validations (patience)"
    return val
