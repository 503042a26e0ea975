"""LanceDB store of chunks: sync a corpus incrementally, vectors + full-text index."""

from ragtune.errors import ChunkIndexError, CorruptIndexError, IndexMismatchError
from ragtune.index.plan import IndexedDoc, SyncPlan, plan_sync
from ragtune.index.store import ChunkIndex, IndexStats
from ragtune.index.sync import DuplicateDocumentError, SyncReport

__all__ = ["ChunkIndex", "ChunkIndexError", "CorruptIndexError", "DuplicateDocumentError", "IndexMismatchError",
           "IndexStats", "IndexedDoc", "SyncPlan", "SyncReport", "plan_sync"]
