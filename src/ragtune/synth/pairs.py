"""`QAPair` (one training question with its answer and source) and `StrategyYield` (what a strategy produced)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Iterable, Literal

from ragtune.text import normalize_text

Strategy = Literal["teacher", "extractive", "cloze", "user"]
STRATEGIES: tuple[str, ...] = ("teacher", "extractive", "cloze", "user")


@dataclass(frozen=True)
class QAPair:
    """A question answerable from one chunk. `chunk_id` is "" for user pairs that name only documents."""

    question: str
    answer: str
    doc_id: str
    chunk_id: str
    strategy: Strategy

    @property
    def fact_key(self) -> tuple[str, str]:
        """Pairs with the same source and the same (normalised) answer state the same fact."""
        return (self.chunk_id or self.doc_id, normalize_text(self.answer))

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class StrategyYield:
    """How much one strategy produced: asked for, parsed from the output, valid, and kept after dedup/caps.

    `rejected` counts the reasons pairs failed validation, so a user sees *why* a teacher yields little;
    `resumed` the teacher's completions read back from an interrupted synth (`synth/calls.py`); `pilot` the
    pilot's verdict on a generative strategy (`synth/pilot.PilotVerdict.to_dict`), None without a pilot.
    """

    strategy: str
    asked: int = 0
    parsed: int = 0
    valid: int = 0
    kept: int = 0
    seconds: float = 0.0
    rejected: dict[str, int] = field(default_factory=dict)
    resumed: int = 0
    pilot: dict | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def count_reasons(reasons: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(reasons).items()))


def dedupe(pairs: Iterable[QAPair], seen: set[str] | None = None) -> list[QAPair]:
    """Drop pairs whose normalised question was already seen (first one wins); updates `seen`."""
    seen = set() if seen is None else seen
    out = []
    for pair in pairs:
        key = normalize_text(pair.question)
        if key and key not in seen:
            seen.add(key)
            out.append(pair)
    return out
