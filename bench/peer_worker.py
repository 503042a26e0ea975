"""One measured step of the peer benchmark in a fresh process: a build, an update, a check, queries or answers.

A fresh process per step makes peak memory (the kernel's VmHWM high-water mark) belong to that step alone
and keeps one tool's imports and caches from helping or hurting the next. The tool's libraries are imported
before the clock starts, so the timed part is the work a running application would do, model loading
included (about a second for MiniLM, the same for every tool).

Usage (bench/peers.py runs it): python bench/peer_worker.py TASK --tool T --setup S --store DIR --out FILE.json
    [--docs DOCS.jsonl] [--models MODELS.json] [--probes PROBES.jsonl] [--questions Q.jsonl] [--k 10]
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # chromadb

import argparse
import contextlib
import importlib
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_api import Models, read_docs, squash  # noqa: E402

# What each tool imports on its way to work, loaded before any clock starts.
PREIMPORTS = {
    "ragtune": ["sentence_transformers", "transformers", "lancedb", "ragtune.index", "ragtune.corpus", "ragtune.retrieve"],
    "llamaindex": ["sentence_transformers", "transformers", "chromadb", "llama_index.core",
                   "llama_index.embeddings.huggingface", "llama_index.vector_stores.chroma",
                   "llama_index.retrievers.bm25"],
    "langchain": ["sentence_transformers", "transformers", "chromadb", "langchain_core.indexing", "langchain_chroma",
                  "langchain_huggingface", "langchain_text_splitters", "langchain_classic.indexes",
                  "langchain_classic.retrievers", "langchain_community.retrievers"],
}


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def read_jsonl(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def timed(fn, *args) -> tuple[object, float]:
    t = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - t


def run_ingest(peer, args, models: Models, task: str) -> dict:
    docs = read_docs(Path(args.docs))
    _, seconds = timed(getattr(peer, task), args.setup, docs, Path(args.store), models)
    peak = peak_rss_mib()
    return {"seconds": seconds, "peak_rss_mib": peak, "documents": len(docs),
            "chunks": peer.stored_chunks(args.setup, Path(args.store), models)}


def run_check(peer, args, models: Models) -> dict:
    """After an update: chunk count vs a clean build, and every retriever probed for deleted or stale chunks."""
    docs = read_docs(Path(args.docs))
    stored = peer.stored_chunks(args.setup, Path(args.store), models)
    expected = peer.expected_chunks(args.setup, docs, models)
    probes = read_jsonl(args.probes)
    found: dict[str, dict] = {}
    for name, search in peer.retrievers(args.setup, Path(args.store), models).items():
        deleted = stale = 0
        examples = []
        for probe in probes:
            for p in search(probe["query"], args.k):
                bad = p.doc_id == probe["doc_id"] and (probe["kind"] == "deleted" or probe["old_text"] in squash(p.text))
                if bad:
                    deleted += probe["kind"] == "deleted"
                    stale += probe["kind"] == "changed"
                    if len(examples) < 3:
                        examples.append({"probe": probe["kind"], "doc_id": p.doc_id, "text": p.text[:160]})
        found[name] = {"deleted_hits": deleted, "stale_hits": stale, "examples": examples}
    return {"stored_chunks": stored, "expected_chunks": expected, "probes": len(probes), "k": args.k,
            "retrievers": found}


def run_queries(peer, args, models: Models) -> dict:
    """Each question through every retriever (interleaved, after a warm-up): ranked doc ids and latency."""
    questions = read_jsonl(args.questions)
    searches = peer.retrievers(args.setup, Path(args.store), models)
    for search in searches.values():
        for q in questions[:5]:
            search(q["question"], args.k)
    out = {name: {"ranked": [], "ms": []} for name in searches}
    for i, q in enumerate(questions):
        names = list(searches)
        for name in names[i % len(names):] + names[: i % len(names)]:
            passages, seconds = timed(searches[name], q["question"], args.k)
            out[name]["ranked"].append([p.doc_id for p in passages])
            out[name]["ms"].append(seconds * 1000)
    return {"ids": [q["id"] for q in questions], "retrievers": out}


@contextlib.contextmanager
def generate_timer() -> Iterator[list[float]]:
    """Seconds of every transformers `generate` call inside the block. All three tools end in that same call
    on the same weights, so an answer's time minus its generate time is the tool's own work (retrieval,
    prompts, framework), comparable even where a tool's prompt makes the model write more."""
    from transformers import GenerationMixin

    spent: list[float] = []
    original = GenerationMixin.generate

    def generate(self, *a, **kw):
        t = time.perf_counter()
        try:
            return original(self, *a, **kw)
        finally:
            spent.append(time.perf_counter() - t)

    GenerationMixin.generate = generate
    try:
        yield spent
    finally:
        GenerationMixin.generate = original


def run_answers(peer, args, models: Models) -> dict:
    questions = read_jsonl(args.questions)
    replies = []
    with generate_timer() as generate_s:
        answer = peer.answerer(args.setup, Path(args.store), models, args.k, args.max_new_tokens)
        answer(questions[0]["question"])  # warm-up: first-call kernel selection
        for q in questions:
            generate_s.clear()
            reply, seconds = timed(answer, q["question"])
            replies.append({"id": q["id"], "seconds": seconds, "generate_s": sum(generate_s),
                            "generate_calls": len(generate_s), **asdict(reply),
                            "passages": [p.doc_id for p in reply.passages]})
    return {"replies": replies, "peak_rss_mib": peak_rss_mib()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("task", choices=["build", "update", "check", "queries", "answers"])
    ap.add_argument("--tool", required=True)
    ap.add_argument("--setup", required=True)
    ap.add_argument("--store", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--docs")
    ap.add_argument("--probes")
    ap.add_argument("--questions")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--max-new-tokens", type=int, default=64)
    args = ap.parse_args()

    for module in PREIMPORTS[args.tool]:
        importlib.import_module(module)
    peer = importlib.import_module(f"peer_{args.tool}")
    models = Models(**json.loads(Path(args.models).read_text()))
    if args.task in ("build", "update"):
        result = run_ingest(peer, args, models, args.task)
    elif args.task == "check":
        result = run_check(peer, args, models)
    elif args.task == "queries":
        result = run_queries(peer, args, models)
    else:
        result = run_answers(peer, args, models)
    Path(args.out).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
