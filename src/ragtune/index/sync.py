"""Incremental sync: make the table hold exactly the chunks a clean rebuild would, doing little work.

Crash safety comes from the write order and Lance's atomic commits:
1. new documents go in with `add`; changed ones with one `merge_insert` per batch that upserts the
   new rows and deletes the doc's stale rows in the same commit, so a reader sees either the old or
   the new version of a document, never both and never a mix;
2. removed documents are deleted last (their vectors can still be reused by a renamed file);
3. `optimize` folds new rows into the FTS index; rows it has not reached are still searched.
A kill at any point leaves every committed batch whole; the next sync's plan redoes the rest.

Chunking and embedding go through an engine (`engine.py`: here, or on Ray); the plan, the order of the
embed batches and the writes do not, so every engine writes the same rows in the same commits.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Protocol, Sequence

import numpy as np
import pyarrow as pa

from ragtune.corpus.document import Chunk, Document
from ragtune.errors import ChunkIndexError, DuplicateDocumentError
from ragtune.index.engine import LOCAL, Chunker, Progress, SyncEngine
from ragtune.index.plan import IndexedDoc, plan_sync, summarize_rows
from ragtune.index.schema import IndexMeta, chunk_row, rows_to_table
from ragtune.index.sql import in_batches, sql_in
from ragtune.models.protocols import Embedder

WriteBatch = list[tuple[Document, list[Chunk]]]
EmbedBatch = list[tuple[str, str]]  # (chunk hash, text)


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


def _batches(items: WriteBatch, size: int) -> Iterable[WriteBatch]:
    """Whole documents per batch, about `size` chunks each, so a batch commits a doc completely."""
    batch: WriteBatch = []
    count = 0
    for item in items:
        batch.append(item)
        count += len(item[1])
        if count >= size:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


def embed_schedule(batches: Sequence[WriteBatch], known: Iterable[str], size: int) -> list[EmbedBatch]:
    """The embed batches in the order the writes need them: per write batch, its chunks with no vector yet
    (each hash once over the whole sync), `size` at a time. Known in advance, an engine can embed them all
    at once while this process writes the batches whose vectors have come back."""
    seen = set(known)
    schedule: list[EmbedBatch] = []
    for batch in batches:
        todo: dict[str, str] = {}
        for _, chunks in batch:
            for c in chunks:
                if c.hash not in seen:
                    todo.setdefault(c.hash, c.text)
        seen.update(todo)
        # Longest first, so each embed batch holds texts of similar length: batches padded to their
        # longest member cost 2.6x the tokens on a corpus of mixed-length documents (bench/ingest_query.py).
        order = sorted(todo, key=lambda h: -len(todo[h]))
        schedule += [[(h, todo[h]) for h in order[i : i + size]] for i in range(0, len(order), size)]
    return schedule


class _Vectors:
    """The vectors of each write batch: reused from the table, or taken from the engine's stream of embed
    batches (in `embed_schedule` order), reporting progress as they arrive."""

    def __init__(self, known: dict[str, np.ndarray], schedule: list[EmbedBatch], stream: Iterator[np.ndarray],
                 dim: int, progress: Progress | None):
        self.known, self.schedule, self.stream, self.dim, self.progress = known, schedule, stream, dim, progress
        self.total = sum(len(b) for b in schedule)
        self.done = 0
        self._next = 0

    def vectors(self, chunks: list[Chunk]) -> np.ndarray:
        while any(c.hash not in self.known for c in chunks):
            self._take()
        return np.stack([self.known[c.hash] for c in chunks]) if chunks else np.zeros((0, self.dim), np.float32)

    def _take(self) -> None:
        batch = self.schedule[self._next]
        vecs = next(self.stream, None)
        if vecs is None or len(vecs) != len(batch):
            got = "none" if vecs is None else len(vecs)
            raise ChunkIndexError(f"the embedding engine returned {got} vectors for an embed batch of {len(batch)}; "
                                  "nothing of this batch was written. Run the ingest again (or with --engine local).")
        for (h, _), v in zip(batch, vecs):
            self.known[h] = np.array(v, dtype=np.float32)
        self._next += 1
        self.done += len(batch)
        if self.progress:
            self.progress(self.done, self.total)


def sync_index(index: SyncTarget, documents: Iterable[Document], chunker: Chunker, *,
               progress: Progress | None = None, write_batch: int = 1024, embed_batch: int = 64,
               engine: SyncEngine | None = None) -> SyncReport:
    """Sync `documents` into `index` (see the module docstring for the crash-safety argument); `engine`
    chunks and embeds (default: in this process)."""
    engine = engine or LOCAL
    start = time.perf_counter()
    index.ensure_fts()
    docs = _unique(documents)
    state, present_hashes = read_state(index)
    plan = plan_sync({d: doc.hash for d, doc in docs.items()}, state)

    to_write = [docs[d] for d in plan.to_write]
    chunked = list(zip(to_write, engine.chunk(to_write, chunker)))
    empty = tuple(sorted(doc.id for doc, chunks in chunked if not chunks))
    chunked = [(doc, chunks) for doc, chunks in chunked if chunks]
    needed = {c.hash for _, chunks in chunked for c in chunks}
    known = stored_vectors(index, needed & present_hashes)
    reused = sum(1 for _, chunks in chunked for c in chunks if c.hash in known)
    batches = list(_batches(chunked, write_batch))
    schedule = embed_schedule(batches, known, embed_batch)
    stream = iter(engine.embed([[text for _, text in b] for b in schedule], index.embedder)) if schedule else iter(())
    vectors = _Vectors(known, schedule, stream, index.meta.dim, progress)
    if progress:
        progress(0, vectors.total)

    deleted = 0
    for batch in batches:
        deleted += _write_batch(index, batch, state, vectors)
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
                      empty=empty, chunks_embedded=vectors.done, chunks_reused=reused, chunks_deleted=deleted,
                      seconds=time.perf_counter() - start, version=index.version)


def _write_batch(index: SyncTarget, batch: WriteBatch, state: dict[str, IndexedDoc], vectors: _Vectors) -> int:
    """Write one batch in one commit; returns the number of stale rows it deleted."""
    rows = [chunk_row(c, doc, len(chunks)) for doc, chunks in batch for c in chunks]
    all_chunks = [c for _, chunks in batch for c in chunks]
    data = rows_to_table(rows, vectors.vectors(all_chunks), index.table.schema)
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
