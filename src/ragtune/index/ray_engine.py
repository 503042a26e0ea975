"""The Ray engine of `ragtune ingest --engine ray`: parsing and chunking as Ray tasks, embedding in an actor pool.

Why this split: parsing and chunking are stateless and cheap to start, so they are tasks over groups of
files or documents; embedding needs a loaded model, so it runs in Ray Data's `map_batches` with a callable
class, one embedder per actor (one GPU per actor where the cluster has GPUs). The driver reads the files
(workers get bytes, so no node needs this file system), plans, and writes through the one index writer:
the index ends up with the same rows, hashes and versions as with the local engine.

Ray is the optional extra `ragtune[scale]`, imported only here and only when this engine is asked for.
Workers import ragtune, so every node of a remote cluster needs the same ragtune installed.
"""

from __future__ import annotations

import functools
import os
import socket
from collections import deque
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence, TypeVar

import numpy as np

from ragtune.config import ChunkSettings, ModelSettings
from ragtune.corpus import Chunk, Document, LoadResult, load_corpus, make_chunker
from ragtune.corpus.load import FileLoad, RawFile, parse_file
from ragtune.errors import EngineError
from ragtune.models import load_embedder
from ragtune.models.protocols import Embedder

TASK_BYTES = 8 << 20  # a parse or chunk task gets at most this much text ...
TASK_ITEMS = 64  # ... and at most this many files or documents
IN_FLIGHT_PER_CPU = 2  # parse tasks queued per cluster CPU: bounds the file bytes held in the object store
T = TypeVar("T")


