"""BM25 retrieval through LanceDB's native full-text index on the chunk text.

When the index's in-memory snapshot is loaded, the full-text search returns only row ids and
scores, and hits take their columns from memory: fetching the text of every candidate from disk
cost more than the search itself (hybrid's 50 candidates: about 5 ms vs 2 ms at 100k chunks).
"""

from __future__ import annotations

from typing import Iterable

from ragtune.index.store import FTS_COLUMN, ChunkIndex
from ragtune.retrieve.dense import Candidate, row_of
from ragtune.retrieve.filters import Filter, prefilter
from ragtune.retrieve.hit import RESULT_COLUMNS, Hit, hit_from_row


def _fts(index: ChunkIndex, query: str, limit: int, where: str | None):
    builder = index.table.search(query, query_type="fts", fts_columns=FTS_COLUMN).limit(limit)
    return builder.where(where, prefilter=True) if where else builder


def bm25_candidates(index: ChunkIndex, query: str, limit: int, where: str | None = None) -> list[Candidate]:
    if not query.strip() or limit <= 0:
        return []
    found = _from_snapshot(index, query, limit, where)
    if found is None:  # no snapshot (over the cache budget): read the hit columns with the search
        rows = _fts(index, query, limit, where).select(RESULT_COLUMNS + ["_score"]).to_arrow().to_pylist()
        found = [Candidate(r["id"], float(r["_score"]), row=r) for r in rows]
    return sorted(found, key=lambda c: (-c.score, c.chunk_id))


def _from_snapshot(index: ChunkIndex, query: str, limit: int, where: str | None) -> list[Candidate] | None:
    snapshot = index.vector_snapshot()
    if snapshot is None:
        return None
    data = _fts(index, query, limit, where).with_row_id(True).select(["_score"]).to_arrow()
    positions = snapshot.positions(data.column("_rowid").to_numpy())
    if positions is None:
        return None
    ids = snapshot.rows.column("id")
    return [Candidate(ids[p].as_py(), float(s), snapshot=snapshot, position=p)
            for p, s in zip(positions.tolist(), data.column("_score").to_pylist())]


def bm25_search(index: ChunkIndex, query: str, *, top_k: int = 5, filters: Iterable[str | Filter] = ()) -> list[Hit]:
    """The `top_k` chunks by BM25 score for the words of `query`, filters applied first."""
    pre = prefilter(index, filters)
    if pre.matches_nothing:
        return []
    return [hit_from_row(row_of(c), c.score, {"bm25": rank}, {"bm25": c.score})
            for rank, c in enumerate(bm25_candidates(index, query, top_k, pre.sql()), start=1)]
