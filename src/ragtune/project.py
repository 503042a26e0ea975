"""An open ragtune project: its settings, its models (loaded on first use) and its index.

This is the one place that wires the layers together; the CLI and notebooks both go through it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable, Sequence

from ragtune.answer import Answer, answer_question
from ragtune.config import Settings, load_settings
from ragtune.corpus import LoadResult, load_corpus, make_chunker
from ragtune.index import ChunkIndex, SyncReport
from ragtune.models import Embedder, Generator, load_embedder, load_generator
from ragtune.retrieve import Hit, parse_filter, retrieve

VARIANTS = ("base", "rag")


class ProjectError(Exception):
    """A request the project cannot serve as asked; the message says what to do instead."""


@dataclass(frozen=True)
class IngestReport:
    load: LoadResult
    sync: SyncReport
    load_s: float


class Project:
    """Settings plus lazily loaded models and index; cheap to create, models load on first use."""

    def __init__(self, root: str | Path = ".", settings: Settings | None = None):
        self.settings = settings or load_settings(root)

    @cached_property
    def embedder(self) -> Embedder:
        return load_embedder(self.settings.models)

    @cached_property
    def generator(self) -> Generator:
        return load_generator(self.settings.models)

    @cached_property
    def index(self) -> ChunkIndex:
        return ChunkIndex.open(self.settings.index_dir, self.embedder, self.chunker_fingerprint)

    @property
    def chunker_fingerprint(self) -> str:
        c = self.settings.chunking
        return f"chunker=v1;max_tokens={c.max_tokens};overlap={c.overlap}"

    def chunker(self):
        c = self.settings.chunking
        return make_chunker(self.embedder, max_tokens=c.max_tokens, overlap=c.overlap)

    def ingest(
        self, path: str | Path, *, rebuild: bool = False, progress: Callable[[int, int], None] | None = None
    ) -> IngestReport:
        """Load every document under `path` and sync the index to exactly that set (adds, updates, deletes).

        `rebuild` empties the index first: needed after changing the embedder or the chunking settings.
        """
        t0 = time.perf_counter()
        loaded = load_corpus(path)
        load_s = time.perf_counter() - t0
        if rebuild:
            self.__dict__["index"] = ChunkIndex.open(
                self.settings.index_dir, self.embedder, self.chunker_fingerprint, rebuild=True
            )
        report = self.index.sync(loaded.documents, self.chunker(), progress=progress)
        return IngestReport(load=loaded, sync=report, load_s=load_s)

    def retriever(
        self, retriever: str | None = None, top_k: int | None = None, filters: Sequence[str] = ()
    ) -> Callable[[str], list[Hit]]:
        """A question -> passages function with this project's retrieval settings, overridable per call."""
        r = self.settings.retrieval
        parsed = [parse_filter(f) for f in filters]
        kind, k = retriever or r.retriever, top_k or r.top_k
        weights = {"dense": r.dense_weight, "bm25": r.bm25_weight}

        def search(question: str) -> list[Hit]:
            return retrieve(self.index, question, retriever=kind, top_k=k, filters=parsed, rrf_k=r.rrf_k, weights=weights)

        return search

    def ask(
        self,
        question: str,
        variant: str = "rag",
        *,
        retriever: str | None = None,
        top_k: int | None = None,
        filters: Sequence[str] = (),
    ) -> Answer:
        """Answer one question with a variant: `base` (closed-book) or `rag` (retrieve, then answer with citations)."""
        if variant not in VARIANTS:
            raise ProjectError(f"unknown variant {variant!r}; available now: {', '.join(VARIANTS)}")
        search = None
        if variant == "rag":
            if self.index.stats().chunks == 0:
                raise ProjectError("the index is empty: run `ragtune ingest PATH` first, or use --variant base")
            search = self.retriever(retriever, top_k, filters)
        g = self.settings.generation
        return answer_question(
            question, self.generator, search, max_new_tokens=g.max_new_tokens, temperature=g.temperature
        )
