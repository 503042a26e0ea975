"""The questions format (DESIGN.md): JSONL `{"id", "question", "answers": [..], "sources": [doc ids], "tags": [..]}`.

One parser for every reader: `ragtune eval` asks these questions, `ragtune synth` trains on them.

Optional fields: `options` (multiple choice: the candidate answers, `answers` names the right one),
`old_answers` (freshness: what the answer was before the documents changed) and `chunk_id`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from ragtune.errors import QuestionsError



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


def _strings(record: dict, key: str, where: str) -> tuple[str, ...]:
    value = record.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise QuestionsError(f"{where}: `{key}` must be a list of strings.")
    return tuple(str(v) for v in value)


def load_questions(path: str | Path) -> list[Question]:
    """Every question of a JSONL file; ids must be unique (a missing id becomes `q<line>`)."""
    path = Path(path)
    if not path.is_file():
        raise QuestionsError(f"{path}: no such file; pass a JSONL file of questions (see README, Data formats).")
    questions: list[Question] = []
    seen: set[str] = set()
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except ValueError as e:
            raise QuestionsError(f"{where}: not valid JSON ({e}).") from e
        if not isinstance(record, dict) or not isinstance(record.get("question"), str) or not record["question"].strip():
            raise QuestionsError(f'{where}: expected {{"id": "...", "question": "...", "answers": [...], '
                                 '"sources": [...]}; `question` is required.')
        qid = str(record.get("id") or f"q{lineno}")
        if qid in seen:
            raise QuestionsError(f"{where}: duplicate id {qid!r}; ids must be unique.")
        seen.add(qid)
        q = Question(qid, record["question"].strip(), _strings(record, "answers", where),
                     _strings(record, "sources", where), _strings(record, "tags", where),
                     _strings(record, "options", where), _strings(record, "old_answers", where),
                     str(record.get("chunk_id") or ""))
        if q.options and not set(q.answers) & set(q.options):
            raise QuestionsError(f"{where}: `answers` must name one of the `options`.")
        questions.append(q)
    if not questions:
        raise QuestionsError(f"{path}: no questions in the file.")
    return questions
