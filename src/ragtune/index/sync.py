"""Incremental sync: make the table hold exactly the chunks a clean rebuild would, doing little work.

Crash safety comes from the write order and Lance's atomic commits:
1. new documents go in with `add`; changed ones with one `merge_insert` per batch that upserts the
   new rows and deletes the doc's stale rows in the same commit, so a reader sees either the old or
   the new version of a document, never both and never a mix;
2. removed documents are deleted last (their vectors can still be reused by a renamed file);
3. `optimize` folds new rows into the FTS index; rows it has not reached are still searched.
A kill at any point leaves every committed batch whole; the next sync's plan redoes the rest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol, Sequence

import numpy as np
import pyarrow as pa

from ragtune.corpus.document import Chunk, Document
from ragtune.errors import DuplicateDocumentError
from ragtune.index.plan import IndexedDoc, plan_sync, summarize_rows
from ragtune.index.schema import IndexMeta, chunk_row, rows_to_table
from ragtune.index.sql import in_batches, sql_in
from ragtune.models.protocols import Embedder

Chunker = Callable[[Document], list[Chunk]]
Progress = Callable[[int, int], None]  # (chunks embedded so far, chunks to embed)


class SyncTarget(Protocol):
    """What a sync needs of a `ChunkIndex` (which calls `sync_index` on itself): its table, embedder and
    format, reads, and FTS upkeep."""

    table: Any
    embedder: Embedder
    meta: IndexMeta

    @property
    def version(self) -> int: ...

    def scan(self, columns: Sequence[str], where: str | None = None) -> pa.Table: ...

    def ensure_fts(self) -> None: ...

    def fts_unindexed_rows(self) -> int: ...

    def wrote(self) -> None: ...

    def optimize(self) -> None: ...


@dataclass(frozen=True)
class SyncReport:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    empty: tuple[str, ...]  # documents that yielded no chunks (nothing to index)
    chunks_embedded: int
    chunks_reused: int  # vectors copied from rows with the same chunk hash instead of embedded
    chunks_deleted: int
    seconds: float
    version: int

    @property
    def wrote(self) -> bool:
        return bool(self.added or self.changed or self.removed)



def _unique(documents: Iterable[Document]) -> dict[str, Document]:
    docs: dict[str, Document] = {}
    for doc in documents:
        if doc.id in docs:
            raise DuplicateDocumentError(f"two documents have the id {doc.id!r}; give each a unique id.")
        docs[doc.id] = doc
    return docs


def read_state(index: SyncTarget) -> tuple[dict[str, IndexedDoc], set[str]]:
    """What the table holds per document, and the set of chunk hashes present (for vector reuse)."""
    data = index.scan(["doc_id", "doc_hash", "n_chunks", "idx", "chunk_hash"])
    state = summarize_rows(data.column("doc_id").to_pylist(), data.column("doc_hash").to_pylist(),
                           data.column("n_chunks").to_pylist(), data.column("idx").to_pylist())
    return state, set(data.column("chunk_hash").to_pylist())


def stored_vectors(index: SyncTarget, hashes: Iterable[str]) -> dict[str, np.ndarray]:
    """Vectors already in the table for these chunk hashes (same embedder, same embedded text)."""
    found: dict[str, np.ndarray] = {}
    for part in in_batches(hashes):
        data = index.scan(["chunk_hash", "vector"], sql_in("chunk_hash", part))
        if data.num_rows:
            matrix = data.column("vector").combine_chunks().flatten().to_numpy().reshape(data.num_rows, -1)
            for h, vec in zip(data.column("chunk_hash").to_pylist(), matrix):
                found[h] = np.array(vec, dtype=np.float32)
    return found


def _batches(items: list[tuple[Document, list[Chunk]]], size: int) -> Iterable[list[tuple[Document, list[Chunk]]]]:
    """Whole documents per batch, about `size` chunks each, so a batch commits a doc completely."""
    batch: list[tuple[Document, list[Chunk]]] = []
    count = 0
    for item in items:
        batch.append(item)
        count += len(item[1])
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


class _Embedder:
    """Embeds the chunks that have no vector yet, each distinct chunk hash once, reporting progress."""

    def __init__(self, index: SyncTarget, known: dict[str, np.ndarray], total: int, batch: int,
                 progress: Progress | None):
        self.index, self.known, self.total, self.batch, self.progress = index, known, total, batch, progress
        self.done = 0

    def vectors(self, chunks: list[Chunk]) -> np.ndarray:
        todo: dict[str, str] = {}
        for c in chunks:
            if c.hash not in self.known:
                todo.setdefault(c.hash, c.text)
        # Longest first, so each embed batch holds texts of similar length: batches padded to their
        # longest member cost 2.6x the tokens on a corpus of mixed-length documents (bench/ingest_query.py).
        hashes = sorted(todo, key=lambda h: -len(todo[h]))
        texts = [todo[h] for h in hashes]
        for start in range(0, len(texts), self.batch):
            vecs = np.asarray(self.index.embedder.embed(texts[start : start + self.batch]), dtype=np.float32)
            for h, v in zip(hashes[start : start + self.batch], vecs):
                self.known[h] = v
            self.done += len(vecs)
            if self.progress:
                self.progress(self.done, self.total)
        dim = self.index.meta.dim
        return np.stack([self.known[c.hash] for c in chunks]) if chunks else np.zeros((0, dim), np.float32)


def sync_index(index: SyncTarget, documents: Iterable[Document], chunker: Chunker, *,
               progress: Progress | None = None, write_batch: int = 1024, embed_batch: int = 64) -> SyncReport:
    """Sync `documents` into `index` (see the module docstring for the crash-safety argument)."""
    start = time.perf_counter()
    index.ensure_fts()
    docs = _unique(documents)
    state, present_hashes = read_state(index)
    plan = plan_sync({d: doc.hash for d, doc in docs.items()}, state)

    chunked = [(docs[d], chunker(docs[d])) for d in plan.to_write]
    empty = tuple(sorted(doc.id for doc, chunks in chunked if not chunks))
    chunked = [(doc, chunks) for doc, chunks in chunked if chunks]
    needed = {c.hash for _, chunks in chunked for c in chunks}
    known = stored_vectors(index, needed & present_hashes)
    to_embed = len(needed - set(known))
    reused = sum(1 for _, chunks in chunked for c in chunks if c.hash in known)
    embedder = _Embedder(index, known, to_embed, embed_batch, progress)
    if progress:
        progress(0, to_embed)

    deleted = 0
    for batch in _batches(chunked, write_batch):
        deleted += _write_batch(index, batch, state, embedder)
    # Removed docs, and docs that now yield no chunks, go last: see the module docstring.
    gone = [d for d in plan.removed] + [d for d in empty if d in state]
    for part in in_batches(gone):
        deleted += sum(state[d].rows for d in part)
        index.table.delete(sql_in("doc_id", part))
        index.wrote()
    if chunked or gone or index.fts_unindexed_rows():
        index.optimize()
    added = tuple(d for d in plan.added if d not in empty)  # an empty new doc adds nothing
    return SyncReport(added=added, changed=plan.changed, removed=plan.removed, unchanged=plan.unchanged,
                      empty=empty, chunks_embedded=embedder.done, chunks_reused=reused, chunks_deleted=deleted,
                      seconds=time.perf_counter() - start, version=index.version)


def _write_batch(index: SyncTarget, batch: list[tuple[Document, list[Chunk]]], state: dict[str, IndexedDoc],
                 embedder: _Embedder) -> int:
    """Write one batch in one commit; returns the number of stale rows it deleted."""
    rows = [chunk_row(c, doc, len(chunks)) for doc, chunks in batch for c in chunks]
    all_chunks = [c for _, chunks in batch for c in chunks]
    data = rows_to_table(rows, embedder.vectors(all_chunks), index.table.schema)
    existing = [doc.id for doc, _ in batch if doc.id in state]
    if not existing:
        index.table.add(data)
        index.wrote()
        return 0
    # Duplicated ids (never written by sync, but possible in a hand-edited table) would make the
    # upsert ambiguous: drop those docs first; they are briefly absent, never duplicated.
    dupes = [d for d in existing if state[d].has_duplicates]
    if dupes:
        index.table.delete(sql_in("doc_id", dupes))
        index.wrote()
    result = (index.table.merge_insert("id").when_matched_update_all().when_not_matched_insert_all()
              .when_not_matched_by_source_delete(sql_in("doc_id", existing)).execute(data))
    index.wrote()
    return int(result.num_deleted_rows) + sum(state[d].rows for d in dupes)
