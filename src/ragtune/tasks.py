"""The task examples format: what a behaviour (a format, a style, a label set) looks like, by example.

JSONL, one example per line, either `{"id", "input", "output", "label"?, "answers"?, "sources"?, "tags"?}`
or a chat line `{"id"?, "messages": [...]}` whose last assistant turn is the output and whose user turn
before it is the input (an earlier system turn is kept as the example's `system`). `answers` and
`sources` make an example also a knowledge question (its output must state one of the answers).

`split_examples` divides them into training and held-out test examples by a seeded hash of each id, so
the split does not depend on the file's order and adding an example never moves another across it. The
few-shot pool is the training split: a test example is never trained on nor shown as an example.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ragtune.errors import TaskError
from ragtune.jsonl import numbered_records, strings, unique_id


@dataclass(frozen=True)
class TaskExample:
    id: str
    input: str
    output: str
    label: str | None = None
    answers: tuple[str, ...] = ()  # facts the output must state (a knowledge check), as in questions
    sources: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    old_answers: tuple[str, ...] = ()  # the facts before a document update, as in questions
    system: str = ""  # a chat line's own system turn


@dataclass(frozen=True)
class TaskSplit:
    train: tuple[TaskExample, ...]
    test: tuple[TaskExample, ...]
    seed: int
    test_fraction: float

    def __post_init__(self):
        overlap = {e.id for e in self.train} & {e.id for e in self.test}
        if overlap:  # cannot happen through split_examples; guards hand-built splits
            raise TaskError(f"examples both in training and test: {', '.join(sorted(overlap)[:5])}")


def _from_messages(messages: object, where: str) -> tuple[str, str, str]:
    """(system, input, output) of a chat line: the last assistant turn and the user turn before it."""
    if not isinstance(messages, list) or not all(isinstance(m, dict) and isinstance(m.get("content"), str)
                                                 for m in messages):
        raise TaskError(f'{where}: `messages` must be a list of {{"role": ..., "content": "..."}} turns.')
    last = max((i for i, m in enumerate(messages) if m.get("role") == "assistant"), default=None)
    user = max((i for i, m in enumerate(messages[:last or 0]) if m.get("role") == "user"), default=None)
    if last is None or user is None:
        raise TaskError(f"{where}: a chat line needs a user turn followed by an assistant turn (the output).")
    system = next((m["content"] for m in messages[:user] if m.get("role") == "system"), "")
    return system, messages[user]["content"], messages[last]["content"]


def load_examples(path: str | Path) -> list[TaskExample]:
    """Every example of a JSONL file; ids must be unique (a missing id becomes `t<line>`)."""
    path = Path(path)
    examples: list[TaskExample] = []
    seen: set[str] = set()
    for where, lineno, record in numbered_records(path, TaskError,
                                                  "pass a JSONL file of task examples (see README, Behaviour)"):
        if "messages" in record:
            system, text, output = _from_messages(record["messages"], where)
        else:
            text, output, system = record.get("input"), record.get("output"), ""
            if not isinstance(text, str) or not isinstance(output, (str, dict, list)):
                raise TaskError(f'{where}: expected {{"id": "...", "input": "...", "output": "..."}} or '
                                '{"messages": [...]}; `input` and `output` are required.')
            if not isinstance(output, str):  # a JSON output given as an object: kept as its JSON text
                output = json.dumps(output, ensure_ascii=False)
        if not text.strip() or not output.strip():
            raise TaskError(f"{where}: `input` and `output` may not be empty.")
        eid = unique_id(record, f"t{lineno}", seen, where, TaskError)
        label = record.get("label")
        answers, sources, tags, old = (strings(record, key, where, TaskError)
                                       for key in ("answers", "sources", "tags", "old_answers"))
        examples.append(TaskExample(eid, text.strip(), output.strip(), None if label is None else str(label),
                                    answers, sources, tags, old, system))
    if not examples:
        raise TaskError(f"{path}: no examples in the file.")
    return examples


def _draw(example_id: str, seed: int) -> float:
    """A number in [0, 1) fixed by the id and the seed."""
    digest = hashlib.sha256(f"{seed}:{example_id}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2 ** 64


def split_examples(examples: Sequence[TaskExample], *, test_fraction: float = 0.25, seed: int = 0,
                   min_test: int = 1) -> TaskSplit:
    """Training and held-out test examples: the `test_fraction` with the lowest seeded draw are the test set
    (at least `min_test`, and at least one example left to train on)."""
    if len(examples) < 2:
        raise TaskError(f"{len(examples)} task example(s): at least 2 are needed (one to learn from, one to test).")
    if not 0 < test_fraction < 1:
        raise TaskError(f"test_fraction must be between 0 and 1 (got {test_fraction}).")
    ranked = sorted(examples, key=lambda e: (_draw(e.id, seed), e.id))
    n_test = min(len(examples) - 1, max(min_test, round(test_fraction * len(examples))))
    test_ids = {e.id for e in ranked[:n_test]}
    return TaskSplit(tuple(e for e in examples if e.id not in test_ids),
                     tuple(e for e in examples if e.id in test_ids), seed, test_fraction)
