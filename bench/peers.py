"""ragtune against LlamaIndex and LangChain, in one run on one machine (issue 6; `make bench-peers`).

Same corpus, same all-MiniLM-L6-v2 folder, chunks of 256 MiniLM tokens with 32 overlap, same SmolLM2
generator in the same dtype. Each tool is used as its documentation recommends (bench/peer_*.py say how).
For each corpus and repeat, in a rotating tool order, every setup runs in fresh processes (bench/peer_worker.py):
  build (full ingest into an empty store) -> queries (retrieval latency, and quality where there are gold
  documents) -> answers (end-to-end, the bundled KB only, one setup per tool) -> update to the "after"
  version -> check (chunk count vs a clean build, and probes for deleted or stale chunks; first repeat).
Figures are medians over repeats with min-max; ratios are taken within a repeat, then their median.

Usage: python bench/peers.py [--docs 10000] [--repeats 3] [--big-repeats 2] [--answers 20] [--only kb|generated]
       [--tools ragtune,llamaindex,langchain] [--out docs/benchmarks/peers.json] [--markdown docs/benchmarks.md]
       python bench/peers.py --tables-only      (re-summarise the JSON's raw results into the tables)
Needs the peers: `make bench-peers` installs them (pip extra `bench`) in .venv-bench.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine_info  # noqa: E402
import peer_corpora  # noqa: E402
import peer_tables  # noqa: E402
from peer_api import Models, write_docs  # noqa: E402

HERE = Path(__file__).resolve().parent
SETUPS = [("ragtune", "sync"), ("ragtune", "sync-fp32"), ("llamaindex", "vector-index"),
          ("llamaindex", "pipeline"), ("langchain", "index"), ("langchain", "index-bf16")]
ANSWER_SETUPS = [("ragtune", "sync"), ("llamaindex", "vector-index"), ("langchain", "index")]
STEP_TIMEOUT_S = 3 * 3600


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def models() -> Models:
    from ragtune.models.device import default_dtype
    from ragtune.models.packaged import packaged_embedder_path, packaged_generator_path

    dtype = str(default_dtype("cpu")).removeprefix("torch.")
    return Models(embedder=str(packaged_embedder_path()), generator=str(packaged_generator_path()),
                  generator_dtype=dtype)


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


class Steps:
    """Runs worker steps in fresh processes and keeps every result, tagged with where it came from."""

    def __init__(self, work: Path, models_file: Path):
        self.work, self.models_file, self.results = work, models_file, []

    def run(self, task: str, tool: str, setup: str, store: Path, tag: dict, **files) -> dict:
        out = self.work / f"out-{len(self.results)}.json"
        cmd = [sys.executable, str(HERE / "peer_worker.py"), task, "--tool", tool, "--setup", setup,
               "--store", str(store), "--models", str(self.models_file), "--out", str(out)]
        for name, value in files.items():
            cmd += [f"--{name.replace('_', '-')}", str(value)]
        t = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=STEP_TIMEOUT_S)
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            log(f"FAILED {task} {tool}/{setup}:\n{proc.stderr[-3000:]}")
            result = {"error": proc.stderr[-1500:]}
        else:
            result = json.loads(out.read_text())
        row = {"task": task, "tool": tool, "setup": setup, **tag, "process_s": round(wall, 2), **result}
        self.results.append(row)
        brief = {k: (round(v, 2) if isinstance(v, float) else v) for k, v in result.items()
                 if k in ("seconds", "peak_rss_mib", "chunks", "stored_chunks", "expected_chunks")}
        log(f"{task:8s} {tool}/{setup} {tag} {brief}")
        return row


def run_corpus(steps: Steps, corpus: peer_corpora.Corpus, args, repeats: int) -> None:
    files = steps.work / corpus.name
    files.mkdir(exist_ok=True)
    before, after = files / "before.jsonl", files / "after.jsonl"
    write_docs(before, corpus.before)
    write_docs(after, corpus.after)
    probes = write_jsonl(files / "probes.jsonl", corpus.probes)
    questions = write_jsonl(files / "questions.jsonl", corpus.questions)
    answer_qs = write_jsonl(files / "answer_questions.jsonl", corpus.questions[: args.answers])
    log(f"{corpus.name}: {len(corpus.before)} -> {len(corpus.after)} documents, {len(corpus.probes)} probes, "
        f"{len(corpus.questions)} questions")
    setups = [s for s in SETUPS if s[0] in args.tools.split(",")]
    for repeat in range(repeats):
        order = setups[repeat % len(setups):] + setups[: repeat % len(setups)]
        for tool, setup in order:
            store = files / f"store-{tool}-{setup}"
            shutil.rmtree(store, ignore_errors=True)
            tag = {"corpus": corpus.name, "repeat": repeat}
            built = steps.run("build", tool, setup, store, tag, docs=before)
            if "error" in built:
                continue
            if corpus.questions:
                steps.run("queries", tool, setup, store, tag, questions=questions, k=10)
            if (tool, setup) in ANSWER_SETUPS and corpus.name == "kb" and args.answers:
                steps.run("answers", tool, setup, store, tag, questions=answer_qs, k=args.top_k,
                          max_new_tokens=args.max_new_tokens)
            steps.run("update", tool, setup, store, tag, docs=after)
            if repeat == 0:
                steps.run("check", tool, setup, store, tag, docs=after, probes=probes, k=5)
            shutil.rmtree(store, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=10_000, help="documents in the generated corpus (0: skip it)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--big-repeats", type=int, default=2, help="repeats on the generated corpus (~30 min each here)")
    ap.add_argument("--answers", type=int, default=20, help="KB questions answered end to end (0: skip)")
    ap.add_argument("--top-k", type=int, default=3, help="passages per answer, every tool")
    ap.add_argument("--max-new-tokens", type=int, default=64)
    ap.add_argument("--only", choices=["kb", "generated"])
    ap.add_argument("--tools", default="ragtune,llamaindex,langchain", help="comma-separated subset")
    ap.add_argument("--work", type=Path, default=None, help="scratch folder (default: a temp dir, removed)")
    ap.add_argument("--out", type=Path, default=HERE.parent / "docs" / "benchmarks" / "peers.json")
    ap.add_argument("--markdown", type=Path, default=HERE.parent / "docs" / "benchmarks.md")
    ap.add_argument("--tables-only", action="store_true", help="re-summarise --out's raw results, run nothing")
    args = ap.parse_args()
    if args.tables_only:
        write_outputs(json.loads(args.out.read_text()), args.out, args.markdown)
        return

    work = args.work or Path(tempfile.mkdtemp(prefix="ragtune-peers-"))
    work.mkdir(parents=True, exist_ok=True)
    shared = models()
    models_file = work / "models.json"
    models_file.write_text(json.dumps(asdict(shared)))
    steps = Steps(work, models_file)
    started = time.time()
    corpora = []
    if args.only in (None, "kb"):
        corpora.append((peer_corpora.kb_corpus(), args.repeats))
    if args.only in (None, "generated") and args.docs:
        corpora.append((peer_corpora.generated_corpus(work, args.docs, args.seed), args.big_repeats))
    for corpus, repeats in corpora:
        run_corpus(steps, corpus, args, repeats)

    result = {
        "machine": machine_info.machine(
            "sentence_transformers", "transformers", "lancedb", "llama_index.core", "langchain", "langchain_core",
            "langchain_chroma", "chromadb"),
        "config": {**{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
                   "models": asdict(shared), "started": time.strftime("%Y-%m-%d %H:%M", time.localtime(started)),
                   "minutes": round((time.time() - started) / 60, 1)},
        "corpora": {c.name: {"before": len(c.before), "after": len(c.after), "probes": len(c.probes),
                             "questions": len(c.questions)} for c, _ in corpora},
        "questions": {c.name: c.questions for c, _ in corpora},
        "results": steps.results,
    }
    write_outputs(result, args.out, args.markdown)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


def write_outputs(result: dict, out: Path, markdown_file: Path | None) -> None:
    """Summarise the raw results, write the JSON, and the tables into docs/benchmarks.md."""
    result["summary"] = peer_tables.summarise(result)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1), encoding="utf-8")
    markdown = peer_tables.markdown(result)
    print(markdown)
    if markdown_file:
        peer_tables.write_section(markdown_file, markdown)
    log(f"wrote {out}" + (f" and {markdown_file}" if markdown_file else ""))


if __name__ == "__main__":
    main()
