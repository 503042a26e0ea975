"""Answering a question: number the retrieved passages, ask for `[n]` citations, map them back to documents.

The `base` variant (no retrieval) goes through the same function with no passages, so every
variant differs only in what it retrieves and which model generates.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from ragtune.models.protocols import Completion, Generator, Message
from ragtune.retrieve.hit import Hit
from ragtune.text import content_tokens

# Measured on SmolLM2-135M: a short system instruction with the passages and question in the user turn
# answers from context far more often than a long single-turn prompt, which it tends to echo.
RAG_SYSTEM = (
    "Answer the question using the passages. End your answer with the number of the passage you used "
    "in square brackets, like [2]. If the passages do not say, answer: I don't know."
)
BASE_SYSTEM = (
    "You are a helpful assistant. Answer the question briefly. "
    "If you do not know the answer, reply exactly: I don't know."
)
ABSTAIN_TEXT = "I don't know"

Prompt = Callable[[str, "Sequence[Hit] | None"], list[Message]]  # (question, passages or None) -> messages
_CITATION = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")


@dataclass(frozen=True)
class Citation:
    """One `[n]` in the answer, resolved to the passage (and so the document) it points at."""

    number: int
    chunk_id: str
    doc_id: str
    page: int | None = None
    source: str = "model"  # "model": the model wrote [n]; "attributed": inferred from overlap (see attribute_citations)


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    passages: tuple[Hit, ...]
    citations: tuple[Citation, ...]
    invalid_citations: tuple[int, ...]  # numbers that name no passage that was given
    completion: Completion
    retrieval_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def cited_doc_ids(self) -> list[str]:
        return list(dict.fromkeys(c.doc_id for c in self.citations))


def format_passages(hits: Sequence[Hit]) -> str:
    """Number the passages from 1, each headed by its document title so the model sees the source."""
    blocks = []
    for n, hit in enumerate(hits, start=1):
        title = f" {hit.title}:" if hit.title else ""
        blocks.append(f"[{n}]{title} {hit.text.strip()}")
    return "\n\n".join(blocks)


def build_messages(question: str, hits: Sequence[Hit] | None, system: str = "") -> list[Message]:
    """The prompt for one question: with passages (RAG) or without (closed-book); `system` replaces ours."""
    if hits is None:
        return [
            {"role": "system", "content": system or BASE_SYSTEM},
            {"role": "user", "content": question.strip()},
        ]
    context = format_passages(hits) if hits else "(no passages were found)"
    user = f"{context}\n\nQuestion: {question.strip()}"
    return [{"role": "system", "content": system or RAG_SYSTEM}, {"role": "user", "content": user}]


def parse_citations(text: str, hits: Sequence[Hit]) -> tuple[list[Citation], list[int]]:
    """Resolve every `[n]` / `[n, m]` in `text` to the n-th passage; unknown numbers are returned as invalid."""
    citations: dict[int, Citation] = {}
    invalid: list[int] = []
    for match in _CITATION.finditer(text):
        for part in re.split(r"[,;]", match.group(1)):
            n = int(part)
            if 1 <= n <= len(hits):
                hit = hits[n - 1]
                page = hit.metadata.get("page")
                citations.setdefault(n, Citation(n, hit.chunk_id, hit.doc_id, page))
            elif n not in invalid:
                invalid.append(n)
    return list(citations.values()), invalid


def attribute_citations(text: str, hits: Sequence[Hit], min_support: float = 0.5) -> list[Citation]:
    """Post-hoc attribution for answers that cite nothing (small models rarely write `[n]`).

    Cites the passage holding the largest share of the answer's content words, if that share is at
    least `min_support`; marked `source="attributed"` so evaluation can tell it from a model citation.
    """
    words = content_tokens(text)
    if not words or not hits or is_abstention(text):
        return []
    shares = [len(words & content_tokens(h.text + " " + h.title)) / len(words) for h in hits]
    best = max(range(len(hits)), key=lambda i: (shares[i], -i))
    if shares[best] < min_support:
        return []
    hit = hits[best]
    return [Citation(best + 1, hit.chunk_id, hit.doc_id, hit.metadata.get("page"), source="attributed")]


def is_abstention(text: str) -> bool:
    """Did the model decline to answer (the prompt asks for exactly "I don't know")?"""
    t = text.strip().lower().replace("’", "'")
    return t.startswith(("i don't know", "i do not know", "i'm not sure", "i am not sure")) or t in {"", "unknown"}


def answer_question(
    question: str,
    generator: Generator,
    retrieve: Callable[[str], list[Hit]] | None = None,
    *,
    max_new_tokens: int = 256,
    temperature: float = 0.0,
    system: str = "",
) -> Answer:
    """Retrieve (unless closed-book), prompt, generate, and resolve citations."""
    return answer_questions([question], generator, retrieve, max_new_tokens=max_new_tokens,
                            temperature=temperature, system=system)[0]


def answer_questions(
    questions: Sequence[str],
    generator: Generator,
    retrieve: Callable[[str], list[Hit]] | None = None,
    *,
    max_new_tokens: int = 256,
    temperature: float = 0.0,
    system: str = "",
    prompt: Prompt | None = None,
) -> list[Answer]:
    """`answer_question` for several questions, generated as one batch where the generator can batch.

    `prompt(question, passages or None)` builds the messages instead of `build_messages` (a task's prompt)."""
    found: list[tuple[list[Hit] | None, float]] = []
    for question in questions:
        t0 = time.perf_counter()
        hits = retrieve(question) if retrieve is not None else None
        found.append((hits, time.perf_counter() - t0 if retrieve is not None else 0.0))
    prompts = [prompt(q, hits) if prompt is not None else build_messages(q, hits, system)
               for q, (hits, _) in zip(questions, found)]
    if len(prompts) > 1 and hasattr(generator, "generate_batch"):
        completions = generator.generate_batch(prompts, max_new_tokens=max_new_tokens, temperature=temperature)
    else:
        completions = [generator.generate(m, max_new_tokens=max_new_tokens, temperature=temperature)
                       for m in prompts]
    return [_answer(q, hits, s, c) for q, (hits, s), c in zip(questions, found, completions)]


def _answer(question: str, hits: list[Hit] | None, retrieval_s: float, completion: Completion) -> Answer:
    citations, invalid = parse_citations(completion.text, hits or [])
    if hits and not citations:
        citations = attribute_citations(completion.text, hits)
    return Answer(
        question=question,
        text=completion.text.strip(),
        passages=tuple(hits or ()),
        citations=tuple(citations),
        invalid_citations=tuple(invalid),
        completion=completion,
        retrieval_s=retrieval_s,
        timings={
            "retrieval_s": retrieval_s,
            "prefill_s": completion.prefill_s,
            "generation_s": completion.total_s,
            "total_s": retrieval_s + completion.total_s,
        },
    )
