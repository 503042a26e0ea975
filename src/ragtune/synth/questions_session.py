"""`ragtune questions` over a project: eval questions built from the index, written to `synth/`, and reused.

The file (`synth/eval_questions.jsonl`, the questions format plus `generator`, `chunk_ids`, `filters`) is
the user's to review and edit: once edited, `ragtune eval` asks it as it is, until `--rebuild`; an unedited
file is built anew when the index or synth's training pairs changed since.
`synth/eval_questions_report.json` says what each generator made, what each filter dropped and the set's
bias (`synth/question_bias.py`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ragtune.errors import ProjectError
from ragtune.project import Project
from ragtune.runs import file_hash, read_json_if, write_json, write_jsonl
from ragtune.synth.bridge import chunks_by_word
from ragtune.synth.eval_questions import (GENERATORS, EvalQuestion, Tally, Training, candidates, choose, keep,
                                          shared_facts, unanswerable)
from ragtune.synth.pairs import QAPair
from ragtune.synth.question_bias import bias
from ragtune.text import normalize_text

QUESTIONS_FILE = "eval_questions.jsonl"
REPORT_FILE = "eval_questions_report.json"


@dataclass(frozen=True)
class QuestionSet:
    path: Path
    report: dict
    built: bool  # False: an existing file was reused


def questions_path(proj: Project) -> Path:
    return proj.settings.synth_dir / QUESTIONS_FILE


def questions_for_eval(proj: Project, *, rebuild: bool = False, count: int | None = None) -> QuestionSet:
    """The project's eval questions: the existing file (edited or not), else built now."""
    path = questions_path(proj)
    report = read_json_if(path.parent / REPORT_FILE) or {} if path.is_file() else {}
    if path.is_file() and not rebuild and not _outdated(proj, path, report):
        return QuestionSet(path, report, built=False)
    return build_questions(proj, count=count)


def _outdated(proj: Project, path: Path, report: dict) -> bool:
    """An unedited file built before `ragtune synth` wrote its training pairs (the copy filter had nothing
    to check), or before the index changed: built anew. A file you edited is never replaced."""
    if report.get("file_hash") != file_hash(path):
        return False
    trained_since = not report.get("training") and (proj.settings.synth_dir / "train_questions.jsonl").is_file()
    return trained_since or report.get("corpus_version") != proj.index.version


def build_questions(proj: Project, *, count: int | None = None) -> QuestionSet:
    """Generate, filter and choose the questions (`synth/eval_questions.py`), measure their bias, write both."""
    t0 = time.perf_counter()
    chunks = proj.index.chunks()
    if not chunks:
        raise ProjectError("the index is empty: run `ragtune ingest PATH` first (evaluation questions are built "
                           "from it), or pass your own with `ragtune eval --questions FILE`.")
    s, qs = proj.settings.synth, proj.settings.questions
    count = count or qs.count
    training, teacher, rows, pair_texts, source = _synth_outputs(proj)
    tally = Tally()
    by_word = chunks_by_word(chunks)  # one pass over the corpus, shared by the generators
    found = [q for q in candidates(chunks, teacher, by_word) if q.generator in qs.generators]
    kept = keep(found, training, s.val_fraction, s.seed, tally)
    if "multi-chunk" in qs.generators:
        kept = _with_shared_facts(kept, chunks, count, tally, by_word)
    made = unanswerable(kept, chunks, 2 * round(count * qs.unanswerable_share), s.seed, tally, by_word) \
        if "unanswerable" in qs.generators else []
    chosen = choose(kept, count, qs.unanswerable_share, s.seed, made)
    for q in chosen:
        tally.chosen[q.generator] += 1
    path = questions_path(proj)
    width = len(str(len(chosen)))
    write_jsonl(path, [q.record(f"gen-{n:0{width}d}") for n, q in enumerate(chosen, start=1)])
    report = {"questions": len(chosen), "corpus_version": proj.index.version, "chunks": len(chunks),
              "generators": tally.to_json(), "bias": bias(chosen, _bm25_top_doc(proj), rows, pair_texts),
              "training": source, "held_out_fraction": s.val_fraction, "seed": s.seed,
              "settings": qs.model_dump(), "seconds": round(time.perf_counter() - t0, 2), "file_hash": file_hash(path)}
    write_json(path.parent / REPORT_FILE, report)
    return QuestionSet(path, report, built=True)


def _with_shared_facts(kept: list[EvalQuestion], chunks, count: int, tally: Tally, by_word) -> list[EvalQuestion]:
    """Extractive questions whose fact a second document also states become `multi-chunk` ones."""
    shared = shared_facts(kept, chunks, limit=count, by_word=by_word)
    texts = {q.question for q in shared}
    tally.kept["extractive"] -= len(shared)
    tally.candidates["multi-chunk"] += len(shared)
    tally.kept["multi-chunk"] += len(shared)
    return [q for q in kept if q.question not in texts] + shared


def _synth_outputs(proj: Project) -> tuple[Training, list[QAPair], list[str], list[str], str | None]:
    """From `ragtune synth`'s files, where it ran: the training facts and questions (for the filters), the
    teacher's held-out pairs (the `teacher` generator), the training rows and pairs (for the bias)."""
    from ragtune.questions import load_questions
    from ragtune.synth.dataset import read_chat_jsonl

    d = proj.settings.synth_dir
    train_q, val_q, train_chat = d / "train_questions.jsonl", d / "val_questions.jsonl", d / "train.jsonl"
    if not train_q.is_file():
        return Training(), [], [], [], None
    train = load_questions(train_q)
    facts = frozenset((q.chunk_id or (q.sources[0] if q.sources else ""), normalize_text(q.answers[0]))
                      for q in train if q.answers)
    teacher = [QAPair(q.question, q.answers[0], q.sources[0] if q.sources else "", q.chunk_id, "teacher")
               for q in (load_questions(val_q) if val_q.is_file() else []) if "teacher" in q.tags and q.answers]
    rows = [m["content"] for c in (read_chat_jsonl(train_chat) if train_chat.is_file() else [])
            for m in c if m["role"] == "assistant"]
    pairs = [f"{q.question} {q.answers[0]}" for q in train if q.answers]
    return Training(facts, tuple(q.question for q in train)), teacher, rows, pairs, str(d)


def _bm25_top_doc(proj: Project):
    from ragtune.retrieve.search import retrieve

    def top_doc(question: str) -> str | None:
        hits = retrieve(proj.index, question, retriever="bm25", top_k=1)
        return hits[0].doc_id if hits else None
    return top_doc


__all__ = ["GENERATORS", "QuestionSet", "build_questions", "questions_for_eval", "questions_path"]
