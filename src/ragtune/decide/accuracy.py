"""Rule 8 of docs/decision.md: which feasible variant is most accurate, and how sure the measurements are.

The questions every candidate answered (`contains` measured) are resampled with replacement; in each
resample the candidate(s) with the highest accuracy win it, a tie splitting the win evenly. A candidate's
win share is the fraction of resamples it won. This asks the question a user has ("which one is best?")
directly, for any number of candidates, where pairwise tests would need a multiple-comparison correction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from ragtune.evaluate.stats import bootstrap_ci
from ragtune.numbers import finite

WIN_SHARE = 0.90  # a winner must hold this share of resamples; the contenders together hold at least this
_CELLS_PER_BLOCK = 4_000_000  # resampled cells held in memory at once


@dataclass(frozen=True)
class Paired:
    """Per question (rows) and variant (columns): 1 if the answer contained the gold answer, else 0."""

    variants: tuple[str, ...]
    questions: tuple[str, ...]
    correct: np.ndarray


def paired_correct(results: Sequence[dict], variants: Sequence[str]) -> Paired:
    """`contains` of the questions that every one of `variants` answered with a measured value."""
    by = {v: {r["question_id"]: r["metrics"].get("contains") for r in results if r["variant"] == v}
          for v in variants}
    shared = set.intersection(*({q for q, x in by[v].items() if x is not None} for v in variants)) if variants \
        else set()
    questions = tuple(sorted(shared))
    matrix = np.array([[float(by[v][q]) for v in variants] for q in questions], dtype=float)
    return Paired(tuple(variants), questions, matrix.reshape(len(questions), len(variants)))


def win_shares(paired: Paired, *, resamples: int = 2000, seed: int = 0) -> dict[str, float]:
    """Share of bootstrap resamples of the questions in which each variant has the highest accuracy."""
    n_q, n_v = paired.correct.shape
    if n_v == 0 or n_q == 0:
        return {}
    rng = np.random.default_rng(seed)
    wins = np.zeros(n_v)
    block = max(1, _CELLS_PER_BLOCK // (n_q * n_v))
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        correct = paired.correct[rng.integers(0, n_q, size=(size, n_q))].sum(axis=1)  # (size, n_v) counts
        top = correct == correct.max(axis=1, keepdims=True)  # 0/1 sums: exact ties, no float noise
        wins += (top / top.sum(axis=1, keepdims=True)).sum(axis=0)
    return {v: float(w / resamples) for v, w in zip(paired.variants, wins)}


def contenders(shares: dict[str, float], threshold: float = WIN_SHARE) -> list[str]:
    """The fewest top variants whose win shares add up to `threshold`; equal shares at the cut all stay in."""
    ranked = sorted(shares, key=lambda v: -shares[v])
    chosen: list[str] = []
    total = 0.0
    for v in ranked:
        if total >= threshold - 1e-9 and shares[v] < shares[chosen[-1]] - 1e-12:
            break
        chosen.append(v)
        total += shares[v]
    return chosen


def accuracy_on(results: Sequence[dict], variant: str, questions: Sequence[str], *, resamples: int = 2000,
                seed: int = 0) -> dict:
    """`{value, low, high, n}` of `contains` for one variant over `questions` (None where unmeasured)."""
    wanted = set(questions)
    values = [r["metrics"].get("contains") for r in results if r["variant"] == variant and r["question_id"] in wanted]
    return {k: finite(v) for k, v in asdict(bootstrap_ci(values, resamples=resamples, seed=seed)).items()}


def pair_with(results: Sequence[dict], a: str, b: str, questions: Sequence[str]) -> tuple[list, list]:
    """`contains` of a and b aligned by question over `questions`, for a paired test."""
    by = {v: {r["question_id"]: r["metrics"].get("contains") for r in results if r["variant"] == v} for v in (a, b)}
    return [by[a].get(q) for q in questions], [by[b].get(q) for q in questions]