def import_ray():
    """The `ray` module, or an error that says how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401  (the `ray[data]` part of the extra)
    except ImportError as e:
        raise EngineError(f"--engine ray needs Ray ({e}): install it with `pip install 'ragtune[scale]'`, "
                          "or leave out --engine ray to ingest on this machine.") from None
    return ray


class RayEngine:
    """A `SyncEngine` on Ray; a context manager that connects to `address` (default: $RAY_ADDRESS, else a new
    local instance with this machine's CPUs) and shuts down an instance it started. An already connected
    process (a notebook, a test) keeps its connection."""

    def __init__(self, models: ModelSettings, chunking: ChunkSettings, *, address: str | None = None,
                 actors: int | None = None, cpus_per_actor: int | None = None, task_items: int = TASK_ITEMS):
        if actors is not None and actors < 1:
            raise EngineError(f"--actors must be 1 or more, got {actors}.")
        self.ray = import_ray()
        self.models, self.chunking = models, chunking
        self.address = address or os.environ.get("RAY_ADDRESS") or "local"
        self.actors, self.cpus_per_actor, self.task_items = actors, cpus_per_actor, task_items
        self._started = False

    def __enter__(self) -> RayEngine:
        if not self.ray.is_initialized():
            local = self.address == "local"
            extra = {"include_dashboard": False} if local else {}
            try:
                _check_reachable(self.address)
                self.ray.init(address=self.address, log_to_driver=False, **extra)
            except (OSError, RuntimeError, ValueError) as e:
                raise EngineError(f"cannot reach the Ray cluster at {self.address!r} ({e}); start it "
                                  "(`ray start --head`) or give its address with --address.") from None
            self._started = True
        return self

    def __exit__(self, *exc) -> None:
        if self._started:
            self.ray.shutdown()
            self._started = False

    # -- the three steps ------------------------------------------------------------------------

    def load(self, path: str | Path) -> LoadResult:
        """`load_corpus`, its files parsed by tasks: groups of files' bytes, results in file order."""
        return load_corpus(path, parse=self._parse)

    def _parse(self, raw: Iterable[RawFile]) -> Iterator[FileLoad]:
        groups = _groups(raw, lambda r: len(r.data), self.task_items)
        for part in self._ordered(self.ray.remote(_parse_group), groups):
            yield from part

    def chunk(self, documents: Sequence[Document], chunker: Callable) -> list[list[Chunk]]:
        """Each document's chunks, cut by tasks that build `chunker`'s twin from the `[chunking]` settings and the
        `[models]` embedder's tokenizer (this process's chunker holds a loaded model: too heavy to ship)."""
        task = self.ray.remote(_chunk_group)
        groups = _groups(documents, lambda d: len(d.text), self.task_items)
        return [chunks for part in self._ordered(task, groups, self.models, self.chunking) for chunks in part]

    def embed(self, batches: Sequence[Sequence[str]], embedder: Embedder) -> Iterator[np.ndarray]:
        """The batches' vectors from an actor pool, streamed back in the order given (one row of the dataset
        is one embed batch, so each actor embeds exactly the batches the local engine would)."""
        if not batches:
            return iter(())
        from ray.data import ActorPoolStrategy

        actors, cpus, gpus = self.pool()
        models = self.models
        if not gpus and models.device == "auto":  # no GPU for the actors: none may take one it was not given
            models = models.model_copy(update={"device": "cpu"})
        ds = self.ray.data.from_items([{"seq": i, "texts": list(b)} for i, b in enumerate(batches)])
        ds = ds.map_batches(EmbedActor, fn_constructor_kwargs={"models": models}, batch_size=1,
                            compute=ActorPoolStrategy(size=min(actors, len(batches))), num_cpus=cpus, num_gpus=gpus)
        return _in_order(ds.iter_batches(batch_size=None, batch_format="numpy"), int(embedder.dim), len(batches))

    def pool(self) -> tuple[int, int, int]:
        """(actors, CPUs per actor, GPUs per actor): one actor per GPU where the cluster has GPUs (and
        `[models] device` allows them), else one per node with that node's CPUs, unless `actors` says; never
        more actors than the cluster can place (one that never starts would stall the pool)."""
        nodes = [n["Resources"] for n in self.ray.nodes() if n.get("Alive")]
        gpus = sum(int(r.get("GPU", 0)) for r in nodes) if self.models.device in ("auto", "cuda") else 0
        if gpus:
            return min(self.actors or gpus, gpus), self.cpus_per_actor or 1, 1
        cpus = [int(r.get("CPU", 0)) for r in nodes if r.get("CPU", 0) >= 1] or [1]
        actors = self.actors or len(cpus)
        per_actor = self.cpus_per_actor or max(1, min(min(cpus), sum(cpus) // actors))
        fits = sum(c // per_actor for c in cpus)
        if not fits:
            raise EngineError(f"no Ray node has {per_actor} CPUs for an embedding actor; ask for fewer CPUs per actor.")
        return min(actors, fits), per_actor, 0

    def _ordered(self, task, groups: Iterable[list], *args: Any) -> Iterator[list]:
        """`task(group, *args)` for every group, a bounded number in flight, results in the groups' order."""
        window = max(2, IN_FLIGHT_PER_CPU * int(self.ray.cluster_resources().get("CPU", 1)))
        pending: deque = deque()
        for group in groups:
            pending.append(task.remote(group, *args))
            if len(pending) >= window:
                yield self.ray.get(pending.popleft())
        while pending:
            yield self.ray.get(pending.popleft())


class EmbedActor:
    """One embedder per actor, loaded once from the project's `[models]` (packaged models load offline);
    each row of a batch is one embed batch of texts."""

    def __init__(self, models: ModelSettings):
        self.embedder = load_embedder(models)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        vectors = [np.asarray(self.embedder.embed([str(t) for t in texts]), dtype=np.float32).tobytes()
                   for texts in batch["texts"]]
        return {"seq": batch["seq"], "vectors": np.array(vectors, dtype=object)}


def _check_reachable(address: str, timeout_s: float = 5.0) -> None:
    """Fail in seconds on a "host:port" nobody answers at (Ray itself retries for minutes)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if host and port.isdigit():
        socket.create_connection((host, int(port)), timeout=timeout_s).close()  # raises OSError (a ConnectionError)


def _in_order(batches: Iterable[dict[str, np.ndarray]], dim: int, count: int) -> Iterator[np.ndarray]:
    """The vectors of embed batch 0, 1, 2, ... as they arrive (Ray Data may finish them out of order)."""
    waiting: dict[int, np.ndarray] = {}
    expected = 0
    for batch in batches:
        for seq, data in zip(batch["seq"], batch["vectors"]):
            waiting[int(seq)] = np.frombuffer(data, dtype=np.float32).reshape(-1, dim)
        while expected in waiting:
            yield waiting.pop(expected)
            expected += 1
    if expected != count:
        raise EngineError(f"the Ray actors returned {expected} of {count} embed batches; run the ingest again.")


def _groups(items: Iterable[T], size: Callable[[T], int], most: int) -> Iterator[list[T]]:
    """Consecutive items, at most `most` and about `TASK_BYTES` a group."""
    group: list[T] = []
    total = 0
    for item in items:
        group.append(item)
        total += size(item)
        if len(group) >= most or total >= TASK_BYTES:
            yield group
            group, total = [], 0
    if group:
        yield group


def _parse_group(raw: list[RawFile]) -> list[FileLoad]:
    return [parse_file(r) for r in raw]


def _chunk_group(documents: list[Document], models: ModelSettings, chunking: ChunkSettings) -> list[list[Chunk]]:
    chunker = _worker_chunker(models.model_dump_json(), chunking.max_tokens, chunking.overlap)
    return [chunker(doc) for doc in documents]


@functools.lru_cache(maxsize=2)
def _worker_chunker(models_json: str, max_tokens: int, overlap: int):
    """A worker's chunker, loaded once per worker process: chunks depend on the tokenizer only, so it runs
    on the CPU whatever `[models] device` says."""
    models = ModelSettings.model_validate_json(models_json).model_copy(update={"device": "cpu"})
    return make_chunker(load_embedder(models), max_tokens, overlap)
