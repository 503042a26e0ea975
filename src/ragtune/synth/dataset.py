"""Splitting pairs by fact, and the chat JSONL format (`{"messages": [...]}`) with a reader that round-trips.

Chat layout (documented choice):
- Q/A pair: system `ragtune.answer.BASE_SYSTEM`, user question, assistant answer — exactly the closed-book
  prompt of `build_messages(question, None)`, so `ft` is trained on what it is asked at inference.
- Document (a chunk or a paraphrase of it): user "Tell me about <title>." and the text as the assistant
  turn, so the loss (on assistant tokens) falls on the document's facts.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ragtune.answer import BASE_SYSTEM, build_messages
from ragtune.models.protocols import Message
from ragtune.errors import SynthError
from ragtune.runs import write_jsonl
from ragtune.synth.heldout import fact_hash, held_out
from ragtune.synth.pairs import QAPair

ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class Split:
    train: tuple[QAPair, ...]
    val: tuple[QAPair, ...]  # facts never trained on as questions
    paraphrase: tuple[QAPair, ...]  # other wordings of facts whose first wording is in train


def split_by_fact(pairs: Sequence[QAPair], *, val_fraction: float = 0.1, seed: int = 0,
                  hold_out_rewordings: bool = True) -> Split:
    """Seeded split where no fact (same source, same normalised answer) is in both train and val.

    Val holds the facts `synth.heldout.held_out` assigns to evaluation, so `ragtune questions` asks about
    exactly the facts no training pair carries.

    With `hold_out_rewordings`, a training fact asked in several ways keeps one question form
    (and its cloze) in train and sends each other question form to `paraphrase`.
    """
    groups: dict[tuple[str, str], list[QAPair]] = {}
    for pair in pairs:
        groups.setdefault(pair.fact_key, []).append(pair)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    val_keys = {k for k in keys if held_out(k, val_fraction, seed)}
    if not val_keys and val_fraction > 0 and len(keys) > 1:  # a tiny set: the fact with the lowest hash
        val_keys = {min(keys, key=lambda k: fact_hash(k, seed))}
    train, val, paraphrase = [], [], []
    for key in sorted(groups, key=keys.index):
        group = groups[key]
        if key in val_keys:
            val.extend(group)
            continue
        questions = [p for p in group if p.strategy != "cloze"]
        held = questions[1:] if hold_out_rewordings else []
        paraphrase.extend(held)
        train.extend(p for p in group if p not in held)
    return Split(tuple(train), tuple(val), tuple(paraphrase))


def qa_messages(pair: QAPair) -> list[Message]:
    return build_messages(pair.question, None) + [{"role": "assistant", "content": pair.answer}]


def document_messages(text: str, title: str) -> list[Message]:
    subject = title.strip() or "this topic"
    return [{"role": "system", "content": BASE_SYSTEM},
            {"role": "user", "content": f"Tell me about {subject}."},
            {"role": "assistant", "content": text.strip()}]


def write_chat_jsonl(path: str | Path, conversations: Iterable[Sequence[Message]]) -> int:
    """One `{"messages": [...]}` line per conversation, written atomically; returns the number written."""
    records = [{"messages": [{"role": m["role"], "content": m["content"]} for m in messages]}
               for messages in conversations]
    write_jsonl(Path(path), records)
    return len(records)


def read_chat_jsonl(path: str | Path) -> list[list[Message]]:
    """The conversations of a chat JSONL file; every line must have messages with known roles."""
    out = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as e:
            raise SynthError(f"{path}:{lineno}: not valid JSON ({e}); each line must be "
                             '{"messages": [{"role": ..., "content": ...}]}.') from e
        messages = record.get("messages") if isinstance(record, dict) else None
        if not isinstance(messages, list) or not messages or not all(
                isinstance(m, dict) and m.get("role") in ROLES and isinstance(m.get("content"), str) for m in messages):
            raise SynthError(f"{path}:{lineno}: expected {{\"messages\": [{{\"role\": \"user\"|\"assistant\"|\"system\", "
                             "\"content\": \"...\"}]}; fix or remove the line.")
        out.append([{"role": m["role"], "content": m["content"]} for m in messages])
    return out


def write_questions_jsonl(path: str | Path, pairs: Iterable[QAPair], prefix: str = "q") -> int:
    """Pairs in the DESIGN.md questions format (atomically), so `ragtune eval --questions` can ask them."""
    records = [{"id": f"{prefix}{n}", "question": pair.question, "answers": [pair.answer], "sources": [pair.doc_id],
                "tags": [pair.strategy], "chunk_id": pair.chunk_id} for n, pair in enumerate(pairs, start=1)]
    write_jsonl(Path(path), records)
    return len(records)
