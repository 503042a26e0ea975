"""CPU threads for local models (issue 16): is "all usable CPUs" (`configure_cpu_threads`) the fastest setting?

Each workload runs at every thread count from 1 to the usable CPUs (powers of two, and the count itself),
interleaved (1, 2, ..., 1, 2, ...) so a burst of other load hits every setting alike, three rounds after a
warm-up; the figure is the median. The baseline, in the same run, is ragtune's setting: all usable CPUs.
Workloads, in fp32 and bf16 (the dtype probe picks one of the two per machine):
- generate, batch 1: a RAG-sized prompt (448 tokens) then 32 greedy tokens (SmolLM2-135M shapes);
- generate, batch 8: closed-book prompts (64 tokens) then 32 tokens each;
- embed: 64 texts of 128 tokens (all-MiniLM-L6-v2 shapes);
- train: a LoRA step (forward, backward, AdamW) over one 256-token row (fp32 weights; bf16 = autocast).
Speed does not depend on the weights' values, so the models are built from the packaged models' configs
with random weights: the same script runs on a machine without the packages (`--configs DIR` with
`generator.json` and `embedder.json`). Writes docs/benchmarks/threads-<cores>.json.

Usage: .venv/bin/python bench/threads.py [--configs DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine_info  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 3


def configs(folder: Path | None) -> tuple[dict, dict]:
    if folder is not None:
        return (json.loads((folder / "generator.json").read_text()), json.loads((folder / "embedder.json").read_text()))
    from ragtune.models.packaged import packaged_embedder_path, packaged_generator_path

    return (json.loads((packaged_generator_path() / "config.json").read_text()),
            json.loads((packaged_embedder_path() / "config.json").read_text()))


def workloads(gen_config: dict, emb_config: dict) -> dict:
    """name -> (dtype -> a callable doing the work once)."""
    from peft import LoraConfig, get_peft_model
    from transformers import BertConfig, BertModel, LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    llama = LlamaForCausalLM(LlamaConfig(**gen_config)).eval()
    bert = BertModel(BertConfig(**emb_config)).eval()
    twins = {"fp32": (llama, bert), "bf16": (LlamaForCausalLM(LlamaConfig(**gen_config)).to(torch.bfloat16).eval(),
                                             BertModel(BertConfig(**emb_config)).to(torch.bfloat16).eval())}
    lora = get_peft_model(LlamaForCausalLM(LlamaConfig(**gen_config)),
                          LoraConfig(r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"))
    optimizer = torch.optim.AdamW([p for p in lora.parameters() if p.requires_grad], lr=1e-4)
    def ids(n: int, rows: int = 1, vocab: int = int(gen_config["vocab_size"])) -> torch.Tensor:
        """Fixed ordinary token ids (no special tokens) inside the model's vocabulary."""
        return (torch.arange(rows * n).reshape(rows, n) * 7919) % (vocab - 1000) + 1000

    def generate(model, rows: int, prompt: int):
        x = ids(prompt, rows)

        def run():
            with torch.inference_mode():
                model.generate(input_ids=x, attention_mask=torch.ones_like(x), max_new_tokens=32,
                               min_new_tokens=32, do_sample=False, pad_token_id=2)
        return run

    def embed(model):
        x = ids(128, 64, int(emb_config["vocab_size"]))

        def run():
            with torch.inference_mode():
                model(input_ids=x, attention_mask=torch.ones_like(x))
        return run

    def train(dtype: str):
        x = ids(256)

        def step():
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype == "bf16"):
                loss = lora(input_ids=x, labels=x).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        return step

    return {"generate, batch 1 (448-token prompt)": {d: generate(m[0], 1, 448) for d, m in twins.items()},
            "generate, batch 8 (64-token prompts)": {d: generate(m[0], 8, 64) for d, m in twins.items()},
            "embed, 64 texts of 128 tokens": {d: embed(m[1]) for d, m in twins.items()},
            "LoRA step, 256 tokens": {d: train(d) for d in twins}}


def thread_counts(cpus: int) -> list[int]:
    return sorted({n for n in (1, 2, 4, 8, 16, 32, 64) if n < cpus} | {cpus})


def measure(work, counts: list[int]) -> dict[int, float]:
    times: dict[int, list[float]] = {n: [] for n in counts}
    for n in counts:  # warm-up at each count (oneDNN packs kernels per shape and thread count)
        torch.set_num_threads(n)
        work()
    for _ in range(ROUNDS):
        for n in counts:
            torch.set_num_threads(n)
            tick = time.perf_counter()
            work()
            times[n].append(time.perf_counter() - tick)
    return {n: statistics.median(t) for n, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    cpus = len(os.sched_getaffinity(0))
    counts = thread_counts(cpus)
    gen_config, emb_config = configs(args.configs)
    info = machine_info.machine("transformers", "peft")
    print(f"{info['cpu']}, {cpus} usable CPUs; thread counts {counts}; baseline {cpus} (ragtune's setting)")
    out = args.out or ROOT / "docs" / "benchmarks" / f"threads-{cpus}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for name, by_dtype in workloads(gen_config, emb_config).items():
        for dtype, work in by_dtype.items():
            seconds = measure(work, counts)
            best = min(seconds, key=seconds.get)
            row = {"workload": name, "dtype": dtype, "seconds": {str(n): round(s, 4) for n, s in seconds.items()},
                   "best_threads": best, "baseline_over_best": round(seconds[cpus] / seconds[best], 3)}
            rows.append(row)
            cells = "  ".join(f"{n}: {s:.3f}s" for n, s in seconds.items())
            print(f"{name:40s} {dtype}  {cells}  best {best} ({row['baseline_over_best']:.2f}x)", flush=True)
            out.write_text(json.dumps({"machine": info, "thread_counts": counts, "rounds": ROUNDS, "results": rows},
                                      indent=2) + "\n")  # after every row: a stopped run keeps what it measured
    torch.set_num_threads(cpus)
    print(f"written: {out}")


if __name__ == "__main__":
    main()
