"""The dtype probe on a GPU (issue 16) against both dtypes, measured in alternating order, and LoRA training
with the probe's choice and with each dtype forced, with the plan's estimate against the actual time.
Random weights at real shapes (see bench/gpu_paths.py for the model files); writes $OUT/gpu_check2.json.

Usage, on a CUDA machine with ragtune's dependencies: python bench/gpu_dtype.py
"""

import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, "src")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from gpu_paths import PROMPTS, build  # noqa: E402

OUT = Path(os.environ.get("OUT", "/tmp/out"))
os.environ["RAGTUNE_CACHE"] = "/tmp/ragtune-cache"
results: dict = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0)}


def save():
    (OUT / "gpu_check2.json").write_text(json.dumps(results, indent=2))


def timed(g, batch, tokens=48):
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    done = g.generate_batch(PROMPTS[:batch], max_new_tokens=tokens)
    torch.cuda.synchronize()
    return time.perf_counter() - t0, sum(c.completion_tokens for c in done)


def generation(path):
    from ragtune.models.hf_generator import TransformersGenerator

    probed = TransformersGenerator(path, device="cuda")  # fresh cache: the probe measures on the GPU
    out = {"probe": probed.dtype_choice.record()}
    del probed
    torch.cuda.empty_cache()
    gens = {d: TransformersGenerator(path, device="cuda", dtype=d) for d in ("bfloat16", "float32")}
    for g in gens.values():
        g.generate_batch(PROMPTS[:8], max_new_tokens=8)
    times = {(d, b): [] for d in gens for b in (1, 8)}
    for rep in range(4):
        order = ("bfloat16", "float32") if rep % 2 == 0 else ("float32", "bfloat16")
        for d in order:
            for b in (1, 8):
                s, n = timed(gens[d], b)
                times[(d, b)].append(n / s)
    out["tok_s_median"] = {f"{d} batch{b}": round(statistics.median(v), 1) for (d, b), v in times.items()}
    out["tok_s_all"] = {f"{d} batch{b}": [round(x, 1) for x in v] for (d, b), v in times.items()}
    pick = out["probe"]["dtype"]
    other = "float32" if pick == "bfloat16" else "bfloat16"
    out["probe_vs_other_time_ratio"] = {f"batch{b}": round(statistics.median(times[(other, b)]) /
                                                            statistics.median(times[(pick, b)]), 3) for b in (1, 8)}
    del gens
    torch.cuda.empty_cache()
    return out


def training(path, steps, dtype=None):
    from ragtune.config import TuneConfig
    from ragtune.tune.train import train_lora

    rows = [[{"role": "user", "content": f"What is fact {i} of the Quellmoor handbook?"},
             {"role": "assistant", "content": f"Fact {i}: the Brisa {i} costs {100 + 7 * i} euros and ships in "
                                              f"{i % 5 + 1} days."}] for i in range(400)]
    run = Path("/tmp/runs") / f"{path.name}-{dtype}"
    shutil.rmtree(run, ignore_errors=True)
    train_lora(path, rows, rows[:20], run, TuneConfig(max_steps=steps, epochs=3, device="cuda", checkpoint_every=25,
                                                      eval_every=25, dtype=dtype))
    card = json.loads((run / "training_card.json").read_text())
    return {"dtype": card["dtype"], "tokens_per_s": card["tokens_per_s"], "time": card["time"],
            "plan": card["plan"], "train_s": card["train_s"], "steps": card["steps"]}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    models = {"smollm2-135m": build("smollm2-135m-random"),
              "llama-1b": build("llama-1b-random", hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                                num_attention_heads=32, num_key_value_heads=8, head_dim=64)}
    for name, path in models.items():
        parts = {"generation": lambda: generation(path), "train_probe": lambda: training(path, 60),
                 "train_bf16": lambda: training(path, 60, "bfloat16"), "train_fp32": lambda: training(path, 60, "float32")}
        for part, work in parts.items():
            try:
                results.setdefault(name, {})[part] = work()
            except Exception as e:
                import traceback
                results.setdefault(name, {})[part] = {"error": f"{type(e).__name__}: {e}",
                                                      "trace": traceback.format_exc()[-1500:]}
            save()
    verdicts = Path("/tmp/ragtune-cache/dtype_verdicts.json")
    results["verdicts"] = json.loads(verdicts.read_text()) if verdicts.exists() else None
    save()
    print(json.dumps(results, indent=1)[:9000])


if __name__ == "__main__":
    main()
