"""The change set between a corpus and what the index holds, as a pure function of hashes.

A document counts as indexed only if the table holds exactly its `n_chunks` rows, numbered
0..n-1, all carrying its current hash: a batch cut short by a crash, stale rows of an older
version or duplicated rows make it `changed`, so the next sync redoes it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping


@dataclass(frozen=True)
class IndexedDoc:
    """What the table holds for one doc id."""

    doc_id: str
    hashes: frozenset[str]  # distinct doc_hash values among its rows
    n_chunks: frozenset[int]  # distinct n_chunks values among its rows
    idxs: tuple[int, ...]  # chunk indexes of its rows, sorted (duplicates kept)

    @property
    def rows(self) -> int:
        return len(self.idxs)

    @property
    def has_duplicates(self) -> bool:
        return len(set(self.idxs)) != len(self.idxs)

    def complete_for(self, doc_hash: str) -> bool:
        if self.hashes != {doc_hash} or len(self.n_chunks) != 1:
            return False
        (n,) = self.n_chunks
        return self.idxs == tuple(range(n))


def summarize_rows(doc_ids: Iterable[str], doc_hashes: Iterable[str], n_chunks: Iterable[int],
                   idxs: Iterable[int]) -> dict[str, IndexedDoc]:
    """Group the table's (doc_id, doc_hash, n_chunks, idx) columns into one `IndexedDoc` per doc."""
    hashes: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, set[int]] = defaultdict(set)
    indexes: dict[str, list[int]] = defaultdict(list)
    for doc_id, doc_hash, n, idx in zip(doc_ids, doc_hashes, n_chunks, idxs):
        hashes[doc_id].add(doc_hash)
        counts[doc_id].add(n)
        indexes[doc_id].append(idx)
    return {d: IndexedDoc(d, frozenset(hashes[d]), frozenset(counts[d]), tuple(sorted(indexes[d]))) for d in hashes}


@dataclass(frozen=True)
class SyncPlan:
    added: tuple[str, ...]  # in the corpus, nothing in the index
    changed: tuple[str, ...]  # in both, but the index rows are not exactly the current version
    removed: tuple[str, ...]  # in the index, not in the corpus
    unchanged: tuple[str, ...]

    @property
    def to_write(self) -> tuple[str, ...]:
        return self.added + self.changed


def plan_sync(corpus: Mapping[str, str], indexed: Mapping[str, IndexedDoc]) -> SyncPlan:
    """Compare `corpus` (doc id -> document hash) with what the table holds for each doc id."""
    added, changed, unchanged = [], [], []
    for doc_id in sorted(corpus):
        state = indexed.get(doc_id)
        if state is None:
            added.append(doc_id)
        elif state.complete_for(corpus[doc_id]):
            unchanged.append(doc_id)
        else:
            changed.append(doc_id)
    removed = sorted(set(indexed) - set(corpus))
    return SyncPlan(tuple(added), tuple(changed), tuple(removed), tuple(unchanged))
