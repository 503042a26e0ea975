"""The prompt of a task: the instruction and the spec in words, optional few-shot examples, optional passages.

Every task variant answers through `TaskPrompt.messages`, so two variants differ only by what they add:
`fewshot` the k training examples nearest the input (by the embedder, cosine of normalised vectors) as
earlier user/assistant turns, the most similar last (closest to the input); `rag` the retrieved passages
in the user turn; `task-ft` the same prompt as `base`, answered by an adapter trained on exactly that prompt
(`training_messages`), so a fine-tuned variant is never shown a prompt it was not trained on. The few-shot
pool is the training split only: a held-out example can never be its own example.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import numpy as np

from ragtune.answer import format_passages
from ragtune.behaviour.spec import BehaviourSpec
from ragtune.models.protocols import Message
from ragtune.retrieve.hit import Hit
from ragtune.tasks import TaskExample

TASK_SYSTEM = "You are a helpful assistant. Reply to the user's message."
PASSAGES_NOTE = "Use the numbered passages for facts; where they do not say, do not make facts up."
Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class TaskPrompt:
    """How a task's input becomes messages; `shots` > 0 adds that many nearest training examples."""

    spec: BehaviourSpec
    pool: tuple[TaskExample, ...] = ()  # the training examples (the few-shot pool)
    embed: Embed | None = None
    shots: int = 0
    _vectors: list = field(default_factory=list, compare=False, repr=False)  # the pool's vectors, once

    def with_shots(self, k: int) -> TaskPrompt:
        return replace(self, shots=k)

    def system(self, retrieval: bool, override: str = "") -> str:
        parts = [override or self.spec.instruction or TASK_SYSTEM, self.spec.describe()]
        if retrieval:
            parts.append(PASSAGES_NOTE)
        return "\n\n".join(p for p in parts if p)

    def examples_for(self, text: str) -> list[TaskExample]:
        """The `shots` pool examples nearest `text`, least similar first (ties: pool order)."""
        if self.shots <= 0 or not self.pool:
            return []
        if self.embed is None:
            return list(self.pool[: self.shots])
        if not self._vectors:
            self._vectors.append(_normalised(self.embed([e.input for e in self.pool])))
        query = _normalised(self.embed([text]))[0]
        similarity = self._vectors[0] @ query
        order = sorted(range(len(self.pool)), key=lambda i: (-similarity[i], i))[: self.shots]
        return [self.pool[i] for i in reversed(order)]

    def messages(self, text: str, hits: Sequence[Hit] | None, system: str = "") -> list[Message]:
        out: list[Message] = [{"role": "system", "content": self.system(hits is not None, system)}]
        for ex in self.examples_for(text):
            out += [{"role": "user", "content": ex.input}, {"role": "assistant", "content": ex.output}]
        out.append({"role": "user", "content": user_turn(text, hits)})
        return out


def user_turn(text: str, hits: Sequence[Hit] | None) -> str:
    if hits is None:
        return text.strip()
    context = format_passages(hits) if hits else "(no passages were found)"
    return f"Passages:\n{context}\n\nMessage:\n{text.strip()}"


def training_messages(prompt: TaskPrompt, example: TaskExample, hits: Sequence[Hit] | None = None) -> list[Message]:
    """A training row: the prompt the fine-tuned variant will be asked (no shots) and the example's output."""
    messages = replace(prompt, shots=0).messages(example.input, hits, example.system)
    return messages + [{"role": "assistant", "content": example.output}]


def _normalised(vectors) -> np.ndarray:
    a = np.asarray(vectors, dtype=np.float32)
    return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
