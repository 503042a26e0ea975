"""Dense search after a real query embedding: numpy's BLAS vs torch for the matrix-vector product.

Found by bench/peers.py: at 10k chunks ragtune's dense p50 was 32 ms and p95 111 ms, while LangChain,
with the same MiniLM query embedding, took 18 / 25 ms. The cause is two thread pools taking turns on
the same cores: torch's OpenMP threads (the embedder) and numpy's OpenBLAS threads (the product), each
spinning for a while after its call and so stealing the other's cores. This benchmark times the same
query loop both ways in one process, interleaved: embed the query with the packaged MiniLM (ragtune's
`SentenceTransformerEmbedder`), then score every chunk:
- baseline: `matrix @ query` in numpy (ragtune before this benchmark);
- ragtune: `ragtune.index.vectors.top_k`, which runs `torch.mv` on the same memory.
The chunk vectors are seeded random unit vectors (the product costs the same for any values).

Usage: .venv/bin/python bench/dense_threads.py [--chunks 10000] [--queries 200] [--out docs/benchmarks/dense_threads.json]
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine_info  # noqa: E402
import synthetic_corpus as sc  # noqa: E402

from ragtune.index.vectors import VectorSnapshot, top_k  # noqa: E402
from ragtune.models.packaged import packaged_embedder_path  # noqa: E402
from ragtune.models.st_embedder import SentenceTransformerEmbedder  # noqa: E402

K = 10
BLOCK, WARM = 25, 3  # queries per block of one method; untimed repeats of the previous block's last ones


def numpy_top_k(snapshot: VectorSnapshot, query: np.ndarray, k: int) -> list[int]:
    scores = snapshot.matrix @ (query / np.linalg.norm(query))
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")].tolist()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chunks", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs/benchmarks/dense_threads.json")
    args = ap.parse_args()

    embedder = SentenceTransformerEmbedder(packaged_embedder_path(), device="cpu")
    rng = np.random.default_rng(args.seed)
    matrix = rng.standard_normal((args.chunks, embedder.dim), dtype=np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    rows = pa.table({"id": [f"c{i:06d}" for i in range(args.chunks)]})
    snapshot = VectorSnapshot(version=1, rows=rows, matrix=matrix)
    queries = sc.queries(args.queries, args.seed + 3, args.seed)

    methods = {"numpy @ (baseline)": lambda q: numpy_top_k(snapshot, q, K),
               "torch.mv (ragtune top_k)": lambda q: [i for i, _ in top_k(snapshot, q, K)]}
    # Blocks, not per-query interleaving: a numpy call leaves OpenBLAS threads spinning into the next
    # embedding whichever method that query uses, so alternating per query slows both alike.
    ms: dict[str, list[float]] = {name: [] for name in methods}
    found: dict[str, list[list[int]]] = {name: [] for name in methods}
    for block in range(0, len(queries), BLOCK):
        order = list(methods) if (block // BLOCK) % 2 == 0 else list(methods)[::-1]
        for name in order:
            for j, text in enumerate(queries[max(0, block - WARM): block + BLOCK]):
                t = time.perf_counter()
                ids = methods[name](embedder.embed([text])[0])
                if j >= min(WARM, block):  # the block's first queries only warm it up
                    ms[name].append((time.perf_counter() - t) * 1000)
                    found[name].append(ids)
    agree = sum(a == b for a, b in zip(*found.values()))

    result = {"machine": machine_info.machine("numpy", "sentence_transformers"),
              "config": {"chunks": args.chunks, "queries": args.queries, "k": K, "seed": args.seed},
              "same_top_k": agree, "methods": {}}
    base = None
    print(f"{args.chunks:,} chunks x {embedder.dim}, {args.queries} queries, embed + top {K} (ms)")
    for name, values in ms.items():
        p50, p95 = float(np.percentile(values, 50)), float(np.percentile(values, 95))
        base = base or (p50, p95)
        result["methods"][name] = {"p50_ms": p50, "p95_ms": p95, "mean_ms": float(np.mean(values)),
                                   "p50_speedup": base[0] / p50, "p95_speedup": base[1] / p95}
        print(f"  {name:26s} p50 {p50:6.2f}  p95 {p95:6.2f}  speed-up p50 {base[0] / p50:.2f}x  p95 {base[1] / p95:.2f}x")
    print(f"  same top {K} both ways: {agree} / {args.queries}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
