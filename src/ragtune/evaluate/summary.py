"""summary.json's figures: per variant every metric's mean with a 95 % bootstrap CI, latency and tokens,
and paired comparisons between variants (McNemar on 0/1 outcomes, paired bootstrap otherwise).

`build_summary` computes the typed `Summary` (`ragtune.evaluate.results`, which also writes and reads it);
`summarize` is the same as summary.json's dict. Records may be `ResultRecord`s or results.jsonl dicts.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from functools import partial
from itertools import combinations
from typing import Any, Mapping, Sequence

import numpy as np

from ragtune.evaluate.results import TIMINGS, ResultRecord, Spread, Summary, Tokens, VariantSummary, as_records
from ragtune.evaluate.power import MARGIN
from ragtune.evaluate.stats import Estimate, bootstrap_ci, compare
# Re-exported while evaluate/session.py still imports it from here; results.py owns it.
from ragtune.evaluate.results import write_summary as write_summary  # noqa: F401

COMPARED = ("contains", "f1")  # higher is better; the primary answer metrics
FORGETTING = ("contains", "mc_correct", "mc_correct_norm")  # the probe's figures per variant
Record = ResultRecord | Mapping[str, Any]


def build_summary(results: Sequence[Record], variants: Sequence[str], *, seed: int = 0,
                  resamples: int = 2000, compared: Sequence[str] = COMPARED, margin: float = MARGIN) -> Summary:
    """Every variant's metrics (mean, 95 % CI), latency, tokens and accuracy per tag, and paired comparisons.

    Comparisons pair by question id: only questions every compared variant answered; `margin` is the
    equivalence margin of every comparison ([eval] equivalence_margin). `k`, cost, freshness
    and forgetting are added by the caller (`dataclasses.replace`), from what it knows about the run."""
    records = as_records(results)
    rows = {v: [r for r in records if r.variant == v] for v in variants}
    ci = partial(metric_estimate, seed=seed, resamples=resamples)
    variant_summaries = {}
    for v, rs in rows.items():
        names = sorted({m for r in rs for m in r.metrics})
        tags = sorted({t for r in rs for t in r.tags})
        variant_summaries[v] = VariantSummary(
            n=len(rs), metrics={m: ci(rs, m) for m in names}, **_latency(rs),
            tokens=Tokens(_mean([r.tokens.prompt for r in rs]), _mean([r.tokens.completion for r in rs])),
            # Correct answers per question tag (e.g. static / updated / paraphrase / multi-doc).
            by_tag={t: ci([r for r in rs if t in r.tags], "contains") for t in tags},
            # ... and per question generator (`ragtune questions`): does the verdict depend on where they came from?
            by_generator={g: _right(ci, [r for r in rs if r.generator == g])
                          for g in sorted({r.generator for r in rs if r.generator})})
    by_q = {v: {r.question_id: r.metrics for r in rs} for v, rs in rows.items()}
    comparisons = []
    for a, b in combinations(variants, 2):
        shared = sorted(set(by_q[a]) & set(by_q[b]))
        for metric in compared:
            if not any(by_q[a][q].get(metric) is not None for q in shared):
                continue  # not measured in this run (no labels, no style score, no facts): nothing to compare
            cmp = compare([by_q[a][q].get(metric) for q in shared], [by_q[b][q].get(metric) for q in shared],
                          (a, b), seed=seed, resamples=resamples, margin=margin)
            comparisons.append(replace(cmp, metric=metric))
    return Summary(variant_summaries, tuple(comparisons), seed, resamples)


def _right(ci, records: Sequence[ResultRecord]) -> Estimate:
    """Right answers of one generator's questions: `contains`, or for a generator whose questions have no
    answer in the documents (`unanswerable`), `abstained_correctly`: declining is the right answer there."""
    found = ci(records, "contains")
    return found if found.n else ci(records, "abstained_correctly")


def summarize(results: Sequence[Record], variants: Sequence[str], *, seed: int = 0, resamples: int = 2000) -> dict:
    """`build_summary` as summary.json's dict (strict JSON: NaN as null)."""
    return build_summary(results, variants, seed=seed, resamples=resamples).to_json()


def forgetting_summary(probe: Sequence[Record], *, seed: int = 0, resamples: int = 2000) -> dict:
    """summary.json's `forgetting`: the general-knowledge probe's accuracy per variant and its paired tests."""
    records = as_records(probe)
    s = build_summary(records, list(dict.fromkeys(r.variant for r in records)), seed=seed, resamples=resamples)
    return {"questions": len({r.question_id for r in records}),
            "variants": {v: {m: e.to_json() if (e := vs.metrics.get(m)) is not None else None for m in FORGETTING}
                         for v, vs in s.variants.items()},
            "comparisons": [c.to_json() for c in s.comparisons if c.metric == "contains"]}


def _latency(records: Sequence[ResultRecord]) -> dict:
    """Latency from the answers generated alone (a batch's share of time is throughput, not latency);
    `seconds_per_answer` is the mean machine time per answer over all of them, batched or not."""
    alone = [r for r in records if r.batch_size == 1] or list(records)
    return {"latency": {t: _spread([r.timings.get(t, 0.0) for r in alone]) for t in TIMINGS},
            "latency_n": len(alone), "latency_batched": any(r.batch_size > 1 for r in alone),
            "seconds_per_answer": _mean([r.total_s for r in records])}


def metric_estimate(records: Sequence[Record], metric: str, *, seed: int = 0, resamples: int = 2000) -> Estimate:
    """One metric's mean and 95 % CI over result records (unmeasured values left out)."""
    return bootstrap_ci([_metrics(r).get(metric) for r in records], seed=seed, resamples=resamples)


def metric_ci(records: Sequence[Record], metric: str, *, seed: int = 0, resamples: int = 2000) -> dict:
    """`{value, low, high, n}` of one metric over result records (NaN where nothing was measured)."""
    return asdict(metric_estimate(records, metric, seed=seed, resamples=resamples))


def _metrics(record: Record) -> Mapping[str, float | None]:
    return record.metrics if isinstance(record, ResultRecord) else record["metrics"]


def _spread(values: list[float]) -> Spread:
    if not values:
        return Spread()
    a = np.asarray(values, dtype=float)
    return Spread(float(np.percentile(a, 50)), float(np.percentile(a, 95)), float(a.mean()))


def _mean(values: list[float | None]) -> float | None:
    measured = [v for v in values if v is not None]
    return float(np.mean(measured)) if measured else None
