"""Retrieval on corpora nobody on the project wrote (issue 19): recall@1/5/10, MRR@10 and latency per query
for each retriever, on questions derived mechanically from the documents' structure (bench/external_corpora.py).

Scoring is by document: a retriever's chunks are read in rank order and each document counts once, at its
best chunk; recall@k is the share of questions with a relevant document among the first k distinct
documents, MRR@10 the mean of 1/rank of the first relevant one (0 past 10). Each figure has a 95 %
bootstrap CI over questions (ragtune.evaluate.stats), and every retriever is compared with today's default
(`hybrid`) by a paired bootstrap on recall@5: a change counts as an improvement only where that CI
excludes zero. Questions are split into `tune` and `test` halves: choose settings on tune, report test.

Latency: one query at a time after a warm-up, the retrievers taking turns on each question so background
load hits all alike; a query asks for `CHUNK_DEPTH` chunks so that ten distinct documents are usually
among them (the same call for every retriever, so the figures compare; deeper than the default top_k 5).

A retriever is a function (index, question, k) -> doc ids best first; add one to `RETRIEVERS` to
benchmark it. Writes docs/benchmarks/retrieval_external.json and per-question ranks to the cache folder.
The corpora and their indexes are cached (~/.cache/ragtune-bench, or $RAGTUNE_BENCH_CACHE): on 2 cores a
first run renders and embeds them in about 7 minutes, a later one only syncs and queries (about 2.5).

Usage: .venv/bin/python bench/retrieval_external.py [--corpus man,python] [--max-docs N]
       [--retrievers dense,bm25,hybrid] [--out FILE]
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import json
import statistics
import sys
import time

from pathlib import Path
from typing import Callable, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
import external_corpora as ec  # noqa: E402
import machine_info  # noqa: E402

from ragtune.config.sections import RetrievalSettings  # noqa: E402
from ragtune.evaluate.stats import bootstrap_ci, paired_bootstrap  # noqa: E402
from ragtune.index.store import ChunkIndex  # noqa: E402
from ragtune.project import Project  # noqa: E402
from ragtune.retrieve import retrieve  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks" / "retrieval_external.json"
KS = (1, 5, 10)
CHUNK_DEPTH = 40  # chunks fetched per query to find 10 distinct documents
WARMUP = 5
BASELINE = "hybrid"
SPLITS = ("tune", "test")

DocRetriever = Callable[[ChunkIndex, str, int], list[str]]


def distinct_docs(doc_ids: Sequence[str], k: int) -> list[str]:
    """The first `k` distinct documents of a chunk ranking (each at its best chunk)."""
    return list(dict.fromkeys(doc_ids))[:k]


def chunk_retriever(kind: str, settings: RetrievalSettings = RetrievalSettings()) -> DocRetriever:
    """ragtune's own `retrieve` with `[retrieval]` settings (the defaults: the benchmark's ragtune.toml is empty)."""
    weights = {"dense": settings.dense_weight, "bm25": settings.bm25_weight}

    def run(index: ChunkIndex, question: str, k: int) -> list[str]:
        hits = retrieve(index, question, retriever=kind, top_k=max(CHUNK_DEPTH, k), filters=[],
                        rrf_k=settings.rrf_k, weights=weights)
        return distinct_docs([h.doc_id for h in hits], k)

    return run


def lance_bm25() -> DocRetriever:
    """BM25 through Lance's full-text index, as ragtune searched before the in-memory index (a handle on the
    same table with no in-memory copy: the path ragtune still takes for tables over the cache budget)."""
    handles: dict[str, ChunkIndex] = {}

    def run(index: ChunkIndex, question: str, k: int) -> list[str]:
        key = str(index.path)
        if key not in handles:
            handles[key] = ChunkIndex.open(index.path, index.embedder, index.meta.chunking, max_cache_bytes=0)
        hits = retrieve(handles[key], question, retriever="bm25", top_k=max(CHUNK_DEPTH, k))
        return distinct_docs([h.doc_id for h in hits], k)

    return run


def bm25s_peer() -> DocRetriever:
    """The peers' BM25 (LlamaIndex's BM25Retriever is bm25s with its English stop words and stemmer) over the
    same chunks, built once outside the clock: the named baseline for BM25 latency."""
    import bm25s
    import Stemmer

    built: dict[str, tuple] = {}

    def run(index: ChunkIndex, question: str, k: int) -> list[str]:
        key = str(index.path)
        if key not in built:
            rows = index.scan(["doc_id", "title", "text"]).to_pylist()
            stemmer = Stemmer.Stemmer("english")
            model = bm25s.BM25()
            model.index(bm25s.tokenize([f"{r['title'] or ''} {r['text']}" for r in rows], stopwords="en",
                                       stemmer=stemmer, show_progress=False), show_progress=False)
            built[key] = (model, [r["doc_id"] for r in rows], stemmer)
        model, docs, stemmer = built[key]
        tokens = bm25s.tokenize([question], stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)
        found, _ = model.retrieve(tokens, k=min(max(CHUNK_DEPTH, k), len(docs)), show_progress=False, n_threads=1)
        return distinct_docs([docs[i] for i in found[0]], k)

    return run


RETRIEVERS: dict[str, DocRetriever] = {kind: chunk_retriever(kind) for kind in ("dense", "bm25", "hybrid")}
RETRIEVERS |= {"bm25-lance": lance_bm25(), "bm25s-peer": bm25s_peer()}
RETRIEVERS |= {f"hybrid-bm25x{w:g}": chunk_retriever("hybrid", RetrievalSettings(bm25_weight=w)) for w in (2.0,)}


def first_relevant(ranked: Sequence[str], relevant: Sequence[str]) -> int | None:
    """1-based rank of the first relevant document, None when none was retrieved."""
    return next((i for i, doc in enumerate(ranked, start=1) if doc in relevant), None)


def scores(ranks: Sequence[int | None]) -> dict[str, list[float]]:
    """Per-question scores: recall@k as 0/1 for each k, and reciprocal rank within 10."""
    out = {f"recall@{k}": [float(r is not None and r <= k) for r in ranks] for k in KS}
    out["mrr@10"] = [1.0 / r if r is not None and r <= 10 else 0.0 for r in ranks]
    return out


def summarise(ranks: Sequence[int | None], latencies_ms: Sequence[float]) -> dict:
    """Every metric's mean with its 95 % bootstrap CI, and the latency percentiles."""
    out = {name: bootstrap_ci(vals).to_json() for name, vals in scores(ranks).items()}
    ms = sorted(latencies_ms)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    out["latency_ms"] = {"p50": round(statistics.median(ms), 2), "p95": round(p95, 2)}
    return out


def compare(a: Sequence[int | None], b: Sequence[int | None], names: tuple[str, str],
            metric: str = "recall@5") -> dict:
    """Paired bootstrap of `metric` between two retrievers on the same questions: diff a - b with its CI."""
    c = paired_bootstrap(scores(a)[metric], scores(b)[metric], names=names)
    return {"metric": metric, "diff": c.diff, "low": c.low, "high": c.high, "p_value": c.p_value, "n": c.n,
            "better": c.better}


def run_questions(index: ChunkIndex, questions: list[ec.Question], retrievers: dict[str, DocRetriever]
                  ) -> dict[str, list[tuple[list[str], float]]]:
    """Each retriever's (top-10 docs, ms) per question, one query at a time, retrievers taking turns."""
    names = list(retrievers)
    for name in names:
        for q in questions[:WARMUP]:
            retrievers[name](index, q.question, max(KS))
    out: dict[str, list] = {n: [None] * len(questions) for n in names}
    for i, q in enumerate(questions):
        for name in names[i % len(names):] + names[:i % len(names)]:
            t0 = time.perf_counter()
            docs = retrievers[name](index, q.question, max(KS))
            out[name][i] = (docs, (time.perf_counter() - t0) * 1000)
    return out


def open_project(root: Path) -> tuple[Project, dict]:
    """A project in the corpus's cache folder (an empty ragtune.toml: the defaults) synced to its docs."""
    (root / "project").mkdir(exist_ok=True)
    (root / "project" / "ragtune.toml").touch()
    proj = Project(root / "project")
    t0 = time.perf_counter()
    report = proj.ingest(root / "docs")
    return proj, {"text_chars": sum(len(d.text) for d in report.load.documents), "chunks": proj.index.stats().chunks,
                  "sync_s": round(time.perf_counter() - t0, 1), "chunks_embedded_now": report.sync.chunks_embedded}


