"""Dense retrieval at scale: Lance's ANN indexes (IVF_PQ, IVF_HNSW_SQ) against exact search.

Sets `ragtune.index.ann`: the row count from which an ANN index is built (`ANN_MIN_ROWS`), its kind (`KIND`) and
its search settings (`SEARCH`). At each size (rows are appended to one table, so every size holds the previous
one) it measures, one query at a time after a warm-up:
- exact: numpy/torch over an in-memory matrix (ragtune's `top_k`, the path below the cache budget) and Lance's
  flat scan (`bypass_vector_index`, the path above it without an index); numpy's top 10 is the ground truth;
- per index kind, built the way ragtune builds it (`ann.index_config`), timed: recall@10 against the ground
  truth and p50/p95 latency over a grid of search settings, each applied the way ragtune applies them
  (`ann.ann_query`).
The queries select the id and the distance only; ragtune reads a hit's text with it, the same cost either way.

The vectors: dim 384 unit vectors from a two-level mixture of Gaussians, so that neighbours are neither
trivially separated nor uniform noise: 64 topic centres, 4096 subtopics around them (a subtopic centre is a
topic centre plus noise of norm 1.2, normalised), each row a subtopic centre plus noise of norm 1.0,
normalised, subtopics drawn with Zipf-like weights (1 / (rank + 10)). Rows of one subtopic are about 0.5
cosine apart, of one topic about 0.2, unrelated ones about 0: roughly the spread of MiniLM's similarities.
Queries are fresh draws from the same mixture. Blocks of 50k rows are seeded by position, so a smaller table
is always the first rows of a larger one.

The threshold: the smallest measured size where ragtune's kind and setting (`ann.KIND`, `ann.SEARCH`), at
recall@10 >= 0.95, answers faster (p50) than Lance's flat scan, and the crossover interpolated linearly
between the sizes around it. `best_at_size` and `robust_setting` say whether another kind or setting would do
better (the setting: recall >= 0.99 at every size, then the lowest worst p50).

Usage: .venv/bin/python bench/ann_scale.py [--rows 5000,10000,20000,50000,100000,1000000] [--queries 200]
       [--flat-queries 100] [--kinds IVF_PQ,IVF_HNSW_SQ] [--dir ~/.cache/ragtune-bench/ann_scale]
       [--out docs/benchmarks/ann_scale.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Callable

import lancedb
import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import machine_info  # noqa: E402

from ragtune.index import ann  # noqa: E402
from ragtune.index.vectors import VectorSnapshot, top_k  # noqa: E402

K, DIM, BLOCK, WARM = 10, 384, 50_000, 5
TOPICS, SUBTOPICS, TOPIC_NOISE, ROW_NOISE = 64, 4096, 1.2, 1.0
RECALL_FLOOR = 0.95  # for the threshold: an ANN setting this good counts as a replacement for exact search
SETTING_FLOOR = 0.99  # for the setting ragtune uses: re-ranking costs 1-2 ms, little beside a query embedding
# HNSW's `ef` must cover the candidates re-ranked (limit x refine_factor): with refine 5, ef starts at 50.
GRID = {"IVF_PQ": [ann.AnnSearch(nprobes=p, refine_factor=r) for p in (10, 20, 40, 80) for r in (0, 5, 20)],
        "IVF_HNSW_SQ": [ann.AnnSearch(nprobes=4, refine_factor=0, ef=e) for e in (20, 40, 80, 160)]
        + [ann.AnnSearch(nprobes=4, refine_factor=5, ef=e) for e in (50, 100, 200)]}


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _noise(rng, n: int, norm: float) -> np.ndarray:
    return rng.standard_normal((n, DIM), dtype=np.float32) * np.float32(norm / np.sqrt(DIM))


def mixture(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Subtopic centres (unit) and their sampling weights."""
    rng = np.random.default_rng(seed)
    topics = _unit(rng.standard_normal((TOPICS, DIM), dtype=np.float32))
    centres = _unit(topics[rng.integers(0, TOPICS, SUBTOPICS)] + _noise(rng, SUBTOPICS, TOPIC_NOISE))
    weights = 1.0 / (np.arange(SUBTOPICS) + 10.0)
    return centres, weights / weights.sum()


