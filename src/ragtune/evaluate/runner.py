"""`ragtune eval`: every question through every variant, one JSON line per (question, variant).

Results are appended and flushed line by line to `runs/<id>/results.jsonl`, so an interrupted run
resumes where it stopped (a half-written last line is dropped). `manifest.json` records what the
run measured: settings, package versions, model and adapter hashes, corpus table version, questions hash.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Callable, Mapping, Sequence

from ragtune.errors import EvalError
from ragtune.answer import Answer
from ragtune.evaluate.metrics import answer_metrics, citation_metrics, groundedness, retrieval_metrics, stale_answer
from ragtune.questions import Question

RESULTS = "results.jsonl"
MANIFEST = "manifest.json"

Progress = Callable[[int, int], None]  # (done, total)
# Extra measurements for one answer (multiple choice, judge): fields for the record; its "metrics" are merged.
Score = Callable[[Question, str, Answer], dict]



def result_record(q: Question, variant: str, answer: Answer, top_k: int, retrieval: bool) -> dict:
    """Everything measured for one question and variant, with its metrics (retrieval ones at the eval's k)."""
    c = answer.completion
    record = {
        "question_id": q.id, "variant": variant, "question": q.question, "answer": answer.text,
        "gold": list(q.answers), "sources": list(q.sources), "tags": list(q.tags),
        "retrieved": [{"rank": n, "chunk_id": h.chunk_id, "doc_id": h.doc_id, "score": h.score, "ranks": h.ranks}
                      for n, h in enumerate(answer.passages, start=1)],
        "cited_doc_ids": answer.cited_doc_ids,
        "citation_sources": [x.source for x in answer.citations],
        "invalid_citations": list(answer.invalid_citations),
        "timings": {k: round(v, 6) for k, v in answer.timings.items()} | {"batch_size": c.batch_size},
        "tokens": {"prompt": c.prompt_tokens, "completion": c.completion_tokens},
        "model": c.model,
    }
    if q.old_answers:
        record["old_answers"] = list(q.old_answers)
    metrics = answer_metrics(answer.text, q.answers)
    metrics["stale"] = stale_answer(answer.text, q.answers, q.old_answers)
    if retrieval:
        metrics |= retrieval_metrics([h.doc_id for h in answer.passages], q.sources, top_k)
        metrics |= citation_metrics(answer.cited_doc_ids, q.sources, len(answer.invalid_citations))
        metrics["groundedness"] = groundedness(answer.text, [h.text for h in answer.passages])
    record["metrics"] = metrics
    return record


def read_results(run_dir: Path) -> list[dict]:
    """The complete lines of `results.jsonl`; a torn last line (a crash mid-write) is cut off the file."""
    path = run_dir / RESULTS
    if not path.is_file():
        return []
    raw = path.read_bytes()
    records, good_bytes = [], 0
    for line in raw.splitlines(keepends=True):
        try:
            records.append(json.loads(line))
        except ValueError:
            break
        if not line.endswith(b"\n"):
            records.pop()
            break
        good_bytes += len(line)
    if good_bytes < len(raw):
        with path.open("r+b") as f:
            f.truncate(good_bytes)
    return records


def run_eval(ask: Callable[[list[str], str], list[Answer]], questions: Sequence[Question], variants: Sequence[str],
             run_dir: Path, *, top_k: int, retrieval: Mapping[str, bool], score: Score | None = None,
             progress: Progress | None = None, batch_size: int = 1, latency_sample: int = 0) -> list[dict]:
    """Ask every question of every variant not already in `run_dir`, in blocks of `batch_size` questions.

    Block-major (each block goes through every variant before the next), so a partial run stays paired.
    The first `latency_sample` questions go alone (blocks of one): their timings are single-query latency.
    `ask(questions, variant)` answers a block; `retrieval[v]` says whether variant v retrieves (its
    retrieval and citation metrics are measured); `score` adds measurements beyond the generated answer.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    done = {(r["question_id"], r["variant"]) for r in read_results(run_dir)}
    total = len(questions) * len(variants)
    count = sum((q.id, v) in done for q in questions for v in variants)
    with (run_dir / RESULTS).open("a", encoding="utf-8") as f:
        for block in question_blocks(questions, batch_size, latency_sample):
            for variant in variants:
                todo = [q for q in block if (q.id, variant) not in done]
                if not todo:
                    continue
                for q, answer in zip(todo, ask([q.question for q in todo], variant)):
                    record = result_record(q, variant, answer, top_k, retrieval[variant])
                    if score is not None:
                        extra = score(q, variant, answer)
                        record["metrics"] |= extra.pop("metrics", {})
                        record |= extra
                    f.write(json.dumps(record, ensure_ascii=False) + "\n")
                    f.flush()
                    os.fsync(f.fileno())
                    count += 1
                    if progress:
                        progress(count, total)
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
        old = json.loads(path.read_text(encoding="utf-8"))
        for key in ("questions_hash", "variants", "corpus_version"):
            if old.get(key) != manifest.get(key):
                raise EvalError(f"run {run_dir.name} was started with other {key.replace('_', ' ')} "
                                f"({old.get(key)} vs {manifest.get(key)}); start a new run instead of resuming.")
        return
    run_dir.mkdir(parents=True, exist_ok=True)
    temp = run_dir / f".{MANIFEST}.tmp-{os.getpid()}"
    temp.write_text(json.dumps({**manifest, "created": time.strftime("%Y-%m-%dT%H:%M:%S")}, indent=2, default=str),
                    encoding="utf-8")
    os.replace(temp, path)
