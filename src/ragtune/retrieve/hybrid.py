"""Hybrid retrieval: dense and BM25 lists fused by reciprocal rank fusion (Cormack et al., 2009).

RRF score of a chunk = sum over retrievers r of weight_r / (k + rank_r), rank 1-based; a chunk
missing from a list gets nothing from it. Each side fetches a deeper list than top_k so a chunk
ranked modestly by both can still win.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from ragtune.index.store import ChunkIndex
from ragtune.retrieve.bm25 import bm25_candidates
from ragtune.retrieve.dense import Candidate, dense_candidates, rows_of
from ragtune.retrieve.filters import Filter, prefilter
from ragtune.retrieve.hit import Hit, hit_from_row

DEFAULT_WEIGHTS = {"dense": 1.0, "bm25": 1.0}


def candidate_depth(top_k: int) -> int:
    return max(50, 4 * top_k)


def rrf_fuse(rankings: Mapping[str, Sequence[str]], *, k: int = 60,
             weights: Mapping[str, float] | None = None) -> list[tuple[str, float]]:
    """Fuse ranked id lists (best first) into (id, score) best first; ties broken by id."""
    scores: dict[str, float] = {}
    for name, ids in rankings.items():
        weight = 1.0 if weights is None else float(weights.get(name, 1.0))
        for rank, item in enumerate(ids, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


def hybrid_search(index: ChunkIndex, query: str, *, top_k: int = 5, filters: Iterable[str | Filter] = (),
                  rrf_k: int = 60, weights: Mapping[str, float] | None = None) -> list[Hit]:
    """The `top_k` chunks by RRF over dense and BM25 lists (filters applied to both before ranking)."""
    pre = prefilter(index, filters)
    if pre.matches_nothing:
        return []
    weights = {**DEFAULT_WEIGHTS, **(weights or {})}
    depth = candidate_depth(top_k)
    lists: dict[str, list[Candidate]] = {}
    # (Running the two sides in threads measured no faster on 2 cores: both are CPU-bound.)
    if weights["dense"] > 0:
        lists["dense"] = dense_candidates(index, index.embed_query(query), depth, pre)
    if weights["bm25"] > 0:
        lists["bm25"] = bm25_candidates(index, query, depth, pre)
    fused = rrf_fuse({n: [c.chunk_id for c in cands] for n, cands in lists.items()}, k=rrf_k, weights=weights)
    fused = fused[:top_k]
    by_id: dict[str, Candidate] = {}
    for name in ("bm25", "dense"):  # prefer a candidate whose row is already read
        for c in lists.get(name, []):
            if c.chunk_id not in by_id or (by_id[c.chunk_id].row is None and c.row is not None):
                by_id[c.chunk_id] = c
    hits = []
    rows = rows_of([by_id[cid] for cid, _ in fused])
    for (cid, score), row in zip(fused, rows):
        ranks, raw = {}, {}
        for name, cands in lists.items():
            for rank, c in enumerate(cands, start=1):
                if c.chunk_id == cid:
                    ranks[name], raw[name] = rank, c.score
                    break
        hits.append(hit_from_row(row, score, ranks, raw))
    return hits
