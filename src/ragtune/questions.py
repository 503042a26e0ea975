"""The questions format (DESIGN.md): JSONL `{"id", "question", "answers": [..], "sources": [doc ids], "tags": [..]}`.

One parser for every reader: `ragtune eval` asks these questions, `ragtune synth` trains on them.

Optional fields: `options` (multiple choice: the candidate answers, `answers` names the right one),
`old_answers` (freshness: what the answer was before the documents changed), `chunk_id` and `generator`
(which of `ragtune questions`' generators made it; the summary breaks accuracy down by it).

`answers` absent (or null) is not the same as `answers: []`: a question exported from a log has no reference
answer, so nothing can be said about its correctness (`referenced` False), while `[]` says the corpus does
not answer it and the right answer is to decline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ragtune.errors import QuestionsError
from ragtune.jsonl import numbered_records, strings, unique_id



@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: tuple[str, ...] = ()  # empty (and referenced): not answerable from the corpus, so decline
    sources: tuple[str, ...] = ()  # documents that hold the answer
    tags: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    old_answers: tuple[str, ...] = ()
    chunk_id: str = ""  # the chunk that holds the answer, where known (`ragtune synth` writes it)
    generator: str = ""  # how the question was made (`ragtune questions` writes it); "" = written by a person
    referenced: bool = True  # False: no reference answer (`answers` absent), so correctness is not measured

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_questions(path: str | Path) -> list[Question]:
    """Every question of a JSONL file; ids must be unique (a missing id becomes `q<line>`)."""
    questions: list[Question] = []
    seen: set[str] = set()
    for where, lineno, record in numbered_records(Path(path), QuestionsError,
                                                  "pass a JSONL file of questions (see README, Data formats)"):
        if not isinstance(record.get("question"), str) or not record["question"].strip():
            raise QuestionsError(f'{where}: expected {{"id": "...", "question": "...", "answers": [...], '
                                 '"sources": [...]}; `question` is required.')
        qid = unique_id(record, f"q{lineno}", seen, where, QuestionsError)

        referenced = record.get("answers") is not None  # absent or null: no reference answer (a log export)
        answers = strings(record, "answers", where, QuestionsError) if referenced else ()
        sources, tags, options, old = (strings(record, key, where, QuestionsError)
                                       for key in ("sources", "tags", "options", "old_answers"))
        q = Question(qid, record["question"].strip(), answers, sources, tags, options, old,
                     str(record.get("chunk_id") or ""), str(record.get("generator") or ""), referenced)
        if q.options and not set(q.answers) & set(q.options):
            raise QuestionsError(f"{where}: `answers` must name one of the `options`.")
        questions.append(q)
    if not questions:
        raise QuestionsError(f"{path}: no questions in the file.")
    return questions
