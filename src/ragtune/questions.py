"""The questions format (DESIGN.md): JSONL `{"id", "question", "answers": [..], "sources": [doc ids], "tags": [..]}`.

One parser for every reader: `ragtune eval` asks these questions, `ragtune synth` trains on them.

Optional fields: `options` (multiple choice: the candidate answers, `answers` names the right one),
`old_answers` (freshness: what the answer was before the documents changed) and `chunk_id`.
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
    answers: tuple[str, ...] = ()  # empty: not answerable from the corpus, the right answer is to decline
    sources: tuple[str, ...] = ()  # documents that hold the answer
    tags: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    old_answers: tuple[str, ...] = ()
    chunk_id: str = ""  # the chunk that holds the answer, where known (`ragtune synth` writes it)

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

        answers, sources, tags, options, old = (strings(record, key, where, QuestionsError)
                                                for key in ("answers", "sources", "tags", "options", "old_answers"))
        q = Question(qid, record["question"].strip(), answers, sources, tags, options, old,
                     str(record.get("chunk_id") or ""))
        if q.options and not set(q.answers) & set(q.options):
            raise QuestionsError(f"{where}: `answers` must name one of the `options`.")
        questions.append(q)
    if not questions:
        raise QuestionsError(f"{path}: no questions in the file.")
    return questions