def draw(centres: np.ndarray, weights: np.ndarray, n: int, seed: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return _unit(centres[rng.choice(len(centres), n, p=weights)] + _noise(rng, n, ROW_NOISE))


def rows_at(model, seed: int, start: int, stop: int) -> np.ndarray:
    """Rows start..stop of one endless seeded table: block b is always the same BLOCK rows, whatever the sizes."""
    parts = []
    for b in range(start // BLOCK, (stop - 1) // BLOCK + 1):
        block = draw(*model, BLOCK, (seed, b))
        parts.append(block[max(start - b * BLOCK, 0):min(stop - b * BLOCK, BLOCK)])
    return np.concatenate(parts)


def grow(table, matrix: np.ndarray, rows: int, model, seed: int) -> np.ndarray:
    """Append rows until the table holds `rows`; returns all rows' vectors in table order."""
    parts = [matrix]
    for start in range(len(matrix), rows, BLOCK):
        block = rows_at(model, seed, start, min(start + BLOCK, rows))
        table.add(pa.table({"id": np.arange(start, start + len(block), dtype=np.int64),
                            "vector": pa.FixedSizeListArray.from_arrays(pa.array(block.reshape(-1)), DIM)}))
        parts.append(block)
    return np.concatenate(parts)


def exact_top(matrix: np.ndarray, queries: np.ndarray) -> list[list[int]]:
    out = []
    for start in range(0, len(queries), 50):
        scores = queries[start:start + 50] @ matrix.T
        part = np.argpartition(-scores, K - 1, axis=1)[:, :K]
        out += [p[np.argsort(-s[p])].tolist() for s, p in zip(scores, part)]
    return out


def timed(search: Callable[[np.ndarray], list[int]], queries: np.ndarray) -> tuple[dict, list[list[int]]]:
    for q in queries[:WARM]:
        search(q)
    ms, found = [], []
    for q in queries:
        t = time.perf_counter()
        found.append(search(q))
        ms.append((time.perf_counter() - t) * 1000)
    return {"p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95))}, found


def recall(found: list[list[int]], truth: list[list[int]]) -> float:
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)]))


def lance_search(table, search: ann.AnnSearch | None) -> Callable[[np.ndarray], list[int]]:
    def run(q: np.ndarray) -> list[int]:
        builder = table.search(q).distance_type(ann.DISTANCE).limit(K).select(["id", "_distance"])
        builder = builder.bypass_vector_index() if search is None else ann.ann_query(builder, K, search)
        return builder.to_arrow().column("id").to_pylist()
    return run


def measure_size(table, matrix: np.ndarray, queries: np.ndarray, args) -> dict:
    truth = exact_top(matrix, queries)
    snapshot = VectorSnapshot(1, pa.table({"id": np.arange(len(matrix))}), matrix)
    numpy_t, found = timed(lambda q: [i for i, _ in top_k(snapshot, q, K)], queries)
    flat_t, flat_found = timed(lance_search(table, None), queries[:args.flat_queries])
    out = {"rows": len(matrix), "numpy_exact": numpy_t | {"recall": recall(found, truth)},
           "lance_flat": flat_t | {"recall": recall(flat_found, truth[:args.flat_queries])}, "ann": {}}
    print(f"{len(matrix):,} rows: numpy p50 {numpy_t['p50_ms']:.2f} ms, Lance flat p50 {flat_t['p50_ms']:.2f} ms")
    for kind in args.kinds:
        old = ann.vector_index(table)
        if old is not None:
            table.drop_index(old.name)
        start = time.perf_counter()
        table.create_index(ann.VECTOR_COLUMN, config=ann.index_config(kind), name=f"bench_{kind}")
        build_s = time.perf_counter() - start
        settings = []
        for search in GRID[kind]:
            lat, found = timed(lance_search(table, search), queries)
            settings.append({"search": vars(search), "recall": recall(found, truth)} | lat)
            print(f"  {kind:12s} {vars(search)}  recall@10 {settings[-1]['recall']:.3f}  "
                  f"p50 {lat['p50_ms']:.2f}  p95 {lat['p95_ms']:.2f} ms")
        out["ann"][kind] = {"build_s": build_s, "settings": settings}
        print(f"  {kind} built in {build_s:.1f} s")
    return out


def best(size: dict) -> dict | None:
    """The fastest (p50) ANN setting of any kind with recall@10 >= the floor."""
    good = [s | {"kind": kind} for kind, r in size["ann"].items() for s in r["settings"] if s["recall"] >= RECALL_FLOOR]
    return min(good, key=lambda s: s["p50_ms"]) if good else None


def robust_setting(sizes: list[dict], kind: str) -> dict | None:
    """The setting of `kind` with recall >= SETTING_FLOOR at every size (else RECALL_FLOOR) and the lowest
    worst p50."""
    rows = [size["ann"][kind]["settings"] for size in sizes if kind in size["ann"]]
    at = [{"search": first["search"], "min_recall": min(r[i]["recall"] for r in rows),
           "worst_p50_ms": max(r[i]["p50_ms"] for r in rows), "build_s": [s["ann"][kind]["build_s"] for s in sizes]}
          for i, first in enumerate(rows[0])]
    for floor in (SETTING_FLOOR, RECALL_FLOOR):
        good = [c for c in at if c["min_recall"] >= floor]
        if good:
            return min(good, key=lambda c: c["worst_p50_ms"]) | {"floor": floor}
    return None


