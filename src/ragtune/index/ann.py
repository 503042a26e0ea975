"""The approximate (ANN) vector index on `chunks.vector`: built past a measured size, kept current by `optimize`.

Dense search is exact while the table fits the cache budget (numpy over the snapshot, `vectors.py`); beyond it
Lance searches, and its flat scan grows with the table while an ANN index does not (bench/ann_scale.py,
docs/benchmarks/ann_scale.json). Lance keeps the index correct between builds: rows added after it are
scanned flat and merged with the index's candidates, and deleted rows are never returned. `ChunkIndex.optimize`
calls `ensure_vector_index`; Lance's `optimize` folds new rows into the existing partitions (its centroids stay),
so the index is trained again once the table has grown `RETRAIN_GROWTH`-fold since training, which also keeps
the total training work linear in the table's final size.

The row count an index was trained at is in its name (`vector_ann_<rows>`), written in the commit that makes
the index: there is no sidecar that could disagree with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lancedb.index import IvfHnswSq, IvfPq

VECTOR_COLUMN = "vector"
NAME_PREFIX = "vector_ann_"
DISTANCE = "cosine"  # what dense search asks for: an index must be trained for the distance it is searched with
# Rows from which an ANN index is built. bench/ann_scale.py at 5k-50k rows (docs/benchmarks/ann_scale.json, 2 cores;
# 100k and 1M are `make bench-ann`), with KIND and SEARCH against Lance's flat scan, p50: 3.2 vs 4.5 ms at 5k rows,
# 3.2 vs 6.1 at 10k, 3.6 vs 11.2 at 20k, 3.3 vs 35.7 at 50k, recall@10 1.0 at each. A run on a busier machine put
# the crossover near 7k (4.2 vs 2.7 ms at 5k); from 10k the index won in both (1.6-1.9x), for a build of 1.6-5 s
# (once, then once per doubling).
ANN_MIN_ROWS = 10_000
RETRAIN_GROWTH = 2.0  # train again when the table holds this many times the rows the index was trained on
# Chosen over IVF_PQ by the same run: IVF_PQ's codes (Lance's default 24 sub-vectors at dim 384) found 0.42-0.55 of
# the top 10 alone and needed the top 200 re-ranked to reach 0.95, its recall falling with size (0.999 at 5k,
# 0.948 at 50k, p50 3.7-4.5 ms); IVF_HNSW_SQ kept 1.0 at every size, and built as fast (9.4 s vs 11.5 s at 50k).
KIND = "IVF_HNSW_SQ"


@dataclass(frozen=True)
class AnnSearch:
    """How a query searches the index: partitions probed first (more when a filter leaves too few rows),
    candidates re-ranked on the full vectors (`refine_factor` x the limit), HNSW's candidate list `ef`."""

    nprobes: int
    refine_factor: int
    ef: int | None = None


# Chosen by bench/ann_scale.py (docs/benchmarks/ann_scale.json, 5k-1M rows, 2 cores): ef 100 kept recall@10 >= 0.998
# up to 100k but fell to 0.929 at 1M (p50 3.5 ms); ef 200 is the cheapest setting that kept >= 0.977 at every
# size, 1M included, p50 at most 4.0 ms (flat scan at 1M: 396 ms; exact numpy: 97 ms). Without re-ranking HNSW_SQ
# found 0.95-0.99, and its scores were 8-bit approximations of the cosine. Lance makes one HNSW partition per
# million rows: 4 probes search them all up to about 4M rows.
SEARCH = AnnSearch(nprobes=4, refine_factor=5, ef=200)


def index_config(kind: str = KIND) -> Any:
    """The index to build: Lance's default partitioning (IVF_PQ: about 8k rows a partition; HNSW: one graph per
    million rows), trained for cosine distance."""
    if kind == "IVF_PQ":
        return IvfPq(distance_type=DISTANCE)
    if kind == "IVF_HNSW_SQ":
        return IvfHnswSq(distance_type=DISTANCE)
    raise ValueError(f"unknown ANN index kind {kind!r}: use IVF_PQ or IVF_HNSW_SQ")


def vector_index(table) -> Any | None:
    """The ANN index on the vector column (a `lancedb` IndexConfig), or None."""
    return next((ix for ix in table.list_indices() if VECTOR_COLUMN in ix.columns), None)


def trained_rows(index) -> int:
    """The row count `index` was trained at (from its name); an index ragtune did not name counts as current."""
    suffix = index.name[len(NAME_PREFIX):] if index.name.startswith(NAME_PREFIX) else ""
    return int(suffix) if suffix.isdigit() else -1


def ensure_vector_index(table, *, min_rows: int | None = None, kind: str = KIND) -> str | None:
    """Build the ANN index once the table reaches `min_rows` (default `ANN_MIN_ROWS`), or train it again once
    the table has grown `RETRAIN_GROWTH`-fold since. Returns "built", "retrained" or None (nothing to do).

    Call it after `table.optimize()`, which folds rows added since training into the index. A new index
    replaces the old one after it is complete, so searches never lose the index in between."""
    threshold = ANN_MIN_ROWS if min_rows is None else min_rows
    rows = table.count_rows()
    found = vector_index(table)
    if found is None:
        if rows < max(threshold, 1):
            return None
        _train(table, rows, kind)
        return "built"
    trained = trained_rows(found)
    if trained < 0 or rows < RETRAIN_GROWTH * trained:
        return None
    _train(table, rows, kind)
    table.drop_index(found.name)
    return "retrained"


def _train(table, rows: int, kind: str) -> None:
    table.create_index(VECTOR_COLUMN, config=index_config(kind), name=f"{NAME_PREFIX}{rows}", replace=True)


def ann_query(builder, limit: int, search: AnnSearch = SEARCH):
    """Apply `search` to a Lance vector query. Lance uses these only where an ANN index exists: without one the
    query is the exact flat scan whatever they say. `maximum_nprobes(0)` lets a narrow filter probe on until
    the limit is met, so a filter never loses matches to the probe count."""
    builder = builder.minimum_nprobes(search.nprobes).maximum_nprobes(0)
    if search.refine_factor:
        builder = builder.refine_factor(search.refine_factor)
    # HNSW refuses an `ef` below the candidates it is asked for (the limit, times the refine factor).
    return builder.ef(max(search.ef, limit * max(search.refine_factor, 1))) if search.ef else builder
