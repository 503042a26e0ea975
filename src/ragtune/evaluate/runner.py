"""`ragtune eval`: every question through every variant, one JSON line per (question, variant).

Results are appended and flushed line by line to `runs/<id>/results.jsonl`, so an interrupted run
resumes where it stopped (a half-written last line is dropped). `manifest.json` records what the
run measured: settings, package versions, model and adapter hashes, corpus table version, questions hash.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

from ragtune.answer import Answer
from ragtune.errors import EvalError
from ragtune.evaluate.judge import JudgeItem, judge_answers
from ragtune.evaluate.metrics import answer_metrics, choice_metrics, citation_metrics, groundedness, retrieval_metrics, stale_answer
from ragtune.models.protocols import Generator
from ragtune.questions import Question
from ragtune.evaluate.results import Passage, ResultRecord, Tokens, read_results
from ragtune.runs import MANIFEST, RESULTS, append_jsonl, read_json, write_json
from ragtune.variants import Answerer

Progress = Callable[[str, int, int], None]  # (stage, done, total)



def result_record(q: Question, variant: str, answer: Answer, top_k: int, retrieval: bool) -> ResultRecord:
    """Everything measured for one question and variant, with its metrics (retrieval ones at the eval's k).

    A question without a reference answer gets no correctness metrics; retrieval and citation metrics still
    need its `sources`, groundedness and `declined` need neither."""
    c = answer.completion
    metrics = answer_metrics(answer.text, q.answers, referenced=q.referenced)
    metrics["stale"] = stale_answer(answer.text, q.answers, q.old_answers) if q.referenced else None
    if retrieval:
        metrics |= retrieval_metrics([h.doc_id for h in answer.passages], q.sources, top_k)
        metrics |= citation_metrics(answer.cited_doc_ids, q.sources, len(answer.invalid_citations))
        metrics["groundedness"] = groundedness(answer.text, [h.text for h in answer.passages])
    return ResultRecord(
        question_id=q.id, variant=variant, question=q.question, answer=answer.text, gold=q.answers,
        sources=q.sources, tags=q.tags,
        retrieved=tuple(Passage(n, h.chunk_id, h.doc_id, h.score, h.ranks) for n, h in enumerate(answer.passages, 1)),
        cited_doc_ids=tuple(answer.cited_doc_ids), citation_sources=tuple(x.source for x in answer.citations),
        invalid_citations=answer.invalid_citations,
        timings={k: round(v, 6) for k, v in answer.timings.items()} | {"batch_size": c.batch_size},
        tokens=Tokens(c.prompt_tokens, c.completion_tokens), model=c.model, metrics=metrics,
        old_answers=q.old_answers, referenced=q.referenced, generator=q.generator)


def beyond_text(records: Sequence[ResultRecord], todo: Sequence[Question], who: Answerer,
                answers: Sequence[Answer], judge: Generator | None) -> list[ResultRecord]:
    """Measurements beyond the generated text: multiple choice by log-likelihood (questions with `options`)
    and the optional LLM judge, grading a block's answers together, whose failures stay unmeasured (see
    `ragtune.evaluate.judge`)."""
    out = []
    for record, q, answer in zip(records, todo, answers):
        if q.options:
            scores = who.choose(q.question, q.options, answer.passages)
            options = tuple({"text": o, "logprob": lp, "tokens": n} for o, (lp, n) in zip(q.options, scores)) \
                if scores else None
            record = replace(record, options=options,
                             metrics=dict(record.metrics) | choice_metrics(scores or [], q.options, q.answers))
        out.append(record)
    if judge is None:
        return out
    verdicts = judge_answers(judge, [JudgeItem(q.question, tuple(q.answers), a.text,
                                               [h.text for h in a.passages] if who.retrieval else None, q.referenced)
                                     for q, a in zip(todo, answers)])
    return [replace(r, metrics=dict(r.metrics) | v["metrics"], judge=v["judge"]) for r, v in zip(out, verdicts)]


def run_eval(answerers: Mapping[str, Answerer], questions: Sequence[Question], run_dir: Path, *, top_k: int,
             judge: Generator | None = None, progress: Progress | None = None, stage: str = "Evaluating",
             batch_size: int = 1, latency_sample: int = 0,
             score: Callable[[Question, Answer, ResultRecord], ResultRecord] | None = None) -> list[ResultRecord]:
    """Ask every question of every variant not already in `run_dir`, in blocks of `batch_size` questions.

    Block-major (each block goes through every variant before the next), so a partial run stays paired.
    The first `latency_sample` questions go alone (blocks of one): their timings are single-query latency.
    A variant that retrieves also gets retrieval and citation metrics; questions with options are also
    scored as multiple choice, and `judge` (a generator) grades every answer where given. `score(question,
    answer, record)` replaces the record before it is written (a task's behaviour metrics).
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    variants = list(answerers)
    done = {(r.question_id, r.variant) for r in read_results(run_dir, repair=True)}
    total = len(questions) * len(variants)
    count = sum((q.id, v) in done for q in questions for v in variants)
    with (run_dir / RESULTS).open("a", encoding="utf-8") as f:
        for block in question_blocks(questions, batch_size, latency_sample):
            for variant in variants:
                todo = [q for q in block if (q.id, variant) not in done]
                if not todo:
                    continue
                who = answerers[variant]
                answers = who.answer([q.question for q in todo])
                records = beyond_text([result_record(q, variant, a, top_k, who.retrieval)
                                       for q, a in zip(todo, answers)], todo, who, answers, judge)
                for q, answer, record in zip(todo, answers, records):
                    if score is not None:
                        record = score(q, answer, record)
                    append_jsonl(f, record.to_json())
                    count += 1
                    if progress:
                        progress(stage, count, total)
    return read_results(run_dir)


def question_blocks(questions: Sequence[Question], batch_size: int, latency_sample: int) -> list[list[Question]]:
    """The first `latency_sample` questions one by one, then blocks of `batch_size`."""
    head = [[q] for q in questions[:latency_sample]]
    rest = questions[latency_sample:]
    return head + [list(rest[i: i + batch_size]) for i in range(0, len(rest), max(batch_size, 1))]


def write_manifest(run_dir: Path, manifest: dict) -> None:
    """Write the manifest for a new run, or check that a resumed run asks the same thing."""
    path = run_dir / MANIFEST
    if path.is_file():
        old = read_json(path, redo="start a new run")
        for key in ("questions_hash", "variants", "corpus_version"):
            if old.get(key) != manifest.get(key):
                raise EvalError(f"run {run_dir.name} was started with other {key.replace('_', ' ')} "
                                f"({old.get(key)} vs {manifest.get(key)}); start a new run instead of resuming.")
        return
    write_json(path, {**manifest, "created": time.strftime("%Y-%m-%dT%H:%M:%S")})
