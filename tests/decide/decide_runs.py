"""Hand-made evaluation runs with controlled numbers, summarised by ragtune's own summary/cost/freshness code.

Prices: $3.60 per machine hour = $0.001 per second and free tokens, so a variant's cost per query is its
answer time in ms / 1e6: rag (2.0 s) $0.002, ft+rag (1.5 s) $0.0015, ft and base (0.5 s) $0.0005.
A retrain costs $36 (10 h), so ft and rag break even at (updates/month x 36) / (30 x 0.0015) queries/day.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ragtune.config import CostSettings
from ragtune.evaluate.cost import TrainingCost, cost_summary
from ragtune.evaluate.freshness import freshness_summary
from ragtune.evaluate.results import ResultRecord, Summary, write_summary
from ragtune.evaluate.summary import build_summary
from ragtune.runs import RESULTS, write_jsonl

PRICES = CostSettings(hardware_usd_per_hour=3.6)
RETRAIN = TrainingCost(seconds=36000.0, tokens=0, usd=36.0)
RETRIEVES = {"base": False, "rag": True, "ft": False, "ft+rag": True, "raft": True}
TUNED = ("ft", "ft+rag", "raft")
LATENCY_S = {"base": 0.5, "rag": 2.0, "ft": 0.5, "ft+rag": 1.5, "raft": 1.8}

N = 20
SAME_RAG = [1] * 15 + [0] * 5  # 75 %
SAME_FT = [0] * 5 + [1] * 15  # 75 % too, on other questions: accuracy cannot separate them (undetermined)
# 40 questions, rag and ft right on the same 30: equivalent within +-5 points (no disagreement in 40 pairs bounds
# the difference's 90 % CI at +-1.645/40 = +-4 points; 20 pairs, +-8 points, would not show it)
EQUAL_N = 40
EQUAL_RAG = [1] * 30 + [0] * 10  # 75 %
EQUAL_FT = list(EQUAL_RAG)
EQUAL_NONE = [0] * EQUAL_N
CLEAR_RAG = [1] * 19 + [0]  # 95 %
CLEAR_FT = [1] * 6 + [0] * 14  # 30 %
NONE = [0] * N


def record(q: str, variant: str, correct: int, *, changed: bool = False, stale: float | None = None) -> ResultRecord:
    retrieves = RETRIEVES[variant]
    total_s = LATENCY_S[variant]
    return ResultRecord.from_json({
        "question_id": q, "variant": variant, "question": f"What is {q}?", "answer": "an answer",
        "gold": [f"gold {q}"], **({"old_answers": [f"old {q}"]} if changed else {}), "sources": ["d.md"],
        "tags": [], "retrieved": [{"rank": 1, "chunk_id": "d.md#0", "doc_id": "d.md", "score": 1.0, "ranks": {}}]
        if retrieves else [],
        "cited_doc_ids": ["d.md"] if retrieves and correct else [], "citation_sources": [], "invalid_citations": [],
        "timings": {"retrieval_s": 0.02 if retrieves else 0.0, "prefill_s": 0.1, "generation_s": total_s,
                    "total_s": total_s},
        "tokens": {"prompt": 500 if retrieves else 50, "completion": 10},
        "metrics": {"contains": float(correct), "f1": float(correct), "stale": stale if changed else None,
                    "citation_precision": 1.0 if retrieves and correct else None},
    })


def results_for(correct: dict[str, list[int]], changed: int = 0,
                stale: dict[str, list[int]] | None = None) -> list[ResultRecord]:
    """One record per question and variant (N, or as many as the lists hold); the first `changed` questions
    changed in the update."""
    stale = stale or {}
    n = max((len(c) for c in correct.values()), default=N)
    return [record(f"q{i:02d}", v, c[i], changed=i < changed, stale=float(stale[v][i]) if v in stale else 0.0)
            for i in range(n) for v, c in correct.items()]


def summary_for(results: list[ResultRecord], *, update: dict | None = None) -> Summary:
    """summary.json as `ragtune eval` writes it: metrics, cost at PRICES, freshness when `update` is given."""
    variants = list(dict.fromkeys(r.variant for r in results))
    s = build_summary(results, variants, resamples=300)
    adapters = {v: RETRAIN for v in variants if v in TUNED}
    retrieval = {v: RETRIEVES[v] for v in variants}
    cost = cost_summary(s, PRICES, adapters=adapters, retrieval=retrieval, sync_s=update["sync_s"] if update else None)
    fresh = freshness_summary([r.to_json() for r in results], variants, update, {v: RETRAIN.seconds for v in adapters},
                              retrieval, resamples=300) if update else None
    return replace(s, cost=cost, freshness=fresh)


UPDATE = {"status": "done", "sync_s": 1.5, "added": [], "changed": ["d.md"], "removed": [], "version_before": 1,
          "version_after": 2}


def after_run() -> tuple[Summary, list[ResultRecord]]:
    """After an update that changed q00-q07: ft (not retrained) gives the old value there, ft+rag on 4 of them."""
    correct = {"base": NONE, "rag": [1] * 8 + SAME_RAG[8:], "ft": [0] * 8 + SAME_FT[8:],
               "ft+rag": [0] * 4 + [1] * 4 + SAME_FT[8:]}
    stale = {"ft": [1] * 8 + [0] * 12, "ft+rag": [1] * 4 + [0] * 16}
    results = results_for(correct, changed=8, stale=stale)
    return summary_for(results, update=UPDATE), results


def write_run(run_dir: Path, results: list[ResultRecord], summary: Summary) -> Path:
    run_dir.mkdir(parents=True)
    write_jsonl(run_dir / RESULTS, [r.to_json() for r in results])
    write_summary(run_dir, summary)
    return run_dir
