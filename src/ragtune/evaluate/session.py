"""An evaluation run over a project: optional update (freshness), every variant on the questions,
the forgetting probe, and summary.json with metrics, CIs, paired tests, cost and freshness.

`ragtune eval` calls `evaluate` then `summarize_run`; the layers they combine live next to this file
(runner, metrics, judge, stats, summary, cost, freshness).
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

from ragtune.errors import ProjectError, RunError
from ragtune.evaluate.cost import TrainingCost, cost_summary, load_training_cost
from ragtune.evaluate.freshness import freshness_summary, general_knowledge_path, read_update, write_update
from ragtune.evaluate.known import known_new
from ragtune.evaluate.results import Manifest, ResultRecord, Summary, read_manifest, read_results, read_summary, write_summary
from ragtune.evaluate.retriever_gain import retriever_gains
from ragtune.evaluate.runner import run_eval, write_manifest
from ragtune.evaluate.summary import COMPARED, build_summary, forgetting_summary
from ragtune.models.protocols import Generator
from ragtune.project import Project
from ragtune.questions import load_questions
from ragtune.runs import (FORGETTING_DIR, MANIFEST, RUN_FILE, file_hash, model_hash, new_run_id, package_versions,
                          read_training_run)
from ragtune.variants import Answerer, adapter_dir, answerer, answerers, available_variants, variant

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def evaluate(proj: Project, questions: str | Path, variants: Sequence[str] | None = None, *, run: str | None = None,
             freshness: str | Path | None = None, forgetting: bool = False,
             progress: Progress | None = None) -> tuple[Path, list[ResultRecord]]:
    """Every question through every variant into `runs/<id>/results.jsonl`; an existing `run` resumes.

    `freshness`: first sync the index to these (changed) documents, timed, keeping the adapters as they
    are (see `ragtune.evaluate.freshness`). `forgetting`: also ask the shipped general-knowledge probe of
    the base model and every closed-book fine-tuned variant. `progress(stage, done, total)`.
    """
    qs = load_questions(questions)
    names = list(variants or available_variants(proj))
    for name in names:  # fails early, before any update, when a variant is unknown or its run is missing
        adapter_dir(proj, variant(proj, name))
    run_dir = proj.settings.runs_dir / (run or new_run_id("eval", proj.settings.runs_dir))
    if freshness is not None:
        apply_update(proj, Path(freshness), run_dir, progress)
    if any(variant(proj, v).retrieval for v in names) and not proj.index.stats().chunks:
        raise ProjectError("the index is empty: run `ragtune ingest PATH` before evaluating rag variants.")
    answering = answerers(proj, names)  # resolved once: a run that finishes meanwhile does not change them
    write_manifest(run_dir, eval_manifest(proj, Path(questions), answering, freshness))
    judge = judge_of(proj)
    top_k = proj.settings.retrieval.top_k
    e = proj.settings.eval
    batch = block_size(e.batch_size, answering, judge)
    results = run_eval(answering, qs, run_dir, top_k=top_k, judge=judge, progress=progress, batch_size=batch,
                       latency_sample=e.latency_sample)
    if forgetting:
        probe = {"base": answering.get("base") or answerer(proj, "base")}
        probe |= {v: a for v, a in answering.items() if a.adapter is not None and not a.retrieval}
        run_eval(probe, load_questions(general_knowledge_path()), run_dir / FORGETTING_DIR, top_k=top_k,
                 judge=judge, progress=progress, stage="Forgetting probe", batch_size=batch)
    return run_dir, results


def block_size(batch_size: int, answering: Mapping[str, Answerer], judge: Generator | None = None) -> int:
    """Questions answered together per variant: `[eval] batch_size`, or more where an endpoint (a variant's
    generator or the judge) takes more requests at once (`[models] concurrency`)."""
    models = [a.generator for a in answering.values()] + ([judge] if judge is not None else [])
    return max([batch_size] + [getattr(g, "concurrency", 1) for g in models])


def judge_of(proj: Project) -> Generator | None:
    """The `[eval] judge` (None: no judge)."""
    spec = proj.settings.eval.judge.strip()
    return None if not spec or spec.lower() == "none" else proj.generator_named(spec)


def apply_update(proj: Project, new_docs: Path, run_dir: Path, progress: Progress | None = None) -> dict:
    """Sync the index to the changed documents once per run, timed; a resumed run reuses the record."""
    update = read_update(run_dir)
    if update and update.get("status") == "done":
        if proj.index.version != update["version_after"]:
            raise ProjectError(f"the index changed since run {run_dir.name} synced it to {update['new_documents']};"
                               " start a new run instead of resuming.")
        return update
    before = update["version_before"] if update else proj.index.version
    write_update(run_dir, {"status": "syncing", "new_documents": str(new_docs.resolve()), "version_before": before})
    stage = (lambda d, n: progress("Syncing the update", d, n)) if progress else None
    t0 = time.perf_counter()
    report = proj.ingest(new_docs, progress=stage)
    sync = report.sync
    update = {"status": "done", "new_documents": str(new_docs.resolve()), "version_before": before,
              "version_after": proj.index.version, "sync_s": round(time.perf_counter() - t0, 3),
              "load_s": round(report.load_s, 3), "added": list(sync.added), "changed": list(sync.changed),
              "removed": list(sync.removed), "chunks_embedded": sync.chunks_embedded,
              "skipped_files": [f.path for f in report.load.skipped],
              "interrupted_before": update is not None}  # a crash mid-sync: this time covers only the rest
    write_update(run_dir, update)
    return update


def summarize_run(proj: Project, run_dir: Path, *,
                  scored: Callable[[list[ResultRecord]], list[ResultRecord]] | None = None,
                  compared: Sequence[str] = COMPARED) -> Summary:
    """summary.json for an eval run: metrics with CIs and paired tests, cost, freshness, forgetting probe, and
    accuracy on the facts `base` knew closed-book and on those new to it (`known_new`).
    `scored` adds metrics computed over the whole run (a task's style scores) before the summary; `compared`
    are the metrics paired-tested between variants."""
    manifest = read_manifest(run_dir)
    if manifest is None:
        raise RunError(f"{run_dir} has no {MANIFEST}: it was not made by `ragtune eval`.")
    results = read_results(run_dir)
    if scored is not None:
        results = scored(results)
    variants = [v for v in manifest.variants if any(r.variant == v for r in results)]
    e = proj.settings.eval
    summary = build_summary(results, variants, seed=e.seed, resamples=e.bootstrap_resamples, compared=compared,
                            margin=e.equivalence_margin)
    retrieval = {v: manifest.retrieves(v, results) for v in variants}  # what the run did, whatever ragtune.toml says now
    training = _training_costs(proj, manifest)
    update = read_update(run_dir)
    defined = manifest.variant_definitions
    cost = cost_summary(summary, proj.settings.cost, adapters=training, retrieval=retrieval,
                        sync_s=update.get("sync_s") if update else None,
                        own_prices={v: dict(d.get("prices") or ()) for v, d in defined.items()},
                        own_model={v: d["generator"] for v, d in defined.items() if d.get("generator")})
    fresh = freshness_summary(results, variants, update, {v: t.seconds if t else None for v, t in training.items()},
                              retrieval, seed=e.seed, resamples=e.bootstrap_resamples) if update else None
    probe = read_results(run_dir / FORGETTING_DIR)
    forgetting = forgetting_summary(probe, seed=e.seed, resamples=e.bootstrap_resamples) if probe else None
    k = proj.settings.retrieval.top_k
    gains = retriever_gains(results, manifest, k, seed=e.seed, resamples=e.bootstrap_resamples)
    known = known_new(results, variants, seed=e.seed, resamples=e.bootstrap_resamples, margin=e.equivalence_margin)
    summary = replace(summary, k=k, cost=cost, freshness=fresh, forgetting=forgetting, retrievers=gains,
                      known_new=known, extra={**summary.extra, **_notes(results, variants)})
    write_summary(run_dir, summary)
    return read_summary(run_dir)  # as any later reader sees it (strict JSON: unmeasured is null)


def _notes(results: Sequence[ResultRecord], variants: Sequence[str]) -> dict:
    """What the run could not measure and why, for summary.json's `notes` (none: nothing to add)."""
    notes = []
    for v in variants:
        unscored = sum(1 for r in results if r.variant == v and "mc_correct" in r.metrics and r.options is None)
        if unscored:
            notes.append(f"{v}: {unscored} multiple-choice questions not scored by log-likelihood: its model returns "
                         "no prompt log-probabilities (an endpoint other than vLLM or `ragtune serve`'s weights-*).")
    return {"notes": notes} if notes else {}


def _training_costs(proj: Project, manifest: Manifest) -> dict[str, TrainingCost | None]:
    """What retraining each trained variant costs: the training card of its adapter and of its fine-tuned
    retriever (both, for ft+rag-ftr), each plus the synthesis it trained on."""
    training: dict[str, TrainingCost | None] = {}
    runs = {v: [Path(a["path"]).parent] for v, a in manifest.adapters.items()}
    for v, path in manifest.retrievers.items():
        runs.setdefault(v, []).append(Path(path))
    for v, paths in runs.items():
        try:
            costs = [_run_cost(proj, p) for p in paths]
        except ValueError:
            training[v] = None
            continue
        training[v] = TrainingCost(sum(c.seconds for c in costs), sum(c.tokens for c in costs),
                                   sum(c.usd for c in costs))
    return training


def _run_cost(proj: Project, run_path: Path) -> TrainingCost:
    record = read_training_run(run_path).record if (run_path / RUN_FILE).is_file() else {}
    train = (record.get("data") or {}).get("train")
    synth_report = Path(train).parent / "synth_report.json" if train else None
    return load_training_cost(run_path, synth_report, proj.settings.cost)


def eval_manifest(proj: Project, questions: Path, answering: Mapping[str, Answerer], freshness: str | Path | None) -> dict:
    local = not proj.settings.models.generator.startswith("openai:")
    retrieval = {v: a.retrieval for v, a in answering.items()}
    return {"kind": "eval", "variants": list(answering), "questions": str(questions.resolve()),
            "questions_hash": file_hash(questions),
            "corpus_version": proj.index.version if any(retrieval.values()) else None,
            "variant_definitions": {v: asdict(a.variant) for v, a in answering.items()}, "retrieval": retrieval,
            "answerers": {v: a.describe() for v, a in answering.items()},  # each variant's model, as it answered
            "freshness": str(Path(freshness).resolve()) if freshness else None,
            "settings": proj.settings.model_dump(mode="json"), "packages": package_versions(),
            "generator": {"spec": proj.settings.models.generator,
                          "hash": model_hash(proj.base_model_path()) if local else None},
            "embedder": proj.settings.models.embedder,
            "dtype": _dtype_choices(proj, answering),
            "adapters": {v: {"path": str(a.adapter), "hash": file_hash(a.adapter / "adapter_model.safetensors")}
                         for v, a in answering.items() if a.adapter is not None},
            "retrievers": {v: str(proj.retriever_index().path.parent) for v, a in answering.items()
                           if a.variant.index == "ftr"},
            "seed": proj.settings.eval.seed, "temperature": proj.settings.generation.temperature}


def _dtype_choices(proj: Project, answering: Mapping[str, Answerer]) -> dict:
    """The dtype the generator and the embedder run in, and the probe's figures (a model not loaded: None)."""
    from ragtune.models.dtype import choice_records

    generator = next((a.generator for a in answering.values() if hasattr(a.generator, "dtype_choice")), None)
    return choice_records(generator=generator, embedder=vars(proj).get("embedder"))  # loaded already, or None
