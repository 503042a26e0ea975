"""`Hit`: one retrieved chunk with how each retriever ranked and scored it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

RESULT_COLUMNS = ["id", "doc_id", "title", "text", "metadata"]


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    doc_id: str
    text: str
    title: str
    metadata: dict[str, Any]
    score: float  # the ranking score of the retriever that produced the list (RRF for hybrid)
    ranks: dict[str, int] = field(default_factory=dict)  # retriever -> 1-based rank in its own list
    scores: dict[str, float] = field(default_factory=dict)  # retriever -> raw score (cosine, BM25)


def hit_from_row(row: Mapping[str, Any], score: float, ranks: dict[str, int], scores: dict[str, float]) -> Hit:
    return Hit(chunk_id=row["id"], doc_id=row["doc_id"], text=row["text"] or "", title=row["title"] or "",
               metadata=json.loads(row["metadata"] or "{}"), score=score, ranks=ranks, scores=scores)
