"""From a variant's name to an `Answerer` over an open project: its adapter (the newest finished run of
its kind, or a pinned run), its generator (adapters share the base model's weights) and its search.

The only place that knows how a variant is built; everything that answers goes through `answerer`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from ragtune.behaviour.prompt import TaskPrompt
from ragtune.behaviour.task import open_task
from ragtune.errors import ModelError, ProjectError, TuneError
from ragtune.models.protocols import Generator
from ragtune.index import ChunkIndex
from ragtune.project import Project
from ragtune.retrieve import parse_filter, retrieve
from ragtune.runs import find_training_run
from ragtune.variants.answerer import Answerer, Search
from ragtune.variants.spec import (ADAPTER_KINDS, TASK_ADAPTERS, TASK_STANDARD, VARIANTS, Variant, get_variant,
                                   project_variants)


def variant(proj: Project, name: str) -> Variant:
    """The project's variant called `name` (standard or `[variants.<name>]`); a VariantError lists the known ones."""
    return get_variant(name, project_variants(proj.settings))


def adapter_dir(proj: Project, v: Variant, run: str | None = None) -> Path | None:
    """The adapter folder `v` answers with (None: the base model); `run` overrides which training run."""
    if v.adapter is None:
        return None
    kind = v.adapter_kind or "ft"
    return find_training_run(proj.settings.runs_dir, kind, run or (None if v.adapter_kind else v.adapter)).adapter_dir


def generator_with(proj: Project, adapter: Path | None, gen: Generator | None = None) -> Generator:
    """`gen` (default: the project's generator) with a LoRA adapter applied (None: the base model); adapters
    share its weights and, with `[generation] merge_adapters`, answer with merged weights (as fast as the base
    model)."""
    gen = gen or proj.generator
    if hasattr(gen, "with_adapter"):
        if adapter is not None and getattr(gen, "merge_adapters", None) is not None:
            return gen.with_adapter(adapter, merge=proj.settings.generation.merge_adapters)
        return gen.with_adapter(adapter)
    if adapter is not None:
        raise ProjectError("fine-tuned variants need a local generator; this project uses "
                           f"{proj.settings.models.generator!r}. Serve the adapter from your endpoint and name it in "
                           "a variant of your own (README, Models: endpoint-served adapters).")
    return gen


def generator_of(proj: Project, v: Variant, adapter: Path | None) -> Generator:
    """What variant `v` answers with: its own model (None: `[models] generator`), loaded once per project,
    with its adapter applied; an endpoint model answers as it is (with an adapter: the endpoint serves it)."""
    if v.generator is None:
        return generator_with(proj, adapter)
    try:
        gen = proj.generator_for(v.generator, v.api_base, v.api_key_env)
    except ModelError as e:
        raise ModelError(f"[variants.{v.name}] generator = {v.generator!r}: {e}") from e
    if v.remote:
        return gen
    if adapter is not None:
        _check_trained_on(adapter, v, proj.path(v.generator) if v.generator != "smollm2" else None)
    return generator_with(proj, adapter, gen)


