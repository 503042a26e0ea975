"""Bring your own training data: a Q/A set in the questions format, or chat JSONL."""

from __future__ import annotations

import json
from pathlib import Path

from ragtune.models.protocols import Message
from ragtune.synth.dataset import read_chat_jsonl
from ragtune.synth.errors import SynthError
from ragtune.synth.pairs import QAPair


def load_questions(path: str | Path) -> list[QAPair]:
    """Lines `{"id", "question", "answers": [...], "sources": [...], "tags": [...]}` as user pairs.

    Unanswerable questions (empty `answers`) are skipped: there is nothing to train on. The first
    answer is the training target; the first source names the document.
    """
    pairs = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as e:
            raise SynthError(f"{path}:{lineno}: not valid JSON ({e}).") from e
        question = record.get("question") if isinstance(record, dict) else None
        answers = record.get("answers", []) if isinstance(record, dict) else None
        if not isinstance(question, str) or not question.strip() or not isinstance(answers, list):
            raise SynthError(f'{path}:{lineno}: expected {{"id", "question": "...", "answers": ["..."], '
                             '"sources": ["doc id"]}; fix or remove the line.')
        if not answers:
            continue
        sources = record.get("sources") or [""]
        pairs.append(QAPair(question.strip(), str(answers[0]).strip(), str(sources[0]),
                            str(record.get("chunk_id", "")), "user"))
    return pairs


def load_chat(path: str | Path) -> list[list[Message]]:
    """Chat JSONL conversations, passed through to training unchanged."""
    return read_chat_jsonl(path)
