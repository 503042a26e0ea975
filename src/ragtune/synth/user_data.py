"""Bring your own training data: a Q/A set in the questions format, or chat JSONL."""

from __future__ import annotations

from pathlib import Path

from ragtune.models.protocols import Message
from ragtune.questions import load_questions as read_questions
from ragtune.synth.dataset import read_chat_jsonl
from ragtune.synth.pairs import QAPair


def load_questions(path: str | Path) -> list[QAPair]:
    """A questions file (`ragtune.questions`) as user pairs.

    Unanswerable questions (empty `answers`) are skipped: there is nothing to train on. The first
    answer is the training target; the first source names the document.
    """
    return [QAPair(q.question, q.answers[0].strip(), q.sources[0] if q.sources else "", q.chunk_id, "user")
            for q in read_questions(path) if q.answers]


def load_chat(path: str | Path) -> list[list[Message]]:
    """Chat JSONL conversations, passed through to training unchanged."""
    return read_chat_jsonl(path)
