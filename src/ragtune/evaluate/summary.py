"""`summary.json`: per variant every metric's mean with a 95 % bootstrap CI, latency and tokens,
and paired comparisons between variants (McNemar on 0/1 outcomes, paired bootstrap otherwise)."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict
from itertools import combinations
from pathlib import Path
from typing import Sequence

import numpy as np

from ragtune.evaluate.stats import bootstrap_ci, compare

SUMMARY = "summary.json"
COMPARED = ("contains", "f1")  # higher is better; the primary answer metrics
TIMINGS = ("retrieval_s", "prefill_s", "generation_s", "total_s")


def summarize(results: Sequence[dict], variants: Sequence[str], *, seed: int = 0, resamples: int = 2000) -> dict:
    rows = {v: [r for r in results if r["variant"] == v] for v in variants}
    summary: dict = {"variants": {}, "comparisons": [], "seed": seed, "resamples": resamples}
    for v, rs in rows.items():
        names = sorted({m for r in rs for m in r["metrics"]})
        summary["variants"][v] = {
            "n": len(rs),
            "metrics": {m: metric_ci(rs, m, seed=seed, resamples=resamples) for m in names},
            **_latency(rs),
            "tokens": {k: _mean([r["tokens"][k] for r in rs]) for k in ("prompt", "completion")},
            # Correct answers per question tag (e.g. static / updated / paraphrase / multi-doc).
            "by_tag": {t: metric_ci([r for r in rs if t in r.get("tags", ())], "contains", seed=seed,
                                    resamples=resamples)
                       for t in sorted({t for r in rs for t in r.get("tags", ())})},
        }
    # Pair by question id: only questions every compared variant answered.
    by_q = {v: {r["question_id"]: r["metrics"] for r in rs} for v, rs in rows.items()}
    for a, b in combinations(variants, 2):
        shared = sorted(set(by_q[a]) & set(by_q[b]))
        for metric in COMPARED:
            cmp = compare([by_q[a][q].get(metric) for q in shared], [by_q[b][q].get(metric) for q in shared],
                          (a, b), seed=seed, resamples=resamples)
            summary["comparisons"].append({"metric": metric, **asdict(cmp)})
    return _finite(summary)


def _latency(records: Sequence[dict]) -> dict:
    """Latency from the answers generated alone (a batch's share of time is throughput, not latency);
    `seconds_per_answer` is the mean machine time per answer over all of them, batched or not."""
    alone = [r for r in records if r["timings"].get("batch_size", 1) == 1] or list(records)
    return {"latency_s": {t: _spread([r["timings"].get(t, 0.0) for r in alone]) for t in TIMINGS},
            "latency_n": len(alone), "latency_batched": any(r["timings"].get("batch_size", 1) > 1 for r in alone),
            "seconds_per_answer": _mean([r["timings"].get("total_s", 0.0) for r in records])}


def metric_ci(records: Sequence[dict], metric: str, *, seed: int = 0, resamples: int = 2000) -> dict:
    """`{value, low, high, n}` of one metric over result records (unmeasured values left out)."""
    return asdict(bootstrap_ci([r["metrics"].get(metric) for r in records], seed=seed, resamples=resamples))


def write_summary(run_dir: Path, summary: dict) -> Path:
    path = run_dir / SUMMARY
    temp = run_dir / f".{SUMMARY}.tmp-{os.getpid()}"
    temp.write_text(json.dumps(_finite(summary), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    os.replace(temp, path)
    return path


def _spread(values: list[float]) -> dict:
    if not values:
        return {"p50": None, "p95": None, "mean": None}
    a = np.asarray(values, dtype=float)
    return {"p50": float(np.percentile(a, 50)), "p95": float(np.percentile(a, 95)), "mean": float(a.mean())}


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _finite(obj):
    """NaN (nothing measured) becomes null, so summary.json is strict JSON that any tool reads."""
    if isinstance(obj, float):
        return None if math.isnan(obj) else obj
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj
