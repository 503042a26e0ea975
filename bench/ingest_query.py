"""Ingest and query benchmark (issue 2): ragtune against named floors measured in the same run.

1. Full ingest of >= 10k generated documents (written as .md files, so `load_corpus` runs too) into
   a fresh index, vs the pure-embedding floor: `SentenceTransformer.encode` of exactly the chunk
   texts the ingest embeds, same model object, batch size and torch threads. The floor runs after a
   warm-up and again after the ingest (it brackets the ingest in time); the mean is the floor.
2. Incremental re-sync after editing 1 % of the documents, and a no-op re-sync, as % of the ingest.
3. Retrieval latency (dense, bm25, hybrid) at 100k chunks with synthetic vectors (a seeded hash
   embedder) vs numpy brute force (`V @ q` + argpartition) on the same vectors, queries interleaved
   so background load hits every method alike. Plus a candidate-depth study for hybrid: latency at
   100k chunks, and agreement with a deep (200) fusion on the real-MiniLM index of part 1.

Usage: .venv/bin/python bench/ingest_query.py [--docs N] [--chunks N] [--queries N] [--out FILE]
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine_info  # noqa: E402
import synthetic_corpus as sc  # noqa: E402

from ragtune.config import ChunkSettings, ModelSettings  # noqa: E402
from ragtune.corpus import Chunk, Document, content_hash, load_corpus, make_chunker  # noqa: E402
from ragtune.index import ChunkIndex  # noqa: E402
from ragtune.models import load_embedder  # noqa: E402
from ragtune.retrieve import hybrid as hybrid_module  # noqa: E402
from ragtune.retrieve import retrieve  # noqa: E402

GOALS = {"ingest_overhead_pct": 10.0, "resync_1pct_pct": 5.0, "hybrid_p50_ratio": 2.0}
RETRIEVERS = ("dense", "bm25", "hybrid")


# -- machine -------------------------------------------------------------------------------------

def machine() -> dict:
    return machine_info.machine("lancedb", "pyarrow", "numpy", "sentence_transformers")


# -- timing helpers ------------------------------------------------------------------------------

class Timed:
    """Wraps a callable and sums the seconds spent in it (to split the ingest into its parts)."""

    def __init__(self, fn: Callable):
        self.fn, self.seconds, self.calls = fn, 0.0, 0

    def __call__(self, *args, **kwargs):
        t = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t
            self.calls += 1


class TimedEmbedder:
    """The real embedder with its `embed` time summed; everything else passes through."""

    def __init__(self, inner):
        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self.embed = Timed(inner.embed)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def count_tokens_batch(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens_batch(texts)


def percentiles(ms: list[float]) -> dict:
    q = np.percentile(ms, [50, 95])
    return {"p50_ms": round(float(q[0]), 3), "p95_ms": round(float(q[1]), 3), "mean_ms": round(statistics.fmean(ms), 3)}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# -- part 1 and 2: ingest vs the embedding floor, re-sync ------------------------------------------

def encode_floor(embedder, texts: list[str]) -> float:
    t = time.perf_counter()
    embedder.model.encode(texts, batch_size=embedder.batch_size, convert_to_numpy=True,
                          normalize_embeddings=True, show_progress_bar=False)
    return time.perf_counter() - t


def sync_folder(index: ChunkIndex, folder: Path, chunker, embed_batch: int) -> tuple[float, float, object]:
    """load_corpus + sync, as `ragtune ingest` does; returns (total s, load s, SyncReport)."""
    t = time.perf_counter()
    loaded = load_corpus(folder)
    load_s = time.perf_counter() - t
    if loaded.skipped:
        raise RuntimeError(f"unexpected skipped files: {loaded.skipped[:3]}")
    report = index.sync(loaded.documents, chunker, embed_batch=embed_batch)
    return time.perf_counter() - t, load_s, report


def bench_ingest(args, work: Path) -> tuple[dict, ChunkIndex, object]:
    chunking = ChunkSettings()
    fingerprint = f"chunker=v1;max_tokens={chunking.max_tokens};overlap={chunking.overlap}"
    ids, texts = sc.generate(args.docs, args.seed)
    folder = work / "corpus"
    sc.write_folder(folder, ids, texts)
    log(f"wrote {len(ids)} documents to {folder}")

    embedder = load_embedder(ModelSettings(device="cpu"))
    chunker = make_chunker(embedder, chunking.max_tokens, chunking.overlap)
    # The exact texts the ingest will embed: one per distinct chunk hash (sync embeds each once).
    unique: dict[str, str] = {}
    doc_lengths: list[list[int]] = []  # tokens of each chunk, special tokens included, in sync's order
    for doc in sorted(load_corpus(folder).documents, key=lambda d: d.id):
        chunks = chunker(doc)
        doc_lengths.append([n + 2 for n in embedder.count_tokens_batch([c.text for c in chunks])])
        for c in chunks:
            unique.setdefault(c.hash, c.text)
    chunk_texts = list(unique.values())
    per_doc = [len(lengths) for lengths in doc_lengths]
    tokens = embedder.count_tokens_batch(chunk_texts)
    log(f"{len(chunk_texts)} chunks, {sum(tokens)} tokens (mean {statistics.fmean(tokens):.0f}/chunk)")

    # Warm-up: the model, torch kernels, Lance writes and FTS, on a throwaway index.
    encode_floor(embedder, chunk_texts[: 4 * embedder.batch_size])
    warm = ChunkIndex.open(work / "warmup-index", embedder, fingerprint)
    warm.sync(load_corpus(folder / "d00").documents[:40], chunker)

    floors = []
    for run in range(args.floor_runs):
        if run == 1:
            ingest = _full_ingest(work, embedder, fingerprint, chunking, folder, args.embed_batch)
        floors.append(encode_floor(embedder, chunk_texts))
        log(f"floor run {run + 1}: {floors[-1]:.1f} s")
    if args.floor_runs < 2:
        ingest = _full_ingest(work, embedder, fingerprint, chunking, folder, args.embed_batch)
    index, timed_embedder, timed_chunker = ingest["_objects"]
    floor = statistics.fmean(floors)
    overhead = (ingest["seconds"] - floor) / floor * 100

    edited = sc.edit_documents(folder, ids, args.edit_fraction, args.seed + 1)
    resync_s, _, resync = sync_folder(index, folder, timed_chunker, args.embed_batch)
    noop_s, _, noop = sync_folder(index, folder, timed_chunker, args.embed_batch)
    rows_ok = index.table.count_rows() == sum(len(chunker(d)) for d in load_corpus(folder).documents)
    log(f"re-sync {resync_s:.1f} s, no-op {noop_s:.1f} s, rows equal a clean chunking: {rows_ok}")

    result = {
        "corpus": {"documents": len(ids), "as": "markdown files in 100 folders, read with load_corpus",
                   "chunks": sum(per_doc), "distinct_chunk_texts": len(chunk_texts), "tokens": sum(tokens),
                   "mean_tokens_per_chunk": round(statistics.fmean(tokens), 1),
                   "docs_by_chunk_count": {str(n): per_doc.count(n) for n in sorted(set(per_doc))},
                   "chunking": chunking.model_dump(), "encode_batch": embedder.batch_size,
                   "sync_embed_batch": args.embed_batch},
        "floor_s": round(floor, 2), "floor_runs_s": [round(f, 2) for f in floors],
        "floor_chunks_per_s": round(len(chunk_texts) / floor, 1),
        "ingest_s": round(ingest["seconds"], 2), "ingest_parts_s": ingest["parts"],
        "ingest_overhead_pct": round(overhead, 1),
        "embed_in_ingest_vs_floor_pct": round((ingest["parts"]["embed"] - floor) / floor * 100, 1),
        "resync_1pct": {"edited_docs": len(edited), "seconds": round(resync_s, 2),
                        "pct_of_ingest": round(resync_s / ingest["seconds"] * 100, 2),
                        "changed": len(resync.changed), "chunks_embedded": resync.chunks_embedded,
                        "chunks_reused": resync.chunks_reused, "chunks_deleted": resync.chunks_deleted},
        "resync_noop": {"seconds": round(noop_s, 2), "pct_of_ingest": round(noop_s / ingest["seconds"] * 100, 2),
                        "wrote": noop.wrote},
        "rows_equal_clean_chunking": rows_ok,
        "padded_tokens": padded_tokens(doc_lengths, embedder.batch_size, args.embed_batch),
    }
    return result, index, embedder


def padded_tokens(doc_lengths: list[list[int]], encode_batch: int, embed_batch: int, write_batch: int = 1024) -> dict:
    """Tokens the model processes, padding included: the floor (encode sorts all texts by length)
    vs sync (whole documents per write batch, sorted longest first, then `embed_batch` texts per
    embed call; sync sorts by characters, this by tokens, which is close)."""
    def padded(lengths: list[int]) -> int:
        lengths = sorted(lengths)
        return sum(len(lengths[i : i + encode_batch]) * max(lengths[i : i + encode_batch])
                   for i in range(0, len(lengths), encode_batch))

    batches, current = [], []
    for lengths in doc_lengths:
        current += lengths
        if len(current) >= write_batch:
            batches.append(current)
            current = []
    batches += [current] if current else []
    batches = [sorted(b, reverse=True) for b in batches]
    ingest = sum(padded(b[i : i + embed_batch]) for b in batches for i in range(0, len(b), embed_batch))
    real = sum(map(sum, doc_lengths))
    floor = padded([n for lengths in doc_lengths for n in lengths])
    return {"real": real, "floor": floor, "ingest": ingest, "ingest_vs_floor": round(ingest / floor, 2)}


def _full_ingest(work: Path, embedder, fingerprint: str, chunking: ChunkSettings, folder: Path,
                 embed_batch: int) -> dict:
    timed_embedder = TimedEmbedder(embedder)
    timed_chunker = Timed(make_chunker(timed_embedder, chunking.max_tokens, chunking.overlap))
    t = time.perf_counter()
    index = ChunkIndex.open(work / "index", timed_embedder, fingerprint)
    total, load_s, report = sync_folder(index, folder, timed_chunker, embed_batch)
    seconds = time.perf_counter() - t
    embed_s, chunk_s = timed_embedder.embed.seconds, timed_chunker.seconds
    parts = {"load_corpus": round(load_s, 2), "chunk": round(chunk_s, 2), "embed": round(embed_s, 2),
             "write_fts_other": round(seconds - load_s - chunk_s - embed_s, 2)}
    log(f"full ingest {seconds:.1f} s {parts}; {report.chunks_embedded} chunks embedded")
    return {"seconds": seconds, "parts": parts, "_objects": (index, timed_embedder, timed_chunker)}


# -- part 3: retrieval latency at 100k chunks ------------------------------------------------------

class HashEmbedder:
    """Deterministic fake `Embedder`: a seeded random unit vector per text hash (dim 384)."""

    name, dim, max_tokens = "hash-384", 384, 10**6

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            v = np.random.default_rng(int(content_hash(text)[:16], 16)).standard_normal(self.dim)
            out[i] = v / np.linalg.norm(v)
        return out

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def one_chunk(doc: Document) -> list[Chunk]:
    return [Chunk(id=f"{doc.id}#0", doc_id=doc.id, index=0, text=doc.text, title=doc.title, metadata=dict(doc.metadata))]


def build_synthetic_index(args, work: Path) -> tuple[ChunkIndex, HashEmbedder, float]:
    ids, texts = sc.generate(args.chunks, args.seed + 3, median_sentences=4.0, sigma=0.4, max_sentences=10)
    docs = [Document(id=i, text=t, metadata={"path": i}) for i, t in zip(ids, texts)]
    embedder = HashEmbedder()
    t = time.perf_counter()
    index = ChunkIndex.open(work / "index-100k", embedder, "one-chunk-per-doc")
    index.sync(docs, one_chunk, write_batch=8192, embed_batch=4096)
    return index, embedder, time.perf_counter() - t


def numpy_floor(matrix: np.ndarray, embedder: HashEmbedder, k: int) -> Callable[[str], np.ndarray]:
    def search(query: str) -> np.ndarray:
        scores = matrix @ embedder.embed([query])[0]
        top = np.argpartition(-scores, k - 1)[:k]
        return top[np.argsort(-scores[top])]

    return search


def interleaved_latency(methods: dict[str, Callable[[str], object]], queries: list[str], warmup: int) -> dict:
    """ms per call of each method; each query runs every method, in a rotating order."""
    names = list(methods)
    for q in queries[:warmup]:
        for name in names:
            methods[name](q)
    ms: dict[str, list[float]] = {name: [] for name in names}
    for i, q in enumerate(queries):
        for name in names[i % len(names):] + names[: i % len(names)]:
            t = time.perf_counter()
            methods[name](q)
            ms[name].append((time.perf_counter() - t) * 1000)
    return {name: percentiles(v) for name, v in ms.items()}


def bench_retrieval(args, work: Path) -> dict:
    index, embedder, build_s = build_synthetic_index(args, work)
    log(f"synthetic index: {index.table.count_rows()} chunks in {build_s:.1f} s")
    snapshot = index.vector_snapshot()
    assert snapshot is not None, "the 100k snapshot should fit the default cache budget"
    queries = sc.queries(args.queries, args.seed + 2, names_seed=args.seed + 3)
    k = args.top_k
    methods: dict[str, Callable[[str], object]] = {"numpy_floor": numpy_floor(snapshot.matrix, embedder, k)}
    for name in RETRIEVERS:
        methods[name] = (lambda r: lambda q: retrieve(index, q, retriever=r, top_k=k))(name)
    lat = interleaved_latency(methods, queries, warmup=30)
    floor = lat["numpy_floor"]["p50_ms"]
    for name in RETRIEVERS:
        lat[name]["p50_ratio_vs_floor"] = round(lat[name]["p50_ms"] / floor, 2)
        lat[name]["p95_ratio_vs_floor"] = round(lat[name]["p95_ms"] / lat["numpy_floor"]["p95_ms"], 2)
    with_bm25_hits = sum(1 for q in queries if retrieve(index, q, retriever="bm25", top_k=k)) / len(queries)
    log("latency " + ", ".join(f"{n} p50 {v['p50_ms']} ms" for n, v in lat.items()))
    result = {"chunks": index.table.count_rows(), "build_s": round(build_s, 1), "queries": len(queries),
              "top_k": k, "vectors": "synthetic: seeded random unit vectors per text hash, dim 384",
              "queries_with_bm25_hits": round(with_bm25_hits, 3), "latency": lat,
              "hybrid_candidate_depth": hybrid_module.candidate_depth(k)}
    if args.depth_study:
        result["depth_latency"] = depth_latency(index, queries, k)
    return result


def with_depth(depth: int):
    """Temporarily fix hybrid's candidate depth (the study's only knob)."""
    original = hybrid_module.candidate_depth

    class Ctx:
        def __enter__(self):
            hybrid_module.candidate_depth = lambda top_k: depth

        def __exit__(self, *exc):
            hybrid_module.candidate_depth = original

    return Ctx()


def depth_latency(index: ChunkIndex, queries: list[str], k: int, depths=(10, 20, 30, 50, 100)) -> dict:
    methods = {}
    for d in depths:
        def run(q, d=d):
            with with_depth(d):
                return retrieve(index, q, retriever="hybrid", top_k=k)
        methods[f"depth_{d}"] = run
    lat = interleaved_latency(methods, queries[:200], warmup=20)
    log("hybrid depth latency " + ", ".join(f"{n} {v['p50_ms']} ms" for n, v in lat.items()))
    return lat


def depth_fidelity(index: ChunkIndex, queries: list[str], k: int, depths=(10, 20, 30, 50, 100), ref: int = 200) -> dict:
    """Mean overlap of hybrid's top-k with the top-k of a deep (ref) fusion, real MiniLM vectors."""
    with with_depth(ref):
        reference = [[h.chunk_id for h in retrieve(index, q, retriever="hybrid", top_k=k)] for q in queries]
    out = {}
    for d in depths:
        with with_depth(d):
            got = [[h.chunk_id for h in retrieve(index, q, retriever="hybrid", top_k=k)] for q in queries]
        out[f"depth_{d}"] = {"overlap_at_k": round(statistics.fmean(len(set(a) & set(b)) / k for a, b in zip(got, reference)), 3),
                             "same_order": round(statistics.fmean(a == b for a, b in zip(got, reference)), 3)}
    log(f"hybrid depth fidelity vs depth {ref}: {out}")
    return {"reference_depth": ref, "queries": len(queries), "by_depth": out}


# -- main ---------------------------------------------------------------------------------------

def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--docs", type=int, default=10_000, help="documents in the ingest corpus (>= 10k for the issue)")
    p.add_argument("--chunks", type=int, default=100_000, help="chunks in the synthetic retrieval index")
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--top-k", type=int, default=5)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--edit-fraction", type=float, default=0.01)
    p.add_argument("--floor-runs", type=int, default=2, choices=(1, 2), help="2: floor before and after the ingest")
    p.add_argument("--embed-batch", type=int, default=64,
                   help="texts per embed call in sync (64: the default `ragtune ingest` uses)")
    p.add_argument("--skip-ingest", action="store_true", help="retrieval part only")
    p.add_argument("--no-depth-study", dest="depth_study", action="store_false")
    p.add_argument("--out", type=Path, default=Path("docs/benchmarks/ingest_query.json"))
    p.add_argument("--keep", type=Path, help="keep the generated corpus and indexes in this folder")
    args = p.parse_args()

    started = time.perf_counter()
    result: dict = {"benchmark": "bench/ingest_query.py", "date": time.strftime("%Y-%m-%d %H:%M"),
                    "command": " ".join([Path(sys.executable).name, *sys.argv]), "seed": args.seed,
                    "machine": machine(), "goals": GOALS}
    log(f"machine: {result['machine']}")
    work = Path(tempfile.mkdtemp(prefix="ragtune-bench-")) if args.keep is None else args.keep
    work.mkdir(parents=True, exist_ok=True)
    try:
        if not args.skip_ingest:
            result["ingest"], index, _ = bench_ingest(args, work)
            if args.depth_study:
                queries = sc.queries(100, args.seed + 4, names_seed=args.seed)
                result["hybrid_depth_fidelity_minilm"] = depth_fidelity(index, queries, args.top_k)
        result["retrieval"] = bench_retrieval(args, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    result["total_s"] = round(time.perf_counter() - started, 1)
    result["summary"] = summary(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["summary"], indent=2))
    log(f"wrote {args.out} ({result['total_s']} s in all)")


def summary(result: dict) -> dict:
    out = {}
    if "ingest" in result:
        ing = result["ingest"]
        out["ingest_s"], out["floor_s"] = ing["ingest_s"], ing["floor_s"]
        out["ingest_overhead_pct"] = ing["ingest_overhead_pct"]
        out["resync_1pct_pct_of_ingest"] = ing["resync_1pct"]["pct_of_ingest"]
        out["resync_noop_pct_of_ingest"] = ing["resync_noop"]["pct_of_ingest"]
    lat = result["retrieval"]["latency"]
    out["numpy_floor_p50_ms"] = lat["numpy_floor"]["p50_ms"]
    for name in RETRIEVERS:
        out[f"{name}_p50_ms"], out[f"{name}_p50_ratio"] = lat[name]["p50_ms"], lat[name]["p50_ratio_vs_floor"]
    out["goals_met"] = {
        "ingest_overhead": out.get("ingest_overhead_pct", float("inf")) <= GOALS["ingest_overhead_pct"],
        "resync_1pct": out.get("resync_1pct_pct_of_ingest", float("inf")) <= GOALS["resync_1pct_pct"],
        "hybrid_p50": out["hybrid_p50_ratio"] <= GOALS["hybrid_p50_ratio"],
    }
    return out


if __name__ == "__main__":
    main()
