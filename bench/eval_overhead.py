"""Evaluation overhead benchmark (issue 4): what `ragtune eval` adds on top of the models.

A project over examples/docs (packaged SmolLM2-135M and MiniLM, defaults except max_new_tokens = 16,
which shortens the model time and so makes the overhead share larger, i.e. the test stricter).
200 questions (examples/questions.jsonl repeated with reworded prefixes, ids unique; every fourth
with multiple-choice options, so the log-likelihood scoring runs too), variants base and rag.

- eval: `ragtune.evaluate.session.evaluate` + `summarize_run`, timed from the call to summary.json on disk, with
  the models already loaded. Model time = time inside `TransformersGenerator.generate`,
  `TransformersGenerator.option_logprobs` and the embedder's query embedding (wrapped with timers).
  Overhead = eval wall time - model time, as a % of the eval wall time (goal <= 5 %).
  The named baseline is that model time (the floor no evaluator can beat): ratio = eval wall / model time.
- `--bare-loop` adds a second baseline, run first: a loop over the same (question, variant) pairs calling
  `ragtune.answer.answer_question` and `option_logprobs` directly (no records, metrics, fsync, summary);
  ratio = eval wall / bare loop wall (greedy decoding: both produce the same tokens). It doubles the run.

Usage: .venv/bin/python bench/eval_overhead.py [--questions 200] [--bare-loop] [--out FILE]
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
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine_info  # noqa: E402

from ragtune.answer import answer_question, build_messages
from ragtune.evaluate.session import evaluate, summarize_run
from ragtune.models.hf_generator import TransformersGenerator
from ragtune.project import Project
from ragtune.variants import search_with

ROOT = Path(__file__).resolve().parents[1]
PREFIXES = ("", "Quick question: ", "Please tell me: ", "I would like to know: ", "Can you say: ",
            "Help me out. ", "One more: ", "Tell me, ", "Question: ", "Could you answer this? ", "Briefly: ")
MODEL_S: dict[str, float] = defaultdict(float)


def make_questions(n: int, path: Path) -> Path:
    base = [json.loads(line) for line in (ROOT / "examples" / "questions.jsonl").read_text().splitlines() if line]
    rows = []
    for i in range(n):
        q = dict(base[i % len(base)])
        q["id"] = f"{q['id']}-{i}"
        q["question"] = PREFIXES[(i // len(base)) % len(PREFIXES)] + q["question"]
        if i % 4 == 0 and q["answers"]:
            q["options"] = [q["answers"][0], "12 days", "Oslo", "none of them"]
        rows.append(q)
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


@contextmanager
def timed_models(embedder):
    """Wrap the model entry points with timers that add into MODEL_S."""
    originals = {"generate": TransformersGenerator.generate, "option_logprobs": TransformersGenerator.option_logprobs}

    def wrap(name, fn):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                MODEL_S[name] += time.perf_counter() - t0
        return timed

    for name, fn in originals.items():
        setattr(TransformersGenerator, name, wrap(name, fn))
    embed = embedder.embed
    embedder.embed = wrap("embed", embed)
    try:
        yield
    finally:
        for name, fn in originals.items():
            setattr(TransformersGenerator, name, fn)
        embedder.embed = embed


def bare_loop(proj: Project, questions: list, variants: list[str]) -> float:
    """The floor: the same model calls with nothing recorded."""
    g = proj.settings.generation
    search = search_with(proj)
    gen = proj.generator_named(proj.settings.models.generator)
    t0 = time.perf_counter()
    for q in questions:
        for v in variants:
            retrieval = search if v == "rag" else None
            answer = answer_question(q.question, gen, retrieval, max_new_tokens=g.max_new_tokens,
                                     temperature=g.temperature)
            if q.options:
                hits = list(answer.passages) if retrieval else None
                gen.option_logprobs(build_messages(q.question, hits), q.options)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--bare-loop", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks" / "eval_overhead.json")
    args = parser.parse_args()
    from ragtune.questions import load_questions

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "ragtune.toml").write_text("[generation]\nmax_new_tokens = 16\n")
        proj = Project(root)
        t0 = time.perf_counter()
        proj.ingest(ROOT / "examples" / "docs")
        proj.generator_named(proj.settings.models.generator).generate([{"role": "user", "content": "hi"}], max_new_tokens=2)  # load + warm up
        load_s = time.perf_counter() - t0
        qpath = make_questions(args.questions, root / "questions.jsonl")
        questions = load_questions(qpath)
        variants = ["base", "rag"]
        print(f"{len(questions)} questions x {variants}; models loaded and corpus ingested in {load_s:.1f} s")

        bare_s = bare_loop(proj, questions, variants) if args.bare_loop else None
        if bare_s:
            print(f"bare loop (baseline): {bare_s:.1f} s")

        with timed_models(proj.embedder):
            t0 = time.perf_counter()
            run_dir, results = evaluate(proj, qpath, variants, run="bench")
            eval_s = time.perf_counter() - t0
            summarize_run(proj, run_dir)
            total_s = time.perf_counter() - t0
        summary_s = total_s - eval_s
        model_s = sum(MODEL_S.values())
        retrieval_s = sum(r["timings"]["retrieval_s"] for r in results)
        query_embed_s = MODEL_S["embed"]
        overhead_s = total_s - model_s
        figures = {
            "questions": len(questions), "variants": variants, "records": len(results),
            "max_new_tokens": 16, "completion_tokens": sum(r["tokens"]["completion"] for r in results),
            "eval_total_s": round(total_s, 2), "eval_loop_s": round(eval_s, 2), "summary_s": round(summary_s, 3),
            "model_s": {k: round(v, 2) for k, v in MODEL_S.items()}, "model_total_s": round(model_s, 2),
            "search_s_excluding_query_embedding": round(retrieval_s - query_embed_s, 2),
            "overhead_s": round(overhead_s, 2), "overhead_pct": round(100 * overhead_s / total_s, 2),
            # The same without the index search (retrieval is the rag pipeline's work, not evaluation's).
            "eval_only_overhead_pct": round(100 * (overhead_s - (retrieval_s - query_embed_s)) / total_s, 2),
            "ratio_eval_vs_model_time": round(total_s / model_s, 4),
            "bare_loop_s": round(bare_s, 2) if bare_s else None,
            "ratio_eval_vs_bare": round(total_s / bare_s, 3) if bare_s else None,
            "goal_overhead_pct": 5.0,
        }
    print(json.dumps(figures, indent=2))
    print(f"overhead {figures['overhead_pct']:.2f} % of {total_s:.1f} s (goal <= 5 %); "
          f"eval / model time = {figures['ratio_eval_vs_model_time']:.3f}x"
          + (f"; eval / bare loop = {figures['ratio_eval_vs_bare']:.3f}x" if bare_s else ""))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine_info.machine("transformers", "lancedb"), **figures},
                                   indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