def _check_trained_on(adapter: Path, v: Variant, model: Path | None) -> None:
    """An adapter answers only on the weights it was trained on (`model` None: the packaged SmolLM2)."""
    import json

    from ragtune.models.packaged import packaged_generator_path

    try:
        base = json.loads((adapter / "adapter_config.json").read_text())["base_model_name_or_path"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # not ours to judge: the adapter loader says what is wrong with the folder
    model = model or packaged_generator_path()
    if Path(base).expanduser().resolve() != model.resolve():
        raise ProjectError(f"[variants.{v.name}]: the adapter {adapter} was trained on {base}, not on its generator "
                           f"{v.generator!r}; train on that model (make it [models] generator and run `ragtune tune`) "
                           "or drop the adapter.")


def search_with(proj: Project, retriever: str | None = None, top_k: int | None = None,
                filters: Sequence[str] = (), index: ChunkIndex | None = None, rerank: str | None = None) -> Search:
    """A question -> passages function with the project's `[retrieval]` settings, overridable per call;
    `index`: another index of the same chunks (the fine-tuned retriever's) instead of the project's;
    `rerank`: a reranker spec instead of `[retrieval] rerank` ("": none)."""
    r = proj.settings.retrieval
    parsed = [parse_filter(f) for f in filters]
    kind, k, index = retriever or r.retriever, top_k or r.top_k, index or proj.index
    weights = {"dense": r.dense_weight, "bm25": r.bm25_weight}
    reranker = proj.reranker(rerank)
    depth = max(k, r.rerank_depth) if reranker is not None else k

    def search(question: str):
        hits = retrieve(index, question, retriever=kind, top_k=depth, filters=parsed, rrf_k=r.rrf_k, weights=weights)
        return reranker.rerank(question, hits, k) if reranker is not None else hits

    return search


def answerer(proj: Project, name: str, *, run: str | None = None, retriever: str | None = None,
             top_k: int | None = None, filters: Sequence[str] = (), task: TaskPrompt | None = None) -> Answerer:
    """The variant `name` of `proj`, ready to answer; `run` pins the training run whose adapter it uses,
    `retriever`, `top_k` and `filters` override the variant's retrieval (ignored for closed-book variants).
    `task`: answer a task's inputs with its prompt (a few-shot or task-ft variant without one opens the
    project's `[behaviour] task`)."""
    v = variant(proj, name)
    if task is None and v.task_only:
        task = open_task(proj).prompt
    if task is not None:
        task = task.with_shots(proj.settings.behaviour.shots if v.shots else 0)
    adapter = adapter_dir(proj, v, run)
    search, kind, k, reranker = None, None, None, None
    if v.retrieval:
        index = proj.retriever_index() if v.index == "ftr" else proj.index
        if index.stats().chunks == 0:
            raise ProjectError("the index is empty: run `ragtune ingest PATH` first, or use a variant without "
                               "retrieval (base, ft)")
        kind = retriever or (None if v.retriever == "default" else v.retriever) or proj.settings.retrieval.retriever
        k = top_k or v.top_k or proj.settings.retrieval.top_k
        search = search_with(proj, kind, k, filters, index, v.rerank)
        reranker = proj.reranker(v.rerank)
    g = proj.settings.generation
    tokens = (proj.settings.behaviour.max_new_tokens or g.max_new_tokens) if task is not None else g.max_new_tokens
    return Answerer(v, generator_of(proj, v, adapter), adapter, search, kind, k, tokens, g.temperature, task,
                    index.embedder.name if search is not None else None,
                    reranker.reranker.name if reranker is not None else None)


def answerers(proj: Project, names: Iterable[str], task: TaskPrompt | None = None) -> dict[str, Answerer]:
    """`answerer` for each name, resolved now: a training run that finishes later does not change them."""
    return {name: answerer(proj, name, task=task) for name in names}


def available_variants(proj: Project, *, task: bool = False) -> list[str]:
    """The variants this project can run now: retrieval needs an index, adapters a finished run. `task`:
    those that answer a task (base, fewshot, rag, fewshot+rag, task-ft, task-ft+rag, your own), in that order;
    else those that answer questions (no few-shot or task-trained variants)."""
    indexed = proj.has_index() and proj.index.stats().chunks > 0
    known = project_variants(proj.settings)
    if task:
        known = {n: known[n] for n in TASK_STANDARD} | {n: v for n, v in known.items() if n not in VARIANTS}
    out = []
    for name, v in known.items():
        if (v.retrieval and not indexed) or (v.task_only and not task) or (task and v.adapter in ADAPTER_KINDS
                                                                            and v.adapter not in TASK_ADAPTERS):
            continue
        try:
            if v.adapter is not None:
                adapter_dir(proj, v)
            if v.index == "ftr":
                find_training_run(proj.settings.runs_dir, "retriever")
        except TuneError:
            continue
        out.append(name)
    return out
