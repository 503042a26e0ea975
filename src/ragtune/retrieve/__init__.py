"""Dense, BM25 and hybrid retrieval over the index, with metadata filters."""

from ragtune.retrieve.bm25 import bm25_search
from ragtune.retrieve.dense import dense_search
from ragtune.retrieve.filters import Filter, FilterError, parse_filter, parse_filters
from ragtune.retrieve.hit import Hit
from ragtune.retrieve.hybrid import hybrid_search, rrf_fuse
from ragtune.retrieve.search import RETRIEVERS, retrieve

__all__ = ["Filter", "FilterError", "Hit", "RETRIEVERS", "bm25_search", "dense_search", "hybrid_search",
           "parse_filter", "parse_filters", "retrieve", "rrf_fuse"]
