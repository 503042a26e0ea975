"""`ragtune eval --task`: a behaviour measured like knowledge, on the held-out test examples of a task.

Every test example goes through every task variant (base, fewshot, rag, fewshot+rag, task-ft,
task-ft+rag, your own) with the task's prompt, one line per (example, variant) in `results.jsonl`, so an
interrupted run resumes like any eval. Each answer is scored by `task_record`: the spec's checks
(`format_ok` and one 0/1 metric per check), `label_correct`, `closeness` (chrF to the reference output)
and, where the example carries `answers`, the knowledge metrics (`contains`, `stale`).

The style score needs the base model's own style: the base variant answers `style_samples` training
inputs once per run (`runs/<id>/style/results.jsonl`, resumable too); `summarize_task_run` trains the style
classifier on those against the training outputs and scores every test answer with it (docs/metrics.md).
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from ragtune.behaviour.scores import closeness, macro_f1, macro_f1_resampled
from ragtune.behaviour.spec import check_output
from ragtune.behaviour.style import StyleModel, train_style
from ragtune.behaviour.task import Task, open_task
from ragtune.errors import ProjectError
from ragtune.evaluate.judge import judge_tone
from ragtune.evaluate.metrics import contains_answer, stale_answer
from ragtune.evaluate.results import ResultRecord, Summary, read_manifest, read_results, read_summary, write_summary
from ragtune.evaluate.runner import run_eval, write_manifest
from ragtune.evaluate.session import apply_update, block_size, eval_manifest, judge_of, summarize_run
from ragtune.evaluate.stats import Estimate
from ragtune.project import Project
from ragtune.questions import Question
from ragtune.runs import new_run_id
from ragtune.tasks import TaskExample
from ragtune.variants import adapter_dir, answerer, answerers, available_variants, variant

Progress = Callable[[str, int, int], None]
STYLE_DIR = "style"
COMPARED = ("format_ok", "label_correct", "closeness", "style", "contains", "judge_tone")  # paired tests


def as_question(e: TaskExample) -> Question:
    """A task example as the runner asks it: its input, its facts as the answers."""
    return Question(e.id, e.input, e.answers, e.sources, e.tags, old_answers=e.old_answers)


def task_record(task: Task, example: TaskExample, record: ResultRecord) -> ResultRecord:
    """The record's metrics replaced by the task's: checks, label, closeness, and facts where it has any."""
    metrics, details = check_output(task.spec, record.answer)
    truth = task.reference_label(example)
    if task.spec.label_field and truth is not None:
        metrics["label_correct"] = float(details.get("predicted_label") == truth)
    metrics["closeness"] = closeness(record.answer, example.output)
    if example.answers:
        metrics["contains"] = contains_answer(record.answer, example.answers)
        metrics["stale"] = stale_answer(record.answer, example.answers, example.old_answers)
    extra = {**record.extra, "reference": example.output, "label": truth, **details}
    return replace(record, metrics=metrics, extra=extra)


def evaluate_task(proj: Project, task_path: str | Path | None = None, variants: Sequence[str] | None = None, *,
                  run: str | None = None, progress: Progress | None = None, limit: int | None = None,
                  freshness: str | Path | None = None) -> tuple[Path, list[ResultRecord]]:
    """Every held-out test example (the first `limit` of them) through every task variant into
    `runs/<id>/results.jsonl` (an existing `run` resumes), then the base model's answers to training inputs
    for the style classifier. `freshness`: first sync the index to these changed documents, as `ragtune
    eval --freshness` does (examples whose facts changed carry `old_answers`: their `stale` rate)."""
    task = open_task(proj, task_path)
    if limit is not None:
        task = replace(task, split=replace(task.split, test=task.split.test[:limit]))
    names = list(variants or available_variants(proj, task=True))
    for name in names:  # fails early when a variant is unknown or its run is missing
        adapter_dir(proj, variant(proj, name))
    if any(variant(proj, v).retrieval for v in names) and not proj.index.stats().chunks and freshness is None:
        raise ProjectError("the index is empty: run `ragtune ingest PATH` first, or evaluate variants without "
                           "retrieval (--variants base,fewshot,task-ft).")
    run_dir = proj.settings.runs_dir / (run or new_run_id("task", proj.settings.runs_dir))
    if freshness is not None:
        apply_update(proj, Path(freshness), run_dir, progress)
    answering = answerers(proj, names, task=task.prompt)
    write_manifest(run_dir, _manifest(proj, task, answering, freshness))
    by_id = {e.id: e for e in task.split.test}
    e, tone = proj.settings.eval, proj.settings.behaviour.tone.strip()
    judge = judge_of(proj) if tone else None

    def score(q: Question, answer, record: ResultRecord) -> ResultRecord:
        scored = task_record(task, by_id[q.id], record)
        if judge is None:
            return scored
        graded = judge_tone(judge, tone, by_id[q.id].output, record.answer)
        return replace(scored, metrics={**scored.metrics, **graded["metrics"]}, judge=graded["judge"])

    results = run_eval(answering, [as_question(x) for x in task.split.test], run_dir, top_k=proj.settings.retrieval.top_k,
                       progress=progress, batch_size=block_size(e.batch_size, answering, judge),
                       latency_sample=e.latency_sample, score=score)
    base = answering.get("base") or answerer(proj, "base", task=task.prompt)
    run_eval({"base": base}, [as_question(x) for x in style_inputs(task, proj.settings.behaviour.style_samples)],
             run_dir / STYLE_DIR, top_k=proj.settings.retrieval.top_k, progress=progress,
             stage="Base answers for the style classifier", batch_size=block_size(e.batch_size, {"base": base}))
    return run_dir, results


def style_inputs(task: Task, n: int) -> list[TaskExample]:
    """The first `n` training examples in a seeded order (the classifier's house side is their outputs)."""
    rng = np.random.default_rng(task.split.seed)
    order = rng.permutation(len(task.split.train))[:n]
    return [task.split.train[i] for i in sorted(order)]


def style_model(proj: Project, task: Task, run_dir: Path) -> StyleModel:
    """The style classifier: the sampled training outputs against the base model's answers to them."""
    base = {r.question_id: r.answer for r in read_results(run_dir / STYLE_DIR)}
    sampled = [x for x in style_inputs(task, proj.settings.behaviour.style_samples) if x.id in base]
    b = proj.settings.behaviour
    return train_style([x.output for x in sampled], [base[x.id] for x in sampled], embed=proj.embedder.embed,
                       seed=b.seed, min_auc=b.style_min_auc)


def summarize_task_run(proj: Project, run_dir: Path) -> Summary:
    """summary.json of a task run: `summarize_run`'s figures (CIs, paired tests on the task's metrics, cost)
    with each answer's style score, plus the task's own: macro-F1 per variant with a CI, the checks, the
    style classifier's AUC and the split."""
    manifest = read_manifest(run_dir)
    recorded = (manifest.extra.get("task") or {}) if manifest else {}
    task = open_task(proj, recorded.get("path"))
    if recorded.get("test_ids") is not None:  # the examples this run was asked (`limit`)
        ids = set(recorded["test_ids"])
        task = replace(task, split=replace(task.split, test=tuple(x for x in task.split.test if x.id in ids)))
    model = style_model(proj, task, run_dir)

    def with_style(records: list[ResultRecord]) -> list[ResultRecord]:
        scores = model.scores([r.answer for r in records])
        return records if scores is None else [replace(r, metrics={**r.metrics, "style": s})
                                               for r, s in zip(records, scores)]

    summary = summarize_run(proj, run_dir, scored=with_style, compared=COMPARED)
    e = proj.settings.eval
    records = read_results(run_dir)
    labels = {v: _macro_f1(task, [r for r in records if r.variant == v], seed=e.seed, resamples=e.bootstrap_resamples)
              for v in summary.variants} if task.spec.labels else {}
    reference_style = model.scores([x.output for x in task.split.test])
    behaviour = {"task": str(task.path), "task_hash": task.hash, "train": len(task.split.train),
                 "test": len(task.split.test), "split_seed": task.split.seed, "checks": list(task.spec.checks),
                 "labels": list(task.spec.labels), "label_field": task.spec.label_field or None,
                 "macro_f1": {v: est.to_json() for v, est in labels.items()}, "style": model.to_json(),
                 "reference_style": float(np.mean(reference_style)) if reference_style else None,
                 "closeness": "chrF (sacrebleu), 0-1"}
    write_summary(run_dir, replace(summary, extra={**summary.extra, "behaviour": behaviour}))
    return read_summary(run_dir)


def _macro_f1(task: Task, records: Sequence[ResultRecord], *, seed: int, resamples: int) -> Estimate:
    truth = [r.extra.get("label") for r in records]
    pairs = [(t, r.extra.get("predicted_label")) for t, r in zip(truth, records) if t is not None]
    if not pairs:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    t, p = [a for a, _ in pairs], [b for _, b in pairs]
    labels = list(task.spec.labels)
    value = macro_f1(t, p, labels)
    draws = np.random.default_rng(seed).integers(0, len(t), size=(resamples, len(t)))
    low, high = np.quantile(macro_f1_resampled(t, p, labels, draws), [0.025, 0.975])
    return Estimate(value, float(low), float(high), len(t))


def _manifest(proj: Project, task: Task, answering: Mapping, freshness: str | Path | None) -> dict:
    out = eval_manifest(proj, task.path, answering, freshness)
    return out | {"kind": "task", "task": {"path": str(task.path), "hash": task.hash, "seed": task.split.seed,
                                           "test_fraction": task.split.test_fraction,
                                           "test_ids": [x.id for x in task.split.test],
                                           "spec": {f.name: getattr(task.spec, f.name) for f in fields(task.spec)
                                                    if not f.name.startswith("_")}}}
