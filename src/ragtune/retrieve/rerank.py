"""Reranking the retrieved passages within a latency budget (`[retrieval] rerank`, off by default).

The retriever fetches `depth` candidates; the reranker scores as many of them as fit the budget at its
measured time per passage (all of them the first time), best first; the rest keep their retrieval order
after them. A reranker helps only where its weights know the domain: none ships here, so ragtune makes no
claim about its quality; `ragtune eval` with a `[variants.*]` that reranks measures it on your questions.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Sequence

from ragtune.models.rerank import Reranker
from ragtune.retrieve.hit import Hit


class BudgetedReranker:
    """A reranker and its running mean time per passage, which decides how many candidates fit the budget."""

    def __init__(self, reranker: Reranker, budget_s: float):
        self.reranker, self.budget_s = reranker, budget_s
        self.per_passage_s: float | None = None

    def fits(self, available: int, keep: int) -> int:
        if self.per_passage_s is None or self.per_passage_s <= 0:
            return available
        return max(min(keep, available), min(available, int(self.budget_s / self.per_passage_s)))

    def rerank(self, question: str, hits: Sequence[Hit], keep: int) -> list[Hit]:
        """The best `keep` of `hits` by the reranker's score (scored: as many as the budget allows)."""
        n = self.fits(len(hits), keep)
        start = time.perf_counter()
        scores = self.reranker.scores(question, [f"{h.title}\n{h.text}" if h.title else h.text for h in hits[:n]])
        if n:
            took = (time.perf_counter() - start) / n
            self.per_passage_s = took if self.per_passage_s is None else 0.8 * self.per_passage_s + 0.2 * took
        order = sorted(range(n), key=lambda i: -scores[i])
        ranked = [replace(hits[i], score=scores[i], ranks={**hits[i].ranks, "rerank": r},
                          scores={**hits[i].scores, "rerank": scores[i]}) for r, i in enumerate(order, start=1)]
        ranked += list(hits[n:])
        return ranked[:keep]
