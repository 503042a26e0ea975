"""`ChunkIndex`: the open LanceDB table of chunks, with the settings it was built with."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Iterable, Sequence

import lancedb
import numpy as np
import pyarrow as pa
from lancedb.index import FTS

from ragtune.corpus.document import Chunk, Document
from ragtune.errors import CorruptIndexError, IndexMismatchError
from ragtune.index.ann import ensure_vector_index
from ragtune.index.schema import FORMAT, IndexMeta, chunk_schema
from ragtune.index.lock import writer_lock
from ragtune.index.sql import sql_string
from ragtune.index.sync import Chunker, Progress, SyncEngine, SyncReport, sync_index
from ragtune.index.vectors import VectorSnapshot, load_snapshot, snapshot_bytes
from ragtune.models.protocols import Embedder

TABLE = "chunks"
FTS_COLUMN = "text"
DEFAULT_CACHE_BYTES = 1 << 30  # up to 1 GiB (about 450k chunks at dim 384) is searched in memory


@dataclass(frozen=True)
class IndexStats:
    path: str
    documents: int
    chunks: int
    version: int
    embedder: str
    dim: int
    chunking: str


class TableVersion:
    """The table's version as last read, shared by every view of one table (`with_embedder`).

    Lance answers `table.version` through its event loop thread: 0.3 ms, 40 % of a BM25 query on a small
    corpus. Every write through this process calls `wrote`; a write by another process (an ingest while a
    server answers) is picked up when the cached version is older than `refresh_s` (the connection checks
    for a newer one at the same interval). A generation count keeps a reader that read the version just
    before a write from storing the old one after it."""

    def __init__(self, refresh_s: float = 5.0):
        self._lock = threading.Lock()
        self._current: int | None = None
        self._read_at = 0.0
        self._generation = 0
        self.refresh_s = refresh_s

    def read(self, table) -> int:
        current, generation = self._current, self._generation
        if current is not None and time.monotonic() - self._read_at < self.refresh_s:
            return current
        found = int(table.version)
        with self._lock:
            if self._generation == generation:
                self._current, self._read_at = found, time.monotonic()
        return found

    def wrote(self) -> None:
        with self._lock:
            self._generation += 1
            self._current = None


class ChunkIndex:
    """An open index directory. Open it with `ChunkIndex.open`; fill it with `sync`."""

    def __init__(self, path: Path | str, db, table, embedder: Embedder, meta: IndexMeta, max_cache_bytes: int,
                 versions: TableVersion | None = None, storage_options: dict[str, str] | None = None,
                 lock_timeout_s: float = 600.0):
        self.path = path  # a local folder (Path), or an object-store URI (str)
        self.storage_options = dict(storage_options or {})
        self.lock_timeout_s = lock_timeout_s
        self.db = db
        self.table = table
        self.embedder = embedder
        self.meta = meta
        self.max_cache_bytes = max_cache_bytes
        self.versions = versions or TableVersion()
        self._snapshot: VectorSnapshot | None = None
        self._snapshot_lock = threading.Lock()  # threads asking for a new version wait for one load, not make their own
        self._doc_meta: tuple[int, dict[str, dict[str, Any]]] | None = None

    @classmethod
    def open(cls, path: str | Path, embedder: Embedder, chunking: str = "", *, rebuild: bool = False,
             max_cache_bytes: int = DEFAULT_CACHE_BYTES, storage_options: dict[str, str] | None = None,
             refresh_s: float = 5.0, lock_timeout_s: float = 600.0) -> ChunkIndex:
        """Open (or create) the index at `path` (a folder, or an object-store URI such as "s3://bucket/prefix"
        with LanceDB's `storage_options`) for `embedder`.

        `chunking` fingerprints the chunker settings; an index built with another embedder or
        chunking raises `IndexMismatchError` unless `rebuild=True`, which empties it first (holding the
        writer lock, `ragtune.index.lock`). Another process's writes are seen within `refresh_s`.
        """
        path = path if isinstance(path, str) and "://" in path else Path(path)
        meta = IndexMeta(embedder=embedder.name, dim=int(embedder.dim), chunking=chunking)
        db = lancedb.connect(str(path), storage_options=storage_options or None,
                             read_consistency_interval=timedelta(seconds=refresh_s))
        index = cls(path, db, None, embedder, meta, max_cache_bytes, TableVersion(refresh_s), storage_options,
                    lock_timeout_s)
        if TABLE in db.list_tables().tables and not rebuild:
            index.table = db.open_table(TABLE)
            _check_meta(path, IndexMeta.from_schema(index.table.schema), meta)
        else:
            with index.writing():
                index.table = db.create_table(TABLE, schema=chunk_schema(meta),
                                              mode="overwrite" if rebuild else "create", exist_ok=not rebuild)
        index.ensure_fts()
        return index

    def writing(self):
        """The index's writer lock (`ragtune.index.lock`): one writer at a time, across processes."""
        return writer_lock(str(self.path), self.storage_options, self.lock_timeout_s)

    def with_embedder(self, embedder: Embedder) -> ChunkIndex:
        """The same table seen through another copy of its embedder (a writer's, so it never waits for the
        readers' one); its in-memory caches are its own."""
        return ChunkIndex(self.path, self.db, self.table, embedder, self.meta, self.max_cache_bytes, self.versions,
                          self.storage_options, self.lock_timeout_s)

    @property
    def version(self) -> int:
        return self.versions.read(self.table)

    def wrote(self) -> None:
        """Every write through `table` calls this: the next `version` asks Lance again."""
        self.versions.wrote()

    def sync(self, documents: Iterable[Document], chunker: Chunker, *, rebuild: bool = False,
             progress: Progress | None = None, write_batch: int = 1024, embed_batch: int = 64,
             engine: SyncEngine | None = None) -> SyncReport:
        """Make the index hold exactly the chunks of `documents` (see `ragtune.index.sync`), holding the writer
        lock: a second writer waits for this one, so it plans from what this one wrote. `engine` chunks and
        embeds (default: this process; `ragtune.index.engine`)."""
        with self.writing():
            self.table.checkout_latest()  # plan from the newest version, whoever wrote it
            self.wrote()
            if rebuild:
                self.table = self.db.create_table(TABLE, schema=chunk_schema(self.meta), mode="overwrite")
                self.wrote()
                self.ensure_fts()
            return sync_index(self, documents, chunker, progress=progress, write_batch=write_batch,
                              embed_batch=embed_batch, engine=engine)

    # -- maintenance -------------------------------------------------------------------------

    def ensure_fts(self) -> None:
        """Create the full-text index if missing (a fresh table, or a crash during a rebuild).

        Rows added after the index was built stay searchable (Lance scans them unindexed) until
        `optimize` folds them in, so the index never has to be current for BM25 to be correct.
        """
        if not any(FTS_COLUMN in ix.columns and ix.index_type == "FTS" for ix in self.table.list_indices()):
            self.table.create_index(FTS_COLUMN, config=FTS(), replace=True)
            self.wrote()

    def fts_unindexed_rows(self) -> int:
        for ix in self.table.list_indices():
            if ix.index_type == "FTS":
                stats = self.table.index_stats(ix.name)
                return int(stats.num_unindexed_rows) if stats else 0
        return 0

    def optimize(self) -> None:
        """Fold new rows into the FTS and vector indexes and compact small files (each sync batch is one file);
        past `ann.ANN_MIN_ROWS` rows, build (or train again) the ANN vector index."""
        self.ensure_fts()
        self.table.optimize()
        ensure_vector_index(self.table)
        self.wrote()

    # -- reading ----------------------------------------------------------------------------

    def scan(self, columns: Sequence[str], where: str | None = None) -> pa.Table:
        query = self.table.search().select(list(columns))
        if where:
            query = query.where(where)
        return query.to_arrow()

    def doc_ids(self) -> list[str]:
        return sorted(set(self.scan(["doc_id"]).column("doc_id").to_pylist()))

    def get_chunks(self, doc_id: str) -> list[Chunk]:
        """The chunks stored for `doc_id`, in order (empty if it is not indexed)."""
        return self.chunks(f"doc_id = {sql_string(doc_id)}")

    def chunks(self, where: str | None = None) -> list[Chunk]:
        """Stored chunks (all, or those matching a SQL `where`), ordered by document then position."""
        rows = self.scan(["id", "doc_id", "idx", "text", "title", "metadata"], where)
        chunks = [Chunk(id=r["id"], doc_id=r["doc_id"], index=r["idx"], text=r["text"], title=r["title"] or "",
                        metadata=json.loads(r["metadata"] or "{}")) for r in rows.to_pylist()]
        return sorted(chunks, key=lambda c: (c.doc_id, c.index, c.id))

    def stats(self) -> IndexStats:
        return IndexStats(path=str(self.path), documents=len(self.doc_ids()), chunks=self.table.count_rows(),
                          version=self.version, embedder=self.meta.embedder, dim=self.meta.dim,
                          chunking=self.meta.chunking)

    def vector_snapshot(self) -> VectorSnapshot | None:
        """The vectors in memory for numpy search, or None when they exceed the cache budget."""
        version = self.version
        found = self._snapshot
        if found is not None and found.version == version:
            return found
        with self._snapshot_lock:
            if self._snapshot is not None and self._snapshot.version == version:
                return self._snapshot  # another thread loaded it while this one waited
            self._snapshot = None
            rows = self.table.count_rows()
            # Estimate text at 1 KiB a chunk, metadata included; exact sizes would need a scan.
            if snapshot_bytes(rows, self.meta.dim, rows * 1024) > self.max_cache_bytes:
                return None
            self._snapshot = load_snapshot(self.table, version, self.meta.dim)
            return self._snapshot

    def doc_metadata(self) -> dict[str, dict[str, Any]]:
        """Each document's metadata (from its first chunk), cached per table version, for filters."""
        version = self.version
        if self._doc_meta is None or self._doc_meta[0] != version:
            rows = self.scan(["doc_id", "metadata"], "idx = 0").to_pylist()
            self._doc_meta = (version, {r["doc_id"]: json.loads(r["metadata"] or "{}") for r in rows})
        return self._doc_meta[1]

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embedder.embed([text]), dtype=np.float32)[0]


def _check_meta(path: Path, found: IndexMeta, wanted: IndexMeta) -> None:
    if found.format != FORMAT:
        raise IndexMismatchError(f"the index at {path} has format {found.format}, this ragtune writes {FORMAT}; "
                                 "rebuild it with `ragtune ingest --rebuild` (or `ChunkIndex.open(..., rebuild=True)`).")
    problems = []
    if (found.embedder, found.dim) != (wanted.embedder, wanted.dim):
        problems.append(f"embedder {found.embedder!r} (dim {found.dim}), now {wanted.embedder!r} (dim {wanted.dim})")
    if found.chunking != wanted.chunking:
        problems.append(f"chunking {found.chunking!r}, now {wanted.chunking!r}")
    if problems:
        raise IndexMismatchError(f"the index at {path} was built with {'; '.join(problems)}. Its vectors and chunks "
                                 "do not fit the current settings: rebuild it with `ragtune ingest --rebuild` "
                                 "(or `ChunkIndex.open(..., rebuild=True)`), or restore the old settings.")


__all__ = ["ChunkIndex", "IndexStats", "CorruptIndexError", "TABLE"]
