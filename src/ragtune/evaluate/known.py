"""Known vs new facts: the run's answerable questions split by whether the model already knew the answer.

`base` (no passages, no adapter) answering a question correctly closed-book means the fact was "known" to
the model before any of the user's documents reached it; the rest are "new". Fine-tuning and retrieval are
expected to differ most on new facts (Ovadia et al. 2023, Soudani et al. 2024), so a verdict should say
which part its lead comes from. By construction `base` scores 100 % on known and 0 % on new, so it is
shown but left out of the comparisons within each part.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Mapping, Sequence

from ragtune.evaluate.power import MARGIN
from ragtune.evaluate.results import ResultRecord, as_records
from ragtune.evaluate.stats import bootstrap_ci, compare

REFERENCE = "base"
PARTS = ("known", "new")


def split_known(records: Sequence[ResultRecord], reference: str = REFERENCE) -> dict[str, list[str]]:
    """Question ids per part: `known` where the reference's `contains` is 1, `new` where it is 0; questions
    it has no measured `contains` for (unanswerable, no reference answer, not asked) are in neither."""
    scored = {r.question_id: r.metrics.get("contains") for r in records if r.variant == reference}
    return {"known": sorted(q for q, x in scored.items() if x is not None and x >= 1),
            "new": sorted(q for q, x in scored.items() if x is not None and x < 1)}


def known_new(results: Sequence[ResultRecord | Mapping[str, Any]], variants: Sequence[str], *,
              reference: str = REFERENCE, seed: int = 0, resamples: int = 2000,
              margin: float = MARGIN) -> dict | None:
    """summary.json's `known_new`: each variant's `contains` (mean, 95 % CI) on known and on new facts, and
    paired comparisons within each part (reference left out); None when the run has no `reference`."""
    records = as_records(results)
    if reference not in variants or not any(r.variant == reference for r in records):
        return None
    parts = split_known(records, reference)
    by_v = {v: {r.question_id: r.metrics.get("contains") for r in records if r.variant == v} for v in variants}
    return {
        "reference": reference, **{p: len(qs) for p, qs in parts.items()},
        "variants": {v: {p: bootstrap_ci([by_v[v].get(q) for q in qs], seed=seed, resamples=resamples).to_json()
                         for p, qs in parts.items()} for v in variants},
        "comparisons": {p: _compared(by_v, [v for v in variants if v != reference], qs, seed, resamples, margin)
                        for p, qs in parts.items()},
    }


def _compared(by_v: Mapping[str, Mapping[str, float | None]], variants: Sequence[str], questions: Sequence[str],
              seed: int, resamples: int, margin: float) -> list[dict]:
    """Paired comparisons on `contains` over the part's questions both variants answered with a measured value."""
    out = []
    for a, b in combinations(variants, 2):
        shared = [q for q in questions if by_v[a].get(q) is not None and by_v[b].get(q) is not None]
        if not shared:
            continue
        cmp = compare([by_v[a][q] for q in shared], [by_v[b][q] for q in shared], (a, b), seed=seed,
                      resamples=resamples, margin=margin)
        out.append(cmp.to_json() | {"metric": "contains"})
    return out