def ragtune_setting(size: dict) -> dict | None:
    """The measurement of the kind and setting ragtune uses now (`ann.KIND`, `ann.SEARCH`), if in the grid."""
    settings = size["ann"].get(ann.KIND, {}).get("settings", [])
    return next((s for s in settings if s["search"] == vars(ann.SEARCH)), None)


def threshold(sizes: list[dict]) -> dict:
    """Where ragtune's ANN setting, at recall >= RECALL_FLOOR, starts to answer faster (p50) than the flat scan:
    the first measured size, and the crossover interpolated between the sizes around it."""
    margins = []  # (rows, flat p50 - ANN p50), only where the ANN is good enough
    for s in sizes:
        mine = ragtune_setting(s)
        if mine and mine["recall"] >= RECALL_FLOOR:
            margins.append((s["rows"], s["lance_flat"]["p50_ms"] - mine["p50_ms"]))
    first = next((i for i, (_, gap) in enumerate(margins) if gap > 0), None)
    crossover = None
    if first is not None and first > 0:
        (n0, d0), (n1, d1) = margins[first - 1], margins[first]
        crossover = int(n0 + (n1 - n0) * -d0 / (d1 - d0))
    in_memory = [s["rows"] for s in sizes if ragtune_setting(s)
                 and ragtune_setting(s)["p50_ms"] < s["numpy_exact"]["p50_ms"]]
    return {"kind": ann.KIND, "search": vars(ann.SEARCH),
            "first_measured_size_ann_wins": margins[first][0] if first is not None else None,
            "crossover_rows": crossover, "wins_at_smallest_size": first == 0,
            "first_measured_size_ann_beats_in_memory": min(in_memory) if in_memory else None,
            "per_size": [_compared(s) for s in sizes]}


def _compared(size: dict) -> dict:
    out = {"rows": size["rows"], "flat_p50_ms": size["lance_flat"]["p50_ms"],
           "numpy_p50_ms": size["numpy_exact"]["p50_ms"]}
    mine = ragtune_setting(size)
    if mine:
        out |= {"ann_p50_ms": mine["p50_ms"], "ann_recall": mine["recall"],
                "speedup_vs_flat": size["lance_flat"]["p50_ms"] / mine["p50_ms"]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="5000,10000,20000,50000,100000,1000000", help="table sizes, comma-separated")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--flat-queries", type=int, default=100, help="queries timed on Lance's flat scan")
    ap.add_argument("--kinds", default="IVF_PQ,IVF_HNSW_SQ")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--dir", type=Path, default=Path.home() / ".cache/ragtune-bench/ann_scale")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs/benchmarks/ann_scale.json")
    args = ap.parse_args()
    args.kinds = args.kinds.split(",")

    model = mixture(args.seed)
    queries = draw(*model, args.queries, (args.seed, 1 << 40))  # not a block offset
    shutil.rmtree(args.dir, ignore_errors=True)
    table = lancedb.connect(str(args.dir)).create_table("chunks", schema=pa.schema(
        [pa.field("id", pa.int64()), pa.field("vector", pa.list_(pa.float32(), DIM))]))
    matrix, sizes, load = np.zeros((0, DIM), dtype=np.float32), [], [os.getloadavg()[0]]
    try:
        for rows in sorted(int(r) for r in args.rows.split(",")):
            matrix = grow(table, matrix, rows, model, args.seed)
            table.optimize()  # one compacted table per size, as `ChunkIndex.optimize` leaves it
            sizes.append(measure_size(table, matrix, queries, args))
    finally:
        shutil.rmtree(args.dir, ignore_errors=True)
    load.append(os.getloadavg()[0])  # other work on the machine shows here: the figures assume an idle one
    result = {"machine": machine_info.machine("numpy", "lancedb"),
              "config": {"rows": [s["rows"] for s in sizes], "dim": DIM, "queries": args.queries,
                         "flat_queries": args.flat_queries, "k": K, "seed": args.seed, "recall_floor": RECALL_FLOOR,
                         "setting_floor": SETTING_FLOOR, "load_average_1min_start_end": load,
                         "mixture": {"topics": TOPICS, "subtopics": SUBTOPICS, "topic_noise": TOPIC_NOISE,
                                     "row_noise": ROW_NOISE}},
              "sizes": sizes, "best_at_size": [best(s) for s in sizes], "threshold": threshold(sizes),
              "robust_setting": {kind: robust_setting(sizes, kind) for kind in args.kinds}}
    print(json.dumps({k: result[k] for k in ("best_at_size", "threshold", "robust_setting")}, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
