"""BM25 retrieval: in memory where the index's snapshot fits (bm25s: scores precomputed in a sparse matrix),
else through LanceDB's native full-text index with the question's stop words removed first.

Lance's full-text search took 5.35 ms p50 per query in the peer benchmark against 0.70-1.27 ms for the
peers' in-memory BM25s; in memory it takes 0.33 ms there, the fastest of the three (docs/benchmarks.md). The
in-memory index is built from the snapshot, and so from one table version: any write makes a new version,
the next search builds a new one, and a deleted or changed chunk can never come back (the same guarantee as
the dense side). Filters become a mask over the same rows.

Text analysis (the same for chunks and questions): lowercase, ASCII folding, words of 2+ letters or digits,
English stop words and question words removed, Snowball (Porter 2) stemming; a chunk's title counts as
part of its text. Each knob was measured against its alternatives on two external corpora
(bench/lexical_ablation.py, docs/benchmarks.md): dropping question words is worth 1-3 points of recall@5,
keeping case costs up to 1.5, and no alternative beat this analysis on both halves of both corpora.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import weakref
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from ragtune.index.store import FTS_COLUMN, ChunkIndex
from ragtune.index.vectors import VectorSnapshot, best_rows
from ragtune.retrieve.dense import Candidate, rows_of
from ragtune.retrieve.filters import Filter, Prefilter, prefilter
from ragtune.retrieve.hit import RESULT_COLUMNS, Hit, hit_from_row


def _fts(index: ChunkIndex, query: str, limit: int, where: str | None):
    builder = index.table.search(query, query_type="fts", fts_columns=FTS_COLUMN).limit(limit)
    return builder.where(where, prefilter=True) if where else builder


def bm25_candidates(index: ChunkIndex, query: str, limit: int, pre: Prefilter | None = None) -> list[Candidate]:
    if not query.strip() or limit <= 0:
        return []
    found = _in_memory(index, query, limit, pre)
    if found is None:  # no snapshot (over the cache budget): Lance's index, the hit columns read with it
        words = " ".join(w for w in query.split() if w.lower().strip("?.,!;:") not in STOP_WORDS) or query
        rows = (_fts(index, words, limit, pre.sql() if pre else None).select(RESULT_COLUMNS + ["_score"])
                .to_arrow().to_pylist())
        found = [Candidate(r["id"], float(r["_score"]), row=r) for r in rows]
    return sorted(found, key=lambda c: (-c.score, c.chunk_id))


def _in_memory(index: ChunkIndex, query: str, limit: int, pre: Prefilter | None) -> list[Candidate] | None:
    """BM25 scored in memory over the snapshot (`lexical.py`); None when the table is over the cache budget."""
    snapshot = index.vector_snapshot()
    if snapshot is None:
        return None
    scores = lexical_index(snapshot).scores(query)
    ids = snapshot.rows.column("id")
    return [Candidate(ids[i].as_py(), score, snapshot=snapshot, position=i)
            for i, score in best_rows(snapshot, scores, limit, pre.mask(snapshot.rows) if pre else None)
            if score > 0]


def bm25_search(index: ChunkIndex, query: str, *, top_k: int = 5, filters: Iterable[str | Filter] = ()) -> list[Hit]:
    """The `top_k` chunks by BM25 score for the words of `query`, filters applied first."""
    pre = prefilter(index, filters)
    if pre.matches_nothing:
        return []
    found = bm25_candidates(index, query, top_k, pre)
    return [hit_from_row(row, c.score, {"bm25": rank}, {"bm25": c.score})
            for rank, (c, row) in enumerate(zip(found, rows_of(found)), start=1)]


# -- in memory --------------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]{2,}")
# Words every question carries whatever it asks: they would score documents that share the question's
# template instead of its subject. English stop words (as Lucene/Elasticsearch's default English analyzer
# lists them) plus interrogatives and request verbs.
STOP_WORDS = frozenset("""
a an and are as at be but by for if in into is it no not of on or such that the their then there these they
this to was will with what which who whom whose when where why how does do did doing done can could would
should shall may might must have has had having am were been being i me my we our you your he she him her
its them than so too very just about also any some each other per via
""".split())


@dataclass(frozen=True, eq=False)
class LexicalIndex:
    version: int
    bm25: object | None  # bm25s.BM25 over the snapshot's rows, in their order (None: no rows)
    vocab: dict[str, int]
    rows: int

    def scores(self, question: str, mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every snapshot row for the question's terms (0 where a term-free or masked row)."""
        terms = [t for t in analyze(question) if t in self.vocab]
        if not terms or self.bm25 is None:
            return np.zeros(self.rows, dtype=np.float32)
        scores = np.asarray(self.bm25.get_scores(terms), dtype=np.float32)
        return np.where(mask, scores, 0.0) if mask is not None else scores


_STEMMER = None
_CACHE: "weakref.WeakKeyDictionary[VectorSnapshot, LexicalIndex]" = weakref.WeakKeyDictionary()
_BUILDING = threading.Lock()  # a new version is indexed once, however many threads ask for it


def analyze(text: str) -> list[str]:
    """The terms of `text`: folded to ASCII, lowercased, stop words out, stemmed."""
    global _STEMMER
    if _STEMMER is None:
        import Stemmer

        _STEMMER = Stemmer.Stemmer("english")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _STEMMER.stemWords([w for w in _WORD.findall(folded) if w not in STOP_WORDS])


def lexical_index(snapshot: VectorSnapshot) -> LexicalIndex:
    """The BM25 index of this snapshot (built once per snapshot, that is per table version)."""
    found = _CACHE.get(snapshot)
    if found is None:
        with _BUILDING:
            found = _CACHE.get(snapshot)
            if found is None:
                found = _CACHE[snapshot] = build(snapshot.rows.column("title").to_pylist(),
                                                 snapshot.rows.column("text").to_pylist(), snapshot.version)
    return found


def prepare(index: ChunkIndex, *, lexical: bool = True) -> None:
    """Load the index's current version into memory now (vectors, and the BM25 index with `lexical`), so the
    next search does not pay for it: `ragtune serve` calls it after each document write."""
    snapshot = index.vector_snapshot()
    if snapshot is not None and lexical:
        lexical_index(snapshot)


def build(titles: Sequence[str | None], texts: Sequence[str], version: int = 0) -> LexicalIndex:
    import bm25s

    corpus = [analyze(f"{title or ''}\n{text}") for title, text in zip(titles, texts)]
    vocab: dict[str, int] = {}
    # A chunk with no terms (digits of one character, only stop words) holds the empty term, as bm25s does.
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc or [""]] for doc in corpus]
    if not ids:  # an empty table: nothing to score
        return LexicalIndex(version, None, vocab, 0)
    model = bm25s.BM25()
    model.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    return LexicalIndex(version, model, vocab, len(ids))
