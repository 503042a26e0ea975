"""An open ragtune project: its settings, its models (loaded on first use) and its index.

This is the one place that wires the layers together; the CLI and notebooks both go through it.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from ragtune.answer import Answer, answer_question, build_messages
from ragtune.config import Settings, TuneConfig, load_settings
from ragtune.corpus import LoadResult, load_corpus, make_chunker
from ragtune.index import ChunkIndex, SyncReport
from ragtune.models import Embedder, Generator, load_embedder, load_generator
from ragtune.retrieve import Hit, parse_filter, retrieve
from ragtune.tune.errors import TuneError
from ragtune.tune.runs import RunInfo, file_hash, find_run, list_runs, new_run_id, read_run, write_run
from ragtune.variants import VARIANTS, Variant, custom_variants, get_variant

if TYPE_CHECKING:
    from ragtune.synth import TrainingSet
    from ragtune.tune import TrainingResult, TrainProgress


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
        return answer_question(question, generator, search, max_new_tokens=g.max_new_tokens,
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

    # -- evaluation ---------------------------------------------------------------------------------

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

    def evaluate(self, questions: str | Path, variants: Sequence[str] | None = None, *, run: str | None = None,
                 freshness: str | Path | None = None, forgetting: bool = False,
                 progress: Callable[[str, int, int], None] | None = None) -> tuple[Path, list[dict]]:
        """Every question through every variant into `runs/<id>/results.jsonl`; an existing `run` resumes.

        `freshness`: first sync the index to these (changed) documents, timed, keeping the adapters as they
        are (see `ragtune.evaluate.freshness`). `forgetting`: also ask the shipped general-knowledge probe of
        the base model and every closed-book fine-tuned variant. `progress(stage, done, total)`.
        """
        from ragtune.evaluate.freshness import FORGETTING_DIR, general_knowledge_path
        from ragtune.evaluate.runner import run_eval, write_manifest
        from ragtune.questions import load_questions

        qs = load_questions(questions)
        variants = list(variants or self.available_variants())
        vs = {v: self.variant(v) for v in variants}
        adapters = {v: self.adapter_for(v) for v in variants}  # fails early when a run is missing
        run_dir = self.settings.runs_dir / (run or new_run_id("eval", self.settings.runs_dir))
        if freshness is not None:
            self._apply_update(Path(freshness), run_dir, progress)
        retrieval = {v: vs[v].retrieval for v in variants}
        if any(retrieval.values()) and not self.index.stats().chunks:
            raise ProjectError("the index is empty: run `ragtune ingest PATH` before evaluating rag variants.")
        write_manifest(run_dir, self._manifest(Path(questions), variants, adapters, freshness))

        def ask(question: str, variant: str) -> Answer:
            return self.ask(question, variant, run=_run_id(adapters[variant]))

        score = self._scorer(vs, adapters)
        top_k = self.settings.retrieval.top_k
        stage = (lambda d, n: progress("Evaluating", d, n)) if progress else None
        results = run_eval(ask, qs, variants, run_dir, top_k=top_k, retrieval=retrieval, score=score, progress=stage)
        if forgetting:
            probe = ["base"] + [v for v in variants if vs[v].adapter is not None and not vs[v].retrieval]
            stage = (lambda d, n: progress("Forgetting probe", d, n)) if progress else None
            run_eval(ask, load_questions(general_knowledge_path()), probe, run_dir / FORGETTING_DIR, top_k=top_k,
                     retrieval={v: False for v in probe}, score=score, progress=stage)
        return run_dir, results

    def _scorer(self, vs: dict[str, Variant], adapters: dict[str, Path | None]):
        """Measurements beyond the generated text: multiple choice by log-likelihood, and the LLM judge."""
        from ragtune.evaluate.judge import judge_answer
        from ragtune.evaluate.metrics import choice_metrics

        judge = self.judge()

        def score(q, variant: str, answer: Answer) -> dict:
            out: dict = {"metrics": {}}
            retrieval = vs.get(variant, self.variant(variant)).retrieval
            if q.options:
                scores = self.choose(q.question, q.options, variant, answer.passages,
                                     run=_run_id(adapters.get(variant)))
                out["options"] = [{"text": o, "logprob": lp, "tokens": n} for o, (lp, n) in zip(q.options, scores)] \
                    if scores else None
                out["metrics"] |= choice_metrics(scores or [], q.options, q.answers)
            if judge is not None:
                verdict = judge_answer(judge, q.question, q.answers, answer.text,
                                       [h.text for h in answer.passages] if retrieval else None)
                out["metrics"] |= verdict.pop("metrics")
                out |= verdict
            return out

        return score

    def _apply_update(self, new_docs: Path, run_dir: Path, progress) -> dict:
        """Sync the index to the changed documents once per run, timed; a resumed run reuses the record."""
        from ragtune.evaluate.freshness import read_update, write_update

        update = read_update(run_dir)
        if update and update.get("status") == "done":
            if self.index.version != update["version_after"]:
                raise ProjectError(f"the index changed since run {run_dir.name} synced it to {update['new_documents']};"
                                   " start a new run instead of resuming.")
            return update
        before = update["version_before"] if update else self.index.version
        write_update(run_dir, {"status": "syncing", "new_documents": str(new_docs.resolve()), "version_before": before})
        stage = (lambda d, n: progress("Syncing the update", d, n)) if progress else None
        t0 = time.perf_counter()
        report = self.ingest(new_docs, progress=stage)
        sync = report.sync
        update = {"status": "done", "new_documents": str(new_docs.resolve()), "version_before": before,
                  "version_after": self.index.version, "sync_s": round(time.perf_counter() - t0, 3),
                  "load_s": round(report.load_s, 3), "added": list(sync.added), "changed": list(sync.changed),
                  "removed": list(sync.removed), "chunks_embedded": sync.chunks_embedded,
                  "skipped_files": [f.path for f in report.load.skipped],
                  "interrupted_before": update is not None}  # a crash mid-sync: this time covers only the rest
        write_update(run_dir, update)
        return update

    def summarize(self, run_dir: Path) -> dict:
        """summary.json for an eval run: metrics with CIs and paired tests, cost, freshness, forgetting probe."""
        from ragtune.evaluate.cost import cost_summary, load_training_cost
        from ragtune.evaluate.freshness import FORGETTING_DIR, freshness_summary, read_update
        from ragtune.evaluate.runner import read_results
        from ragtune.evaluate.summary import summarize, write_summary

        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        results = read_results(run_dir)
        variants = [v for v in manifest["variants"] if any(r["variant"] == v for r in results)]
        e = self.settings.eval
        summary = summarize(results, variants, seed=e.seed, resamples=e.bootstrap_resamples)
        summary["k"] = self.settings.retrieval.top_k
        defined = manifest.get("retrieval") or {}  # what the run did, even if ragtune.toml changed since
        retrieval = {v: defined[v] if v in defined else self.variant(v).retrieval for v in variants}
        training = {}
        for v, a in manifest.get("adapters", {}).items():
            run_path = Path(a["path"]).parent
            record = read_run(run_path).record if (run_path / "run.json").is_file() else {}
            train = (record.get("data") or {}).get("train")
            synth_report = Path(train).parent / "synth_report.json" if train else None
            try:
                training[v] = load_training_cost(run_path, synth_report, self.settings.cost)
            except ValueError:
                training[v] = None
        update = read_update(run_dir)
        summary["cost"] = cost_summary(summary, self.settings.cost, adapters=training, retrieval=retrieval,
                                       sync_s=update.get("sync_s") if update else None)
        if update:
            summary["freshness"] = freshness_summary(
                results, variants, update, {v: t.seconds if t else None for v, t in training.items()}, retrieval,
                seed=e.seed, resamples=e.bootstrap_resamples)
        probe = read_results(run_dir / FORGETTING_DIR)
        if probe:
            names = list(dict.fromkeys(r["variant"] for r in probe))
            forgot = summarize(probe, names, seed=e.seed, resamples=e.bootstrap_resamples)
            summary["forgetting"] = {
                "questions": len({r["question_id"] for r in probe}),
                "variants": {v: {m: s["metrics"].get(m) for m in ("contains", "mc_correct", "mc_correct_norm")}
                             for v, s in forgot["variants"].items()},
                "comparisons": [c for c in forgot["comparisons"] if c["metric"] == "contains"]}
        return json.loads(write_summary(run_dir, summary).read_text(encoding="utf-8"))

    def _manifest(self, questions: Path, variants: list[str], adapters: dict[str, Path | None],
                  freshness: str | Path | None) -> dict:
        from ragtune.tune.card import model_hash, package_versions

        local = not self.settings.models.generator.startswith("openai:")
        retrieval = {v: self.variant(v).retrieval for v in variants}
        return {"kind": "eval", "variants": variants, "questions": str(questions.resolve()),
                "questions_hash": file_hash(questions),
                "corpus_version": self.index.version if any(retrieval.values()) else None,
                "variant_definitions": {v: asdict(self.variant(v)) for v in variants}, "retrieval": retrieval,
                "freshness": str(Path(freshness).resolve()) if freshness else None,
                "settings": self.settings.model_dump(mode="json"), "packages": package_versions(),
                "generator": {"spec": self.settings.models.generator,
                              "hash": model_hash(self.base_model_path()) if local else None},
                "embedder": self.settings.models.embedder,
                "adapters": {v: {"path": str(a), "hash": file_hash(a / "adapter_model.safetensors")}
                             for v, a in adapters.items() if a is not None},
                "seed": self.settings.eval.seed, "temperature": self.settings.generation.temperature}

    def _path(self, value: str | Path) -> Path:
        """A path from the project file, relative to the project directory."""
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.settings.root / path


def _run_id(adapter: Path | None) -> str | None:
    return adapter.parent.name if adapter is not None else None


def _asdict(cfg: TuneConfig) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(cfg).items()}