def bench_corpus(corpus: str, max_docs: int | None, retrievers: dict[str, DocRetriever]) -> dict:
    root = ec.build(corpus, max_docs)
    meta = json.loads((root / "corpus.json").read_text())
    questions = ec.load_questions(root)
    proj, index_info = open_project(root)
    print(f"{corpus}: {meta['documents']} documents, {index_info['chunks']} chunks, {len(questions)} questions "
          f"(cached in {root})", flush=True)
    runs = run_questions(proj.index, questions, retrievers)
    ranks = {n: [first_relevant(docs, q.relevant) for (docs, _), q in zip(runs[n], questions)] for n in runs}
    with open(root / "results.jsonl", "w", encoding="utf-8") as f:  # per question, for failure analysis
        for i, q in enumerate(questions):
            per = {n: {"rank": ranks[n][i], "ms": round(runs[n][i][1], 2), "top": runs[n][i][0][:5]} for n in runs}
            f.write(json.dumps({"id": q.id, "kind": q.kind, "split": q.split, "question": q.question,
                                "relevant": q.relevant, **per}) + "\n")
    result: dict = {"documents": meta["documents"], "file_bytes": meta["bytes"], **index_info,
                    "questions": meta["questions"], "retrievers": {}, f"vs_{BASELINE}": {}}
    for split in (*SPLITS, "all"):
        pick = [i for i, q in enumerate(questions) if split in ("all", q.split)]
        for n in runs:
            s = summarise([ranks[n][i] for i in pick], [runs[n][i][1] for i in pick])
            result["retrievers"].setdefault(n, {})[split] = s
            if n != BASELINE and BASELINE in runs:
                result[f"vs_{BASELINE}"].setdefault(n, {})[split] = compare(
                    [ranks[n][i] for i in pick], [ranks[BASELINE][i] for i in pick], (n, BASELINE))
    kinds = sorted({q.kind for q in questions})
    result["recall@5_by_kind"] = {n: {k: round(statistics.mean(
        float(r is not None and r <= 5) for r, q in zip(ranks[n], questions) if q.kind == k), 3) for k in kinds}
        for n in runs}
    return result


def _ci(e: dict) -> str:
    return f"{e['value']:.3f} [{e['low']:.3f}, {e['high']:.3f}]"


def table(corpora: dict) -> str:
    """The markdown table of every corpus x split x retriever."""
    head = "| corpus | split | retriever | n | recall@1 | recall@5 | recall@10 | MRR@10 | p50 ms | p95 ms |"
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for corpus, res in corpora.items():
        for split in SPLITS:
            for n, by_split in res["retrievers"].items():
                s = by_split[split]
                lines.append(f"| {corpus} | {split} | {n} | {s['recall@1']['n']} | " + " | ".join(
                    _ci(s[m]) for m in ("recall@1", "recall@5", "recall@10", "mrr@10"))
                    + f" | {s['latency_ms']['p50']} | {s['latency_ms']['p95']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default="man,python", help="comma-separated: man, python")
    parser.add_argument("--max-docs", type=int, default=None,
                        help="a seeded sample of this many pages per corpus (default: man 1000, python all)")
    parser.add_argument("--retrievers", default=",".join(RETRIEVERS))
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    names = [n for n in args.retrievers.split(",") if n]
    unknown = [n for n in names if n not in RETRIEVERS]
    if unknown:
        raise SystemExit(f"unknown retriever(s) {', '.join(unknown)}; known: {', '.join(RETRIEVERS)}")
    start, load = time.perf_counter(), os.getloadavg()[0]  # load before and after: other work skews latency
    corpora = {c: bench_corpus(c, args.max_docs, {n: RETRIEVERS[n] for n in names})
               for c in args.corpus.split(",") if c}
    result = {"issue": 19, "machine": machine_info.machine("lancedb", "sentence_transformers"),
              "max_docs": args.max_docs, "chunk_depth": CHUNK_DEPTH, "warmup_queries": WARMUP,
              "wall_s": round(time.perf_counter() - start, 1), "load_avg_1m": [load, os.getloadavg()[0]],
              "corpora": corpora}
    print(table(corpora))
    for c, res in corpora.items():
        for n, by_split in res[f"vs_{BASELINE}"].items():
            t = by_split["test"]
            print(f"{c}: {n} - {BASELINE} recall@5 on test: {t['diff']:+.3f} [{t['low']:+.3f}, {t['high']:+.3f}]")
    print(f"wall: {result['wall_s']} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
