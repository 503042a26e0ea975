"""Fine-tuning benchmark (issue 3): training throughput vs a plain `Trainer`, and knowledge injection.

1. Throughput: `ragtune.tune.train_lora` (packed rows, position ids restarting per example, LM head
   only on target tokens) vs a plain transformers `Trainer` that pads each batch to its longest
   sequence (`DataCollatorForSeq2Seq`), same model (the packaged SmolLM2-135M), same tokenised
   examples and labels, same LoRA config, one epoch each, interleaved (ragtune, Trainer, ragtune,
   Trainer) so background load reaches both. Tokens/s counts real (non-padding) tokens only.
   Data: a seeded sample of what `ragtune tune` trains on by default, `ragtune synth` (no teacher)
   of examples/docs: short Q/A conversations mixed with chunk-length documents. Both sides run
   their defaults: ragtune one 256-token packed row per step, the Trainer batch size 8.
   A second baseline is `Trainer(train_sampling_strategy="group_by_length")` (length-grouped batches).
2. Knowledge injection: 30 invented facts (bench/data/invented_facts.jsonl) no model can know.
   Training data: each fact's question with the fact as the answer, plus the facts as three
   "almanac" documents. `ragtune tune` defaults (TuneConfig()), through `Project.tune`, then
   closed-book answers through `Project.ask(variant="ft")` (the path `ragtune ask --variant ft`
   takes) on the training questions and on held-out paraphrased questions, `base` for reference.
   A question counts as answered when the normalised answer appears in the normalised reply.

Usage: .venv/bin/python bench/train.py [--skip-throughput] [--skip-injection] [--out FILE]
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import json
import math
import random
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine_info  # noqa: E402

from ragtune.config import TuneConfig
from ragtune.models.packaged import packaged_generator_path
from ragtune.project import Project
from ragtune.synth.session import synthesize
from ragtune.synth.dataset import document_messages, write_chat_jsonl
from ragtune.text import normalize_text
from ragtune.tune import train_lora
from ragtune.tune.data import IGNORE, tokenize_chat
from ragtune.tune.session import tune_project
from ragtune.variants import answerer

FACTS = Path(__file__).resolve().parent / "data" / "invented_facts.jsonl"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "docs"
GOALS = {"throughput_ratio": 1.5, "train_accuracy": 0.8, "wall_s": 600}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def machine() -> dict:
    return machine_info.machine("transformers", "peft")


def load_facts() -> list[dict]:
    return [json.loads(line) for line in FACTS.read_text().splitlines() if line.strip()]


def training_conversations(facts: list[dict]) -> list[list[dict]]:
    """Question -> fact sentence for every fact, plus the facts as three almanac documents of ten facts."""
    from ragtune.answer import build_messages

    convs = [build_messages(f["question"], None) + [{"role": "assistant", "content": f["fact"]}] for f in facts]
    for part in range(0, len(facts), 10):
        text = " ".join(f["fact"] for f in facts[part: part + 10])
        convs.append(document_messages(text, f"the almanac of invented places, part {part // 10 + 1}"))
    return convs


# -- 1. throughput -------------------------------------------------------------------------------

def synth_conversations(work: Path) -> list[list[dict]]:
    """What `ragtune tune` trains on by default: `ragtune synth` (extractive, no teacher) of examples/docs."""
    from ragtune.tune.data import read_chat_jsonl

    root = work / "synth-project"
    root.mkdir(parents=True)
    (root / "ragtune.toml").write_text('[synth]\nteacher = "none"\nraft = false\n')
    proj = Project(root)
    proj.ingest(EXAMPLES)
    _, files = synthesize(proj)
    return read_chat_jsonl(files["train"])


def ragtune_epoch(model_path: Path, convs, cfg: TuneConfig, out: Path) -> dict:
    cfg = replace(cfg, epochs=1, eval_every=0, checkpoint_every=0)
    result = train_lora(model_path, convs, None, out, cfg)
    card = json.loads(result.card_path.read_text())
    return {"tokens_per_s": round(result.tokens_per_s, 1), "train_s": card["train_s"], "steps": result.steps,
            "real_tokens": card["data"]["train_tokens_per_epoch"], "packed_rows": card["data"]["packed_rows"]}


def trainer_epoch(model_path: Path, convs, cfg: TuneConfig, batch_size: int, out: Path, group_by_length: bool) -> dict:
    """A plain HF Trainer epoch: pad to the longest in each batch, loss over the full logits."""
    from peft import LoraConfig, get_peft_model
    from transformers import (AutoModelForCausalLM, AutoTokenizer, DataCollatorForSeq2Seq, Trainer,
                              TrainingArguments)

    tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
    rows = []
    for messages in convs:
        ex = tokenize_chat(tokenizer, messages)
        labels = [IGNORE] + list(ex.labels[:-1])  # HF shifts inside the model; ours are pre-shifted
        rows.append({"input_ids": list(ex.input_ids), "attention_mask": [1] * len(ex.input_ids), "labels": labels})
    real_tokens = sum(len(r["input_ids"]) for r in rows)
    torch.manual_seed(cfg.seed)
    base = AutoModelForCausalLM.from_pretrained(model_path, dtype=torch.float32, local_files_only=True)
    model = get_peft_model(base, LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                                            target_modules=list(cfg.target_modules), task_type="CAUSAL_LM"))
    args = TrainingArguments(output_dir=str(out), per_device_train_batch_size=batch_size, num_train_epochs=1,
                             learning_rate=cfg.learning_rate, lr_scheduler_type="cosine", warmup_steps=cfg.warmup_ratio,
                             max_grad_norm=cfg.max_grad_norm, weight_decay=cfg.weight_decay, logging_strategy="no",
                             save_strategy="no", report_to=[], use_cpu=True, seed=cfg.seed, disable_tqdm=True,
                             train_sampling_strategy="group_by_length" if group_by_length else "random",
                             dataloader_num_workers=0, remove_unused_columns=False)
    collator = DataCollatorForSeq2Seq(tokenizer, padding="longest", label_pad_token_id=IGNORE)
    trainer = Trainer(model=model, args=args, train_dataset=rows, data_collator=collator)
    padded = 0
    for batch in trainer.get_train_dataloader():
        padded += batch["input_ids"].numel()
    t = time.perf_counter()
    trainer.train()
    train_s = time.perf_counter() - t
    return {"tokens_per_s": round(real_tokens / train_s, 1), "train_s": round(train_s, 2),
            "steps": math.ceil(len(rows) / batch_size), "real_tokens": real_tokens, "padded_tokens": padded,
            "batch_size": batch_size}


def throughput(model_path: Path, convs, work: Path, repeats: int, hf_batch: int) -> dict:
    """One epoch each, interleaved; the median of `repeats` per method (a warm-up epoch first, untimed)."""
    cfg = TuneConfig()
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path, local_files_only=True)
    lengths = [len(tokenize_chat(tokenizer, m).input_ids) for m in convs]
    log(f"throughput data: {len(convs)} examples, {sum(lengths)} tokens, lengths {min(lengths)}..{max(lengths)}; "
        f"Trainer batch size {hf_batch}")
    ragtune_epoch(model_path, convs[:20], cfg, work / "warmup")
    methods = {"ragtune": lambda out: ragtune_epoch(model_path, convs, cfg, out),
               "trainer_pad_longest": lambda out: trainer_epoch(model_path, convs, cfg, hf_batch, out, False),
               "trainer_group_by_length": lambda out: trainer_epoch(model_path, convs, cfg, hf_batch, out, True)}
    runs: dict[str, list[dict]] = {name: [] for name in methods}
    for r in range(repeats):
        for name, fn in methods.items():
            runs[name].append(fn(work / f"{name}-{r}"))
        log("repeat %d: " % (r + 1) + ", ".join(f"{k} {v[-1]['tokens_per_s']} tok/s" for k, v in runs.items()))
    median = {k: statistics.median(x["tokens_per_s"] for x in v) for k, v in runs.items()}
    return {"examples": len(convs), "tokens": sum(lengths), "length_range": [min(lengths), max(lengths)],
            "trainer_batch_size": hf_batch, "runs": runs, "median_tokens_per_s": median,
            "ratio_vs_pad_longest": round(median["ragtune"] / median["trainer_pad_longest"], 2),
            "ratio_vs_group_by_length": round(median["ragtune"] / median["trainer_group_by_length"], 2),
            "goal": GOALS["throughput_ratio"]}


# -- 2. knowledge injection ----------------------------------------------------------------------

def answered(reply: str, answer: str) -> bool:
    return f" {normalize_text(answer)} " in f" {normalize_text(reply)} "


def accuracy(proj: Project, variant: str, questions: list[tuple[str, str]]) -> dict:
    hits, rows = 0, []
    who = answerer(proj, variant)
    for q, a in questions:
        reply = who.answer([q])[0].text
        ok = answered(reply, a)
        hits += ok
        rows.append({"question": q, "answer": a, "reply": reply, "correct": ok})
    return {"accuracy": round(hits / len(questions), 3), "correct": hits, "n": len(questions), "rows": rows}


def injection(facts: list[dict], work: Path, cfg: TuneConfig, val_facts: int) -> dict:
    """Train with ragtune's defaults through the project API; ask closed-book before and after."""
    root = work / "project"
    root.mkdir(parents=True)
    proj = Project(root)
    train_facts, val = facts[val_facts:], facts[:val_facts]
    convs = training_conversations(facts)
    convs = [c for c in convs if not any(c[-2]["content"] == f["question"] for f in val)]
    write_chat_jsonl(root / "train.jsonl", convs)
    val_path = None
    if val:
        val_path = root / "val.jsonl"
        from ragtune.answer import build_messages

        write_chat_jsonl(val_path, [build_messages(f["question"], None) + [{"role": "assistant", "content": f["fact"]}]
                                    for f in val])
    t = time.perf_counter()
    info, result = tune_project(proj, train=root / "train.jsonl", val=val_path, cfg=cfg)
    train_wall = time.perf_counter() - t
    log(f"trained {result.steps} steps in {train_wall:.0f} s ({result.tokens_per_s:.0f} tok/s), "
        f"final loss {result.train_loss[-1][1]:.4f}, stopped early: {result.stopped_early}")
    out = {"train_wall_s": round(train_wall, 1), "steps": result.steps, "stopped_early": result.stopped_early,
           "tokens_per_s": round(result.tokens_per_s, 1), "train_loss": result.train_loss,
           "val_loss": result.val_loss, "config": {k: v for k, v in cfg.__dict__.items()}, "val_facts": val_facts}
    sets = {"train_questions": [(f["question"], f["answer"]) for f in train_facts],
            "paraphrases": [(f["paraphrase"], f["answer"]) for f in train_facts]}
    if val:
        sets["val_questions"] = [(f["question"], f["answer"]) for f in val]
    t = time.perf_counter()
    for variant in ("base", "ft"):
        for name, qs in sets.items():
            out[f"{variant}_{name}"] = accuracy(proj, variant, qs)
            log(f"{variant} {name}: {out[f'{variant}_{name}']['correct']}/{len(qs)}")
    out["eval_s"] = round(time.perf_counter() - t, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-injection", action="store_true")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved throughput repeats (the median is reported)")
    ap.add_argument("--hf-batch", type=int, default=8, help="Trainer batch size (8: the TrainingArguments default)")
    ap.add_argument("--throughput-examples", type=int, default=64,
                    help="examples of the synth data per throughput epoch (seeded sample)")
    ap.add_argument("--val-facts", type=int, default=0, help="facts held out as validation (early stopping, keep-best)")
    ap.add_argument("--epochs", type=int, default=None, help="override TuneConfig().epochs for the injection run")
    ap.add_argument("--out", type=Path, default=Path("docs/benchmarks/train.json"))
    args = ap.parse_args()

    start = time.perf_counter()
    result: dict = {"machine": machine()}
    log(f"machine: {result['machine']}")
    model_path = packaged_generator_path()
    facts = load_facts()
    work = Path(tempfile.mkdtemp(prefix="ragtune-bench-train-"))
    try:
        if not args.skip_throughput:
            convs = synth_conversations(work)
            convs = random.Random(0).sample(convs, min(args.throughput_examples, len(convs)))
            result["throughput"] = throughput(model_path, convs, work / "tp", args.repeats, args.hf_batch)
            log(f"ragtune vs Trainer(pad to longest): {result['throughput']['ratio_vs_pad_longest']}x, "
                f"vs Trainer(group_by_length): {result['throughput']['ratio_vs_group_by_length']}x")
        if not args.skip_injection:
            cfg = TuneConfig() if args.epochs is None else replace(TuneConfig(), epochs=args.epochs)
            result["injection"] = injection(facts, work / "inj", cfg, args.val_facts)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result["total_s"] = round(time.perf_counter() - start, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    log(f"wrote {args.out} ({result['total_s']} s in all)")


if __name__ == "__main__":
    sys.exit(main())
