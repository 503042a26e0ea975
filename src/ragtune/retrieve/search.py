"""`retrieve`: the one entry point the CLI and the variants call."""

from __future__ import annotations

from typing import Iterable, Literal, Mapping

from ragtune.errors import RetrievalError
from ragtune.index.store import ChunkIndex
from ragtune.retrieve.bm25 import bm25_search
from ragtune.retrieve.dense import dense_search
from ragtune.retrieve.filters import Filter
from ragtune.retrieve.hit import Hit
from ragtune.retrieve.hybrid import hybrid_search

Retriever = Literal["dense", "bm25", "hybrid"]
RETRIEVERS = ("dense", "bm25", "hybrid")


def retrieve(index: ChunkIndex, query: str, *, retriever: Retriever = "hybrid", top_k: int = 5,
             filters: Iterable[str | Filter] = (), rrf_k: int = 60,
             weights: Mapping[str, float] | None = None) -> list[Hit]:
    """The `top_k` chunks for `query`. `filters` are strings like `path^=guides/` or Filter objects."""
    if top_k < 1:
        raise RetrievalError(f"top_k must be at least 1, got {top_k}")
    if retriever == "dense":
        return dense_search(index, query, top_k=top_k, filters=filters)
    if retriever == "bm25":
        return bm25_search(index, query, top_k=top_k, filters=filters)
    if retriever == "hybrid":
        return hybrid_search(index, query, top_k=top_k, filters=filters, rrf_k=rrf_k, weights=weights)
    raise RetrievalError(f"unknown retriever {retriever!r}; use one of {', '.join(RETRIEVERS)}.")
