"""An evaluation run over a project: optional update (freshness), every variant on the questions,
the forgetting probe, and summary.json with metrics, CIs, paired tests, cost and freshness.

`ragtune eval` calls `evaluate` then `summarize_run`; the layers they combine live next to this file
(runner, metrics, judge, stats, summary, cost, freshness).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Sequence

from ragtune.answer import Answer
from ragtune.evaluate.cost import cost_summary, load_training_cost
from ragtune.evaluate.freshness import (FORGETTING_DIR, freshness_summary, general_knowledge_path, read_update,
                                        write_update)
from ragtune.evaluate.judge import judge_answer
from ragtune.evaluate.metrics import choice_metrics
from ragtune.evaluate.runner import read_results, run_eval, write_manifest
from ragtune.evaluate.summary import summarize, write_summary
from ragtune.project import Project, ProjectError
from ragtune.questions import Question, load_questions
from ragtune.tune.card import model_hash, package_versions
from ragtune.tune.runs import file_hash, new_run_id, read_run

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def evaluate(proj: Project, questions: str | Path, variants: Sequence[str] | None = None, *, run: str | None = None,
             freshness: str | Path | None = None, forgetting: bool = False,
             progress: Progress | None = None) -> tuple[Path, list[dict]]:
    """Every question through every variant into `runs/<id>/results.jsonl`; an existing `run` resumes.

    `freshness`: first sync the index to these (changed) documents, timed, keeping the adapters as they
    are (see `ragtune.evaluate.freshness`). `forgetting`: also ask the shipped general-knowledge probe of
    the base model and every closed-book fine-tuned variant. `progress(stage, done, total)`.
    """
    qs = load_questions(questions)
    variants = list(variants or proj.available_variants())
    vs = {v: proj.variant(v) for v in variants}
    adapters = {v: proj.adapter_for(v) for v in variants}  # fails early when a run is missing
    run_dir = proj.settings.runs_dir / (run or new_run_id("eval", proj.settings.runs_dir))
    if freshness is not None:
        apply_update(proj, Path(freshness), run_dir, progress)
    retrieval = {v: vs[v].retrieval for v in variants}
    if any(retrieval.values()) and not proj.index.stats().chunks:
        raise ProjectError("the index is empty: run `ragtune ingest PATH` before evaluating rag variants.")
    write_manifest(run_dir, _manifest(proj, Path(questions), variants, adapters, freshness))

    def ask(block: list[str], variant: str) -> list[Answer]:
        return proj.ask_many(block, variant, run=_run_id(adapters.get(variant)))  # the probe adds base

    score = _scorer(proj, adapters)
    top_k = proj.settings.retrieval.top_k
    stage = (lambda d, n: progress("Evaluating", d, n)) if progress else None
    e = proj.settings.eval
    batching = {"batch_size": e.batch_size, "latency_sample": e.latency_sample}
    results = run_eval(ask, qs, variants, run_dir, top_k=top_k, retrieval=retrieval, score=score, progress=stage,
                       **batching)
    if forgetting:
        probe = ["base"] + [v for v in variants if vs[v].adapter is not None and not vs[v].retrieval]
        stage = (lambda d, n: progress("Forgetting probe", d, n)) if progress else None
        run_eval(ask, load_questions(general_knowledge_path()), probe, run_dir / FORGETTING_DIR, top_k=top_k,
                 retrieval={v: False for v in probe}, score=score, progress=stage, batch_size=e.batch_size)
    return run_dir, results


def _scorer(proj: Project, adapters: dict[str, Path | None]) -> Callable[[Question, str, Answer], dict]:
    """Measurements beyond the generated text: multiple choice by log-likelihood, and the LLM judge."""
    judge = proj.judge()

    def score(q: Question, variant: str, answer: Answer) -> dict:
        out: dict = {"metrics": {}}
        if q.options:
            scores = proj.choose(q.question, q.options, variant, answer.passages,
                                 run=_run_id(adapters.get(variant)))
            out["options"] = [{"text": o, "logprob": lp, "tokens": n} for o, (lp, n) in zip(q.options, scores)] \
                if scores else None
            out["metrics"] |= choice_metrics(scores or [], q.options, q.answers)
        if judge is not None:
            verdict = judge_answer(judge, q.question, q.answers, answer.text,
                                   [h.text for h in answer.passages] if proj.variant(variant).retrieval else None)
            out["metrics"] |= verdict.pop("metrics")
            out |= verdict
        return out

    return score


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


def summarize_run(proj: Project, run_dir: Path) -> dict:
    """summary.json for an eval run: metrics with CIs and paired tests, cost, freshness, forgetting probe."""
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    results = read_results(run_dir)
    variants = [v for v in manifest["variants"] if any(r["variant"] == v for r in results)]
    e = proj.settings.eval
    summary = summarize(results, variants, seed=e.seed, resamples=e.bootstrap_resamples)
    summary["k"] = proj.settings.retrieval.top_k
    defined = manifest.get("retrieval") or {}  # what the run did, even if ragtune.toml changed since
    retrieval = {v: defined[v] if v in defined else proj.variant(v).retrieval for v in variants}
    training = {}
    for v, a in manifest.get("adapters", {}).items():
        run_path = Path(a["path"]).parent
        record = read_run(run_path).record if (run_path / "run.json").is_file() else {}
        train = (record.get("data") or {}).get("train")
        synth_report = Path(train).parent / "synth_report.json" if train else None
        try:
            training[v] = load_training_cost(run_path, synth_report, proj.settings.cost)
        except ValueError:
            training[v] = None
    update = read_update(run_dir)
    summary["cost"] = cost_summary(summary, proj.settings.cost, adapters=training, retrieval=retrieval,
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


def _manifest(proj: Project, questions: Path, variants: list[str], adapters: dict[str, Path | None],
              freshness: str | Path | None) -> dict:
    local = not proj.settings.models.generator.startswith("openai:")
    retrieval = {v: proj.variant(v).retrieval for v in variants}
    return {"kind": "eval", "variants": variants, "questions": str(questions.resolve()),
            "questions_hash": file_hash(questions),
            "corpus_version": proj.index.version if any(retrieval.values()) else None,
            "variant_definitions": {v: asdict(proj.variant(v)) for v in variants}, "retrieval": retrieval,
            "freshness": str(Path(freshness).resolve()) if freshness else None,
            "settings": proj.settings.model_dump(mode="json"), "packages": package_versions(),
            "generator": {"spec": proj.settings.models.generator,
                          "hash": model_hash(proj.base_model_path()) if local else None},
            "embedder": proj.settings.models.embedder,
            "adapters": {v: {"path": str(a), "hash": file_hash(a / "adapter_model.safetensors")}
                         for v, a in adapters.items() if a is not None},
            "seed": proj.settings.eval.seed, "temperature": proj.settings.generation.temperature}


def _run_id(adapter: Path | None) -> str | None:
    return adapter.parent.name if adapter is not None else None
