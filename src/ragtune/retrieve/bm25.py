"""BM25 retrieval through LanceDB's native full-text index on the chunk text."""

from __future__ import annotations

from typing import Iterable

from ragtune.index.store import FTS_COLUMN, ChunkIndex
from ragtune.retrieve.dense import Candidate
from ragtune.retrieve.filters import Filter, prefilter
from ragtune.retrieve.hit import RESULT_COLUMNS, Hit, hit_from_row


def bm25_candidates(index: ChunkIndex, query: str, limit: int, where: str | None = None) -> list[Candidate]:
    if not query.strip() or limit <= 0:
        return []
    builder = index.table.search(query, query_type="fts", fts_columns=FTS_COLUMN).limit(limit)
    if where:
        builder = builder.where(where, prefilter=True)
    rows = builder.select(RESULT_COLUMNS + ["_score"]).to_arrow().to_pylist()
    found = [Candidate(r["id"], float(r["_score"]), row=r) for r in rows]
    return sorted(found, key=lambda c: (-c.score, c.chunk_id))


def bm25_search(index: ChunkIndex, query: str, *, top_k: int = 5, filters: Iterable[str | Filter] = ()) -> list[Hit]:
    """The `top_k` chunks by BM25 score for the words of `query`, filters applied first."""
    pre = prefilter(index, filters)
    if pre.matches_nothing:
        return []
    return [hit_from_row(c.row, c.score, {"bm25": rank}, {"bm25": c.score})
            for rank, c in enumerate(bm25_candidates(index, query, top_k, pre.sql()), start=1)]
