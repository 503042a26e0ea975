"""An open ragtune project: its settings, its models (loaded on first use) and its index.

This is the one place that wires the layers together; the CLI and notebooks both go through it.
An evaluation run over a project lives in `ragtune.evaluate.session`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from ragtune.errors import ProjectError
from ragtune.answer import Answer, answer_questions, build_messages
from ragtune.config import Settings, TuneConfig, load_settings
from ragtune.corpus import LoadResult, load_corpus, make_chunker
from ragtune.index import ChunkIndex, SyncReport
from ragtune.models import Embedder, Generator, load_embedder, load_generator
from ragtune.retrieve import Hit, parse_filter, retrieve
from ragtune.errors import TuneError
from ragtune.tune.runs import RunInfo, file_hash, find_run, new_run_id, read_run, write_run
from ragtune.variants import VARIANTS, Variant, custom_variants, get_variant

if TYPE_CHECKING:
    from ragtune.synth import TrainingSet
    from ragtune.tune import TrainingResult, TrainProgress



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

    def generator_for(self, adapter: Path | None) -> Generator:
        """The project's generator with a LoRA adapter applied (None: the base model); adapters share its weights."""
        gen = self.generator
        if hasattr(gen, "with_adapter"):
            return gen.with_adapter(adapter)
        if adapter is not None:
            raise ProjectError("fine-tuned variants need a local generator; this project uses "
                               f"{self.settings.models.generator!r}. Serve the adapter from your endpoint instead.")
        return gen

    @cached_property
    def variants(self) -> dict[str, Variant]:
        """The standard variants plus your own `[variants.<name>]` from ragtune.toml."""
        return {**VARIANTS, **custom_variants(self.settings.variants)}

    def variant(self, name: str) -> Variant:
        return get_variant(name, self.variants)

    def adapter_for(self, variant: str, run: str | None = None) -> Path | None:
        """The adapter folder a variant answers with (None: the base model); `run` overrides which run."""
        v = self.variant(variant)
        if v.adapter is None:
            return None
        return find_run(self.settings.runs_dir, v.adapter_kind or "ft", run or (None if v.adapter_kind else v.adapter)
                        ).adapter_dir

    def ask(
        self,
        question: str,
        variant: str = "rag",
        *,
        retriever: str | None = None,
        top_k: int | None = None,
        filters: Sequence[str] = (),
        run: str | None = None,
    ) -> Answer:
        """Answer one question with a variant (see `ragtune.variants`); `run` picks a training run by id."""
        return self.ask_many([question], variant, retriever=retriever, top_k=top_k, filters=filters, run=run)[0]

    def ask_many(self, questions: Sequence[str], variant: str = "rag", *, retriever: str | None = None,
                 top_k: int | None = None, filters: Sequence[str] = (), run: str | None = None) -> list[Answer]:
        """`ask` for several questions, generated as one batch (how `ragtune eval` runs fast on a CPU)."""
        v = self.variant(variant)
        search = None
        if v.retrieval:
            if self.index.stats().chunks == 0:
                raise ProjectError("the index is empty: run `ragtune ingest PATH` first, or use a variant without "
                                   "retrieval (base, ft)")
            default = None if v.retriever == "default" else v.retriever
            search = self.retriever(retriever or default, top_k or v.top_k, filters)
        generator = self.generator_for(self.adapter_for(variant, run))
        g = self.settings.generation
        return answer_questions(questions, generator, search, max_new_tokens=g.max_new_tokens,
                                temperature=g.temperature, system=v.system_prompt)

    def choose(self, question: str, options: Sequence[str], variant: str, passages: Sequence[Hit] = (),
               run: str | None = None) -> list[tuple[float, int]] | None:
        """Multiple choice: each option's log-likelihood as the variant's reply (with the same passages it was
        given); None when the generator cannot score text (a remote endpoint)."""
        v = self.variant(variant)
        generator = self.generator_for(self.adapter_for(variant, run))
        if not hasattr(generator, "option_logprobs"):
            return None
        messages = build_messages(question, list(passages) if v.retrieval else None, v.system_prompt)
        return generator.option_logprobs(messages, options)

    # -- fine-tuning --------------------------------------------------------------------------------

    def teacher(self) -> Generator | None:
        """The `[synth] teacher`: the project's generator, another model, or None ("none")."""
        spec = self.settings.synth.teacher.strip()
        return None if spec.lower() == "none" else self._other_generator(spec)

    def judge(self) -> Generator | None:
        """The `[eval] judge` (None: no judge)."""
        spec = self.settings.eval.judge.strip()
        return None if not spec or spec.lower() == "none" else self._other_generator(spec)

    def _other_generator(self, spec: str) -> Generator:
        """A generator named in the project file: ours (base weights) when it is ours, else loaded."""
        if not spec or spec == self.settings.models.generator:
            return self.generator_for(None)
        return load_generator(self.settings.models.model_copy(update={"generator": spec}))

    def synth(self, progress: Callable[[str, int, int], None] | None = None) -> tuple[TrainingSet, dict[str, Path]]:
        """Build the training set from the indexed chunks and write it to `synth/` (see `ragtune.synth`)."""
        from ragtune.synth import build_training_set, load_chat, load_questions

        chunks = self.index.chunks()
        if not chunks:
            raise ProjectError("the index is empty: run `ragtune ingest PATH` first; synth builds data from it.")
        s = self.settings.synth
        training_set = build_training_set(
            chunks, self.teacher(), pairs_per_chunk=s.pairs_per_chunk, paraphrases=s.paraphrases, raft=s.raft,
            index=self.index, seed=s.seed, extractive=s.extractive, val_fraction=s.val_fraction,
            raft_distractors=s.raft_distractors, p_no_oracle=s.p_no_oracle,
            user_pairs=load_questions(self._path(s.questions)) if s.questions else (),
            user_chat=load_chat(self._path(s.chat)) if s.chat else (), progress=progress)
        return training_set, training_set.write(self.settings.synth_dir)

    def base_model_path(self) -> Path:
        """The local folder LoRA trains on: the packaged SmolLM2, or the `[models] generator` folder."""
        spec = self.settings.models.generator
        if spec == "smollm2":
            from ragtune.models.local import packaged_generator_path

            return packaged_generator_path()
        if spec.startswith("openai:"):
            raise ProjectError(f"[models] generator = {spec!r} is a remote endpoint; fine-tuning needs local weights. "
                               "Set generator to \"smollm2\" or a local Hugging Face model folder.")
        return self._path(spec)

    def tune(self, *, raft: bool = False, train: str | Path | None = None, val: str | Path | None = None,
             run: str | None = None, resume: bool = False, cfg: TuneConfig | None = None,
             progress: Callable[[TrainProgress], None] | None = None) -> tuple[RunInfo, TrainingResult]:
        """Train a LoRA adapter into `runs/<id>/`; `resume` continues an unfinished run from its last checkpoint."""
        from ragtune.tune import train_lora

        kind = "raft" if raft else "ft"
        runs = self.settings.runs_dir
        if resume:
            info = find_run(runs, kind, run, done=False) if run is None else read_run(runs / run)
            if info.status == "done":
                raise ProjectError(f"run {info.id} already finished; start a new one without --resume.")
            record = info.record
            for key in ("train", "val"):
                path = record["data"].get(key)
                if path and file_hash(Path(path)) != record["data"][f"{key}_hash"]:
                    raise ProjectError(f"{path} changed since run {info.id} started; start a new run instead of "
                                       "--resume.")
            cfg = TuneConfig(**record["config"])
        else:
            synth = self.settings.synth_dir
            train_path = Path(train) if train else synth / ("raft_train.jsonl" if raft else "train.jsonl")
            val_path = Path(val) if val else (None if train else synth / "val.jsonl")
            if not train_path.is_file():
                raise ProjectError(f"training data {train_path} not found: run `ragtune synth` first"
                                   + (" (with [synth] raft = true)" if raft else "") + ", or pass --data FILE.")
            if val_path is not None and (not val_path.is_file() or val_path.stat().st_size == 0):
                val_path = None
            cfg = cfg or self.settings.tune
            if cfg.device == "auto":
                cfg = replace(cfg, device=self.settings.models.device)
            train_path, val_path = train_path.resolve(), val_path.resolve() if val_path else None
            run_id = run or new_run_id(kind, runs)
            data = {"train": str(train_path), "train_hash": file_hash(train_path),
                    "val": str(val_path) if val_path else None, "val_hash": file_hash(val_path) if val_path else None}
            record = {"kind": kind, "created": time.strftime("%Y-%m-%dT%H:%M:%S"), "status": "running",
                      "base_model": self.settings.models.generator, "data": data, "config": _asdict(cfg)}
            write_run(runs / run_id, record)
            info = read_run(runs / run_id)
        result = train_lora(self.base_model_path(), record["data"]["train"], record["data"]["val"], info.path, cfg,
                            resume=resume, progress=progress)
        write_run(info.path, {**record, "status": "done", "steps": result.steps})
        return read_run(info.path), result

    def export(self, out_dir: str | Path, run: str | None = None, kind: str = "ft") -> Path:
        """Merge a run's adapter into the base model and save a plain Hugging Face folder."""
        from ragtune.tune import export_merged

        return export_merged(self.base_model_path(), find_run(self.settings.runs_dir, kind, run).adapter_dir, out_dir)

    # -- evaluation (runs: ragtune.evaluate.session) -------------------------------------------------

    def available_variants(self) -> list[str]:
        """The variants this project can run now: retrieval needs an index, adapters a finished run."""
        indexed = self.settings.index_dir.exists() and self.index.stats().chunks > 0
        out = []
        for name, v in self.variants.items():
            if v.retrieval and not indexed:
                continue
            if v.adapter is not None:
                try:
                    self.adapter_for(name)
                except TuneError:
                    continue
            out.append(name)
        return out

    def _path(self, value: str | Path) -> Path:
        """A path from the project file, relative to the project directory."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.settings.root / path


def _asdict(cfg: TuneConfig) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}
