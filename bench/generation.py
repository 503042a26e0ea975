"""Answer generation throughput on CPU (issue 5): what lets the demo evaluate five variants in 20 minutes.

The packaged SmolLM2-135M answers the same prompts three ways, greedy, max_new_tokens = 48:
- baseline: fp32, one prompt at a time (ragtune before issue 5);
- bf16, one at a time;
- fp32 and bf16, batches of 8 (`TransformersGenerator.generate_batch`, what `ragtune eval` does with
  [eval] batch_size = 8);
then the dtype probe (`ragtune.models.dtype`) runs in a fresh cache, and its choice is compared with the
other dtype in each setup (issue 16: never more than 5 % slower).
Prompts are the demo's: closed-book (the question alone) and RAG (3 retrieved passages from examples/kb/v1),
the first answerable questions of examples/kb/questions.jsonl. Figures: seconds per answer (wall time /
answers), ratio = baseline / variant, how many answers agree with the fp32 one-at-a-time text (bf16 and
padding change the last bits of the logits) and how many are correct (`contains`), so a speed-up that
costs accuracy shows.

Usage: .venv/bin/python bench/generation.py [--questions 24] [--out docs/benchmarks/generation.json]
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine_info  # noqa: E402

from ragtune.answer import build_messages
from ragtune.evaluate.metrics import contains_answer
from ragtune.demo import prepare_project
from ragtune.models.hf_generator import TransformersGenerator
from ragtune.models.packaged import packaged_generator_path
from ragtune.project import Project
from ragtune.questions import load_questions
from ragtune.variants import search_with

ROOT = Path(__file__).resolve().parent.parent


def prompts(n: int) -> tuple[list, dict[str, list]]:
    with tempfile.TemporaryDirectory() as tmp:
        prepare_project(Path(tmp))  # the demo's settings: top_k = 3
        proj = Project(tmp)
        proj.ingest(ROOT / "examples/kb/v1")
        qs = [q for q in load_questions(ROOT / "examples/kb/questions.jsonl") if q.answers][:n]
        search = search_with(proj)
        return qs, {"closed-book": [build_messages(q.question, None) for q in qs],
                    "rag (3 passages)": [build_messages(q.question, search(q.question)) for q in qs]}


def timed(gen: TransformersGenerator, convs: list, batch: int) -> tuple[float, list[str]]:
    gen.generate(convs[0], max_new_tokens=4)  # warm-up
    t0 = time.perf_counter()
    texts = []
    for i in range(0, len(convs), batch):
        block = convs[i: i + batch]
        out = gen.generate_batch(block, max_new_tokens=48) if batch > 1 else [gen.generate(block[0], max_new_tokens=48)]
        texts += [c.text for c in out]
    return (time.perf_counter() - t0) / len(convs), texts


def dtype_probe_verdict(path: Path) -> dict:
    """What ragtune's dtype probe measures and picks for this model here (`ragtune.models.dtype`), in a fresh
    verdict cache so that it measures rather than reads an earlier verdict."""
    saved = {k: os.environ.pop(k, None) for k in ("RAGTUNE_CACHE", "RAGTUNE_CPU_BF16")}
    try:
        with tempfile.TemporaryDirectory() as cache:
            os.environ["RAGTUNE_CACHE"] = cache
            return TransformersGenerator(path, device="cpu").dtype_choice.record()
    finally:
        os.environ.pop("RAGTUNE_CACHE", None)
        os.environ.update({k: v for k, v in saved.items() if v is not None})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=24)
    ap.add_argument("--out", type=Path, default=ROOT / "docs/benchmarks/generation.json")
    args = ap.parse_args()
    questions, sets = prompts(args.questions)
    path = packaged_generator_path()
    setups = [("fp32, one at a time (baseline)", "float32", 1), ("bf16, one at a time", "bfloat16", 1),
              ("fp32, batches of 8", "float32", 8), ("bf16, batches of 8", "bfloat16", 8)]
    results = []
    for kind, convs in sets.items():
        base_s, base_texts = None, None
        for label, dtype, batch in setups:
            gen = TransformersGenerator(path, device="cpu", dtype=dtype)
            s, texts = timed(gen, convs, batch)
            base_s, base_texts = (s, texts) if base_s is None else (base_s, base_texts)
            same = sum(a == b for a, b in zip(texts, base_texts))
            correct = sum(contains_answer(t, q.answers) for t, q in zip(texts, questions))
            row = {"prompts": kind, "setup": label, "s_per_answer": round(s, 3), "ratio": round(base_s / s, 2),
                   "same_text_as_baseline": f"{same}/{len(texts)}", "correct": f"{correct:.0f}/{len(texts)}"}
            results.append(row)
            print(f"{kind:18} {label:32} {s:6.2f} s/answer  {base_s / s:5.2f}x  same text {same}/{len(texts)}"
                  f"  correct {correct:.0f}/{len(texts)}", flush=True)
    probe = dtype_probe_verdict(path)
    print(f"dtype probe: {probe}", flush=True)
    picked = "bf16" if probe["dtype"] == "bfloat16" else "fp32"
    other = "fp32" if picked == "bf16" else "bf16"
    verdict = []
    for kind in sets:
        for batch in ("one at a time", "batches of 8"):
            t = {r["setup"].split(",")[0]: r["s_per_answer"] for r in results
                 if r["prompts"] == kind and batch in r["setup"]}
            ratio = t[picked] / t[other]
            verdict.append({"prompts": kind, "batch": batch, "picked": picked, "picked_over_other": round(ratio, 3)})
            print(f"probe's choice {picked} vs {other}, {kind}, {batch}: {ratio:.2f}x the time "
                  f"({'within' if ratio <= 1.05 else 'MORE than'} 5 %)", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine_info.machine("transformers"), "questions": args.questions,
                                    "results": results, "dtype_probe": probe,
                                    "probe_choice_vs_other": verdict}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
