"""What a running server holds, built once at start: the project, the resolved variants, the queue that
answers them, the documents store, the metrics. The route modules read it; only `app.create_app` builds it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Sequence

from ragtune.config import ServeSettings
from ragtune.models import Embedder, Generator
from ragtune.project import Project
from ragtune.serve.batcher import Batcher
from ragtune.serve.documents import DocumentStore
from ragtune.serve.metrics import Metrics
from ragtune.variants import Answerer


@dataclass(frozen=True)
class Served:
    proj: Project
    settings: ServeSettings
    answerers: dict[str, Answerer]
    batcher: Batcher
    metrics: Metrics
    documents: DocumentStore | None  # None: no documents folder (the reason is in `documents_off`)
    documents_off: str = ""
    auth_required: bool = False
    weights: dict[str, Generator] = field(default_factory=dict)  # weights models (serve/weights.py) by name
    scoped: dict = field(default_factory=dict)  # (variant, document scope) -> its Answerer (serve/scope.py)


class SerializedEmbedder:
    """An embedder that one thread at a time may call: the queue's worker (questions), /v1/embeddings and
    /v1/retrieve share it, and a Hugging Face fast tokenizer fails when two threads use it at once. The
    document writer has its own copy, so a long embedding batch never holds questions up."""

    def __init__(self, inner: Embedder):
        self.inner, self._lock = inner, threading.Lock()

    def embed(self, texts: Sequence[str], *args, **kwargs):
        with self._lock:
            return self.inner.embed(texts, *args, **kwargs)

    def count_tokens(self, text: str) -> int:
        with self._lock:
            return self.inner.count_tokens(text)

    def __getattr__(self, name: str):  # name, dim, max_tokens; count_tokens_batch where the inner one has it
        found = getattr(self.inner, name)
        if name != "count_tokens_batch":
            return found

        def locked(texts: Sequence[str]) -> list[int]:
            with self._lock:
                return found(texts)
        return locked
