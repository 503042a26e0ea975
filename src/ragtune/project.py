"""An open ragtune project: its settings, its models (loaded on first use) and its index.

What works on a project lives with its concept: answering in `ragtune.variants` (a variant resolves
to an `Answerer`), training data in `ragtune.synth.session`, training in `ragtune.tune.session`,
evaluation in `ragtune.evaluate.session`.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Callable

from ragtune.config import Settings, is_remote, load_settings
from ragtune.corpus import LoadResult, make_chunker
from ragtune.errors import ProjectError, TuneError
from ragtune.index import ChunkIndex, SyncReport
from ragtune.models import Embedder, Generator, load_embedder, load_generator
from ragtune.retrieve.rerank import BudgetedReranker
from ragtune.runs import RETRIEVER_DIR, RETRIEVER_INDEX, find_training_run


@dataclass(frozen=True)
class IngestReport:
    load: LoadResult
    sync: SyncReport
    load_s: float


class Project:
    """Settings plus lazily loaded models and index; cheap to create, models load on first use."""

    def __init__(self, root: str | Path = ".", settings: Settings | None = None):
        self.settings = settings or load_settings(root)
        self._rerankers: dict[str, BudgetedReranker] = {}

    @cached_property
    def embedder(self) -> Embedder:
        return load_embedder(self.settings.models)

    @cached_property
    def generator(self) -> Generator:
        return load_generator(self.settings.models)

    @cached_property
    def index(self) -> ChunkIndex:
        return self.open_index()

    def open_index(self, *, rebuild: bool = False) -> ChunkIndex:
        """The index where `[index]` says it lives (the project's folder, or object storage), with its
        storage options, refresh interval and writer-lock wait."""
        i = self.settings.index
        return ChunkIndex.open(self.settings.index_uri, self.embedder, self.chunker_fingerprint, rebuild=rebuild,
                               storage_options=i.storage_options or None, refresh_s=i.refresh_s,
                               lock_timeout_s=i.lock_timeout_s)

    def writing(self):
        """The index's writer lock (`ragtune.index.lock`), taken before the index is opened (a rebuild may not
        open the old one): an ingest reads its folder and syncs while no other process writes."""
        from ragtune.index.lock import writer_lock

        i = self.settings.index
        return writer_lock(self.settings.index_uri, i.storage_options, i.lock_timeout_s)

    def has_index(self) -> bool:
        """Whether an index was created (a local folder exists; object storage is asked)."""
        if not is_remote(self.settings.index_uri):
            return Path(self.settings.index_uri).exists()
        return self.index.stats().chunks > 0

    @property
    def chunker_fingerprint(self) -> str:
        c = self.settings.chunking
        return f"chunker=v1;max_tokens={c.max_tokens};overlap={c.overlap}"

    def chunker(self, embedder: Embedder | None = None):
        """The chunker of `[chunking]`, counting tokens with `embedder` (default: the project's)."""
        c = self.settings.chunking
        return make_chunker(embedder or self.embedder, max_tokens=c.max_tokens, overlap=c.overlap)

    def ingest(
        self, path: str | Path, *, rebuild: bool = False, progress: Callable[[int, int], None] | None = None,
        engine: str = "local", address: str | None = None, actors: int | None = None,
    ) -> IngestReport:
        """Load every document under `path` and sync the index to exactly that set (adds, updates, deletes).

        `rebuild` empties the index first: needed after changing the embedder or the chunking settings.
        `engine="ray"` parses, chunks and embeds on Ray (the cluster at `address`, default a local instance;
        `actors` embedders); the plan and the writes stay here, so the index is the same as with "local".
        """
        from ragtune.index.engine import open_engine

        with open_engine(engine, self.settings.models, self.settings.chunking, address=address,
                         actors=actors) as compute, self.writing():  # the folder is read as the index's one writer
            t0 = time.perf_counter()
            loaded = compute.load(path)
            load_s = time.perf_counter() - t0
            if rebuild:
                self.__dict__["index"] = self.open_index(rebuild=True)
            report = self.index.sync(loaded.documents, self.chunker(), progress=progress, engine=compute)
        retriever = self.active_retriever_index(rebuild=rebuild)  # new chunking: its index is rebuilt too
        if retriever is not None:  # the fine-tuned retriever's index holds the same chunks, always
            retriever.sync(loaded.documents, self.chunker())
        if Path(path).is_dir():
            self._ingested_file.write_text(json.dumps({"path": str(Path(path).resolve())}))
        return IngestReport(load=loaded, sync=report, load_s=load_s)

    @property
    def _ingested_file(self) -> Path:
        """Local bookkeeping, next to a local index (or in the project's index/ folder for a remote one)."""
        folder = Path(self.settings.index_dir)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / "ingested_from.json"

    def ingested_folder(self) -> Path | None:
        """The folder the index was last synced to (`ragtune serve` writes documents there), if it still exists."""
        try:
            folder = Path(json.loads(self._ingested_file.read_text())["path"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return folder if folder.is_dir() else None

    def reranker(self, spec: str | None = None) -> BudgetedReranker | None:
        """The reranker `spec` names (None: `[retrieval] rerank`; "": none) within `[retrieval] rerank_budget_ms`,
        loaded once per project: variants that name the same model share it and its measured speed."""
        r, m = self.settings.retrieval, self.settings.models
        spec = r.rerank if spec is None else spec
        if not spec:
            return None
        if spec not in self._rerankers:
            from ragtune.models.rerank import load_reranker

            where = spec if spec.startswith("openai:") else str(self.path(spec))
            self._rerankers[spec] = BudgetedReranker(load_reranker(where, m.api_base, m.api_key_env, m.device),
                                                     r.rerank_budget_ms / 1000)
        return self._rerankers[spec]

    def retriever_index(self, run: str | None = None, *, rebuild: bool = False) -> ChunkIndex:
        """The chunks embedded by the fine-tuned retriever of `run` (default: the newest finished
        `ragtune tune --retriever` run), kept in that run's folder and synced with the project's index;
        `rebuild` empties it first (the chunking changed)."""
        info = find_training_run(self.settings.runs_dir, "retriever", run)
        cache = self.__dict__.setdefault("_retriever_indexes", {})
        if info.id not in cache or rebuild:
            embedder = cache[info.id].embedder if info.id in cache else self.retriever_embedder(info.id)
            cache[info.id] = ChunkIndex.open(info.path / RETRIEVER_INDEX, embedder, self.chunker_fingerprint,
                                             rebuild=rebuild)
        return cache[info.id]

    def retriever_embedder(self, run: str) -> Embedder:
        """A newly loaded copy of the fine-tuned retriever of `run` (a server's writer embeds with its own)."""
        from ragtune.models.st_embedder import SentenceTransformerEmbedder

        path, m = self.settings.runs_dir / run / RETRIEVER_DIR, self.settings.models
        return SentenceTransformerEmbedder(path, m.device, m.embed_batch_size, name=f"{run}/{RETRIEVER_DIR}")

    def active_retriever_index(self, *, rebuild: bool = False) -> ChunkIndex | None:
        """The index of the newest finished retriever run, which every sync keeps equal to the project's; None
        without one."""
        try:
            info = find_training_run(self.settings.runs_dir, "retriever")
        except TuneError:
            return None
        return self.retriever_index(info.id, rebuild=rebuild) if (info.path / RETRIEVER_INDEX).exists() else None

    def generator_for(self, spec: str = "", api_base: str | None = None, api_key_env: str | None = None) -> Generator:
        """The generator `spec` names ("" = `[models] generator`): "smollm2", a model folder (relative to the
        project) or "openai:<model>" at `api_base` with the key in `api_key_env` (None: `[models]`'s). Loaded
        once per project: variants, a teacher and a judge that name the same model share one copy."""
        m = self.settings.models
        spec, api_base, api_key_env = spec or m.generator, api_base or m.api_base, api_key_env or m.api_key_env
        remote = spec.startswith("openai:")
        if spec == m.generator and (not remote or (api_base, api_key_env) == (m.api_base, m.api_key_env)):
            return self.generator
        models = m.model_copy(update={"generator": spec if remote or spec == "smollm2" else str(self.path(spec)),
                                      "api_base": api_base, "api_key_env": api_key_env})
        key = (models.generator, api_base, api_key_env) if remote else (models.generator,)
        cache = self.__dict__.setdefault("_generators", {})
        if key not in cache:
            cache[key] = load_generator(models)
        return cache[key]

    def generator_named(self, spec: str) -> Generator:
        """A generator named in the project file (a teacher, a judge): ours (base weights) when it is ours."""
        gen = self.generator_for(spec)
        return gen.with_adapter(None) if hasattr(gen, "with_adapter") else gen

    def base_model_path(self) -> Path:
        """The local folder of the generator's weights (what LoRA trains on): the packaged SmolLM2, or the
        `[models] generator` folder."""
        spec = self.settings.models.generator
        if spec == "smollm2":
            from ragtune.models.packaged import packaged_generator_path

            return packaged_generator_path()
        if spec.startswith("openai:"):
            raise ProjectError(f"[models] generator = {spec!r} is a remote endpoint; fine-tuning needs local weights. "
                               "Set generator to \"smollm2\" or a local Hugging Face model folder.")
        return self.path(spec)

    def path(self, value: str | Path) -> Path:
        """A path from the project file, relative to the project directory."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.settings.root / path
