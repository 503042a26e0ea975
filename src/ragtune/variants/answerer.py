"""`Answerer`: a variant made concrete, the one seam that answers questions.

`ragtune ask`, the evaluation runner and (later) the server hold a `dict[str, Answerer]` and call
`answer(questions)`; none of them knows how a variant is built. An Answerer holds what it is made of
(generator with or without an adapter, the search it retrieves with, the prompt), so it can also say
so (`describe`) for a manifest or a model list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ragtune.answer import Answer, answer_questions, build_messages
from ragtune.behaviour.prompt import TaskPrompt
from ragtune.models.protocols import Generator
from ragtune.retrieve.hit import Hit
from ragtune.variants.spec import Variant

Search = Callable[[str], list[Hit]]  # a question -> its passages, best first


@dataclass(frozen=True)
class Answerer:
    """A resolved variant: `generator` (an adapter applied, if any) answers, `search` (None: closed book)
    finds its passages; answers are generated as one batch where the generator can batch."""

    variant: Variant
    generator: Generator
    adapter: Path | None = None  # the adapter folder `generator` applies (None: the base weights)
    search: Search | None = None
    retriever: str | None = None  # the retriever and k `search` uses, for describe()
    top_k: int | None = None
    max_new_tokens: int = 256
    temperature: float = 0.0
    task: TaskPrompt | None = None  # a task's prompt (few-shot examples where the variant has shots)
    embedder: str | None = None  # the embedder of the index `search` reads (a fine-tuned retriever's, for -ftr)
    reranker: str | None = None  # the reranker `search` orders its passages with (None: retrieval order)

    @property
    def name(self) -> str:
        return self.variant.name

    @property
    def retrieval(self) -> bool:
        return self.search is not None

    def answer(self, questions: Sequence[str]) -> list[Answer]:
        """Retrieve (unless closed-book), prompt, generate and resolve citations, for each question."""
        prompt = None
        if self.task is not None:
            task, system = self.task, self.variant.system_prompt

            def prompt(text, hits):
                return task.messages(text, hits, system)
        return answer_questions(questions, self.generator, self.search, max_new_tokens=self.max_new_tokens,
                                temperature=self.temperature, system=self.variant.system_prompt, prompt=prompt)

    def choose(self, question: str, options: Sequence[str], passages: Sequence[Hit] = ()
               ) -> list[tuple[float, int]] | None:
        """Multiple choice: each option's (log-likelihood, tokens) as this variant's reply, with the passages
        it was given; None when the generator cannot score text (an endpoint without prompt log-probabilities)."""
        if not hasattr(self.generator, "option_logprobs"):
            return None
        messages = build_messages(question, list(passages) if self.retrieval else None, self.variant.system_prompt)
        return self.generator.option_logprobs(messages, options)

    def describe(self) -> dict:
        """What this variant is made of, as JSON-ready data."""
        return {"variant": self.name, "generator": self.generator.name,
                "endpoint": getattr(self.generator, "api_base", None),  # None: a local model
                "adapter": str(self.adapter) if self.adapter is not None else None,
                "retriever": self.retriever, "top_k": self.top_k, "embedder": self.embedder, "reranker": self.reranker,
                "system_prompt": self.variant.system_prompt or None,
                "shots": self.task.shots if self.task is not None else None}
