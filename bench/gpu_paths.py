"""GPU paths of ragtune on a CUDA machine (issue 16): dtype choice, batched generation bf16 vs fp32, LoRA
training under bf16 autocast with the plan's estimate against the actual time, merged vs unmerged adapters.

Models are randomly initialised at real shapes (SmolLM2-135M, and a 1B llama) with SmolLM2's tokenizer:
the timings are real, the answers meaningless (the weights need not travel to the GPU machine). The model
files (config, tokenizer, chat template) come from `RAGTUNE_GPU_MODEL_FILES`, default the packaged SmolLM2
folder. Writes $OUT/gpu_check.json (default /tmp/out); the figures are in docs/benchmarks.md ("On a GPU").

Usage, on a CUDA machine with ragtune's dependencies: python bench/gpu_paths.py
"""

import json
import os
import shutil
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, "src")
OUT = Path(os.environ.get("OUT", "/tmp/out"))


def model_files() -> Path:
    if os.environ.get("RAGTUNE_GPU_MODEL_FILES"):
        return Path(os.environ["RAGTUNE_GPU_MODEL_FILES"])
    from ragtune.models.packaged import packaged_generator_path

    return packaged_generator_path()
results: dict = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0),
                 "bf16_native": torch.cuda.is_bf16_supported(including_emulation=False)}


def save():
    (OUT / "gpu_check.json").write_text(json.dumps(results, indent=2))


def build(name: str, **over) -> Path:
    from transformers import LlamaConfig, LlamaForCausalLM

    files = model_files()
    config = LlamaConfig.from_pretrained(files)
    for k, v in over.items():
        setattr(config, k, v)
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = LlamaForCausalLM(config)
    out = Path("/tmp/models") / name
    model.to("cpu").save_pretrained(out)
    for f in files.iterdir():
        if f.name != "config.json" and f.suffix != ".safetensors":
            shutil.copy(f, out / f.name)
    return out


PROMPTS = [[{"role": "user", "content": f"Question {i}: how long is the warranty on the Brisa {i}? " * 6}]
           for i in range(8)]


def generation(path: Path, tokens: int = 48) -> dict:
    from ragtune.models.hf_generator import TransformersGenerator

    out = {}
    for dtype in (None, "float32"):
        g = TransformersGenerator(path, device="cuda", dtype=dtype)
        label = g.dtype_choice.dtype + (" (chosen)" if dtype is None else "")
        g.generate_batch(PROMPTS[:2], max_new_tokens=4)  # warm-up
        row = {"choice": g.dtype_choice.record()}
        for batch in (1, 8):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            done = g.generate_batch(PROMPTS[:batch], max_new_tokens=tokens)
            torch.cuda.synchronize()
            s = time.perf_counter() - t0
            row[f"batch{batch}_tok_s"] = round(sum(c.completion_tokens for c in done) / s, 1)
            row[f"batch{batch}_s"] = round(s, 3)
        out[label] = row
        del g
        torch.cuda.empty_cache()
    return out


def training(path: Path, steps: int) -> dict:
    from ragtune.config import TuneConfig
    from ragtune.tune.train import train_lora

    rows = [[{"role": "user", "content": f"What is fact {i} of the Quellmoor handbook?"},
             {"role": "assistant", "content": f"Fact {i}: the Brisa {i} costs {100 + 7 * i} euros and ships in {i % 5 + 1} days."}]
            for i in range(400)]
    plans = []
    run = Path("/tmp/runs") / path.name
    shutil.rmtree(run, ignore_errors=True)
    t0 = time.perf_counter()
    result = train_lora(path, rows, rows[:20], run, TuneConfig(max_steps=steps, epochs=3, device="cuda",
                                                               checkpoint_every=25, eval_every=25),
                        on_plan=plans.append)
    wall = time.perf_counter() - t0
    card = json.loads((run / "training_card.json").read_text())
    plan = plans[0]
    return {"steps": result.steps, "first_loss": result.train_loss[0][1], "last_loss": result.train_loss[-1][1],
            "tokens_per_s": round(result.tokens_per_s, 1), "estimated_s": round(plan.estimated_s, 2),
            "wall_s": round(wall, 2), "card_time": card.get("time") or card.get("timing"),
            "dtype": card.get("dtype"), "device": card.get("device"),
            "adapter": str(result.adapter_dir)}


def merged(path: Path, adapter: str) -> dict:
    from ragtune.models.hf_generator import TransformersGenerator

    out = {}
    for dtype in ("float32", None):
        g = TransformersGenerator(path, device="cuda", dtype=dtype)
        m, u = g.with_adapter(adapter, merge=True), g.with_adapter(adapter, merge=False)
        base = g.with_adapter(None)
        timings = {}
        texts = {}
        for name, view in (("merged", m), ("unmerged", u), ("base", base)):
            view.generate_batch(PROMPTS[:2], max_new_tokens=4)
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            texts[name] = [c.text for c in view.generate_batch(PROMPTS, max_new_tokens=32)]
            torch.cuda.synchronize()
            timings[name] = round(time.perf_counter() - t0, 3)
        out[g.dtype_choice.dtype] = {"same_text_merged_unmerged": sum(a == b for a, b in zip(texts["merged"], texts["unmerged"])),
                                     "of": len(PROMPTS), "adapter_changes_answers": texts["merged"] != texts["base"],
                                     "seconds_batch8_32tok": timings}
        del g, m, u, base
        torch.cuda.empty_cache()
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    small = build("smollm2-135m-random")
    big = build("llama-1b-random", hidden_size=2048, intermediate_size=8192, num_hidden_layers=16,
                num_attention_heads=32, num_key_value_heads=8, head_dim=64)
    for name, path, steps in (("smollm2-135m", small, 60), ("llama-1b", big, 40)):
        for part, work in (("generation", lambda: generation(path)), ("training", lambda: training(path, steps))):
            try:
                results.setdefault(name, {})[part] = work()
            except Exception as e:  # record and go on: one broken path must not hide the others
                results.setdefault(name, {})[part] = {"error": f"{type(e).__name__}: {e}"}
            save()
        adapter = (results[name].get("training") or {}).get("adapter")
        if adapter:
            try:
                results[name]["merged"] = merged(path, adapter)
            except Exception as e:
                results[name]["merged"] = {"error": f"{type(e).__name__}: {e}"}
            save()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
