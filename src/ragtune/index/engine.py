"""Where an ingest does its three expensive steps: parse files, cut documents into chunks, embed texts.

The plan (what changed) and the writes stay in this process with the one index writer, whatever the
engine: an engine only computes, so every engine leaves the same rows, hashes and versions. `local` does
everything here; `ray` (`ray_engine.py`, the optional extra `ragtune[scale]`) spreads the steps over a
Ray cluster.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

import numpy as np

from ragtune.config import ChunkSettings, ModelSettings
from ragtune.corpus import Chunk, Document, LoadResult, load_corpus
from ragtune.errors import EngineError
from ragtune.models.protocols import Embedder

Chunker = Callable[[Document], list[Chunk]]
Progress = Callable[[int, int], None]  # (chunks embedded so far, chunks to embed)
ENGINES = ("local", "ray")


class SyncEngine(Protocol):
    """The compute of an ingest. `chunker` and `embedder` are this process's; an engine elsewhere uses its
    own copies, built from the same `[models]` and `[chunking]` settings."""

    def load(self, path: str | Path) -> LoadResult: ...

    def chunk(self, documents: Sequence[Document], chunker: Chunker) -> list[list[Chunk]]:
        """Each document's chunks, in the order of `documents`."""
        ...

    def embed(self, batches: Sequence[Sequence[str]], embedder: Embedder) -> Iterator[np.ndarray]:
        """Each batch's vectors (float32, one row per text), batch by batch in the order given: the sync
        writes while later batches are still embedding."""
        ...


@dataclass(frozen=True)
class LocalEngine:
    """Everything in this process, one step after the other (the default)."""

    def load(self, path: str | Path) -> LoadResult:
        return load_corpus(path)

    def chunk(self, documents: Sequence[Document], chunker: Chunker) -> list[list[Chunk]]:
        return [chunker(doc) for doc in documents]

    def embed(self, batches: Sequence[Sequence[str]], embedder: Embedder) -> Iterator[np.ndarray]:
        return (np.asarray(embedder.embed(list(batch)), dtype=np.float32) for batch in batches)


LOCAL = LocalEngine()


def check_engine(name: str, address: str | None = None, actors: int | None = None) -> None:
    """Fail early, before any model loads, on an unknown engine, Ray's options without it, or a missing Ray."""
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r}: use {' or '.join(ENGINES)}.")
    if name != "ray" and (address or actors):
        raise EngineError("--address and --actors are options of the Ray engine: add --engine ray, or leave them out.")
    if name == "ray":
        from ragtune.index.ray_engine import import_ray

        import_ray()


@contextmanager
def open_engine(name: str, models: ModelSettings, chunking: ChunkSettings, *, address: str | None = None,
                actors: int | None = None) -> Iterator[SyncEngine]:
    """The engine `name` for the duration of an ingest (a Ray instance it started is shut down after)."""
    check_engine(name, address, actors)
    if name == "local":
        yield LOCAL
        return
    from ragtune.index.ray_engine import RayEngine

    with RayEngine(models, chunking, address=address, actors=actors) as engine:
        yield engine
