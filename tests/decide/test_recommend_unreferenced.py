"""`recommend` on runs with questions that have no reference answer (a log export): they never count for or
against a variant's accuracy, and a run made only of them is decided on cost with that reason given."""

import json
from dataclasses import replace

from decide_runs import CLEAR_FT, CLEAR_RAG, N, NONE, record, results_for, summary_for
from ragtune.decide import Constraints, recommend
from ragtune.evaluate.results import ResultRecord

CLEAR = {"base": NONE, "rag": CLEAR_RAG, "ft": CLEAR_FT}


def unreferenced(q: str, variant: str, declined: bool = False) -> ResultRecord:
    """A log question's record as `ragtune eval` writes it: no gold, correctness unmeasured, the rest measured."""
    r = record(q, variant, 0)
    metrics = {"contains": None, "f1": None, "exact_match": None, "hallucinated": None, "stale": None,
               "declined": float(declined), "citation_precision": r.metrics["citation_precision"]}
    return replace(r, gold=(), referenced=False, metrics=metrics, cited_doc_ids=())


def advise(results: list[ResultRecord], **constraints) -> dict:
    out = recommend(summary_for(results), results, Constraints(**constraints), resamples=500, seed=0)
    json.dumps(out, allow_nan=False)  # recommendation.json stays strict JSON
    return out


def test_unreferenced_questions_leave_the_accuracy_verdict_as_it_was():
    referenced = results_for(CLEAR)
    logs = [unreferenced(f"log{i:02d}", v, declined=v == "ft") for i in range(30) for v in CLEAR]
    alone, mixed = advise(referenced, updates_per_month=0), advise(referenced + logs, updates_per_month=0)
    assert mixed["winner"] == alone["winner"] == "rag" and mixed["verdict"] == alone["verdict"]
    assert mixed["questions"] == N  # accuracy on the referenced questions only
    rag = next(c for c in mixed["candidates"] if c["variant"] == "rag")
    assert rag["accuracy"]["n"] == N and rag["answers"] == N + 30  # every answer is still an answer (cost, latency)
    s = summary_for(referenced + logs)
    assert s.variants["ft"].n == N + 30 and s.variants["ft"].metric("contains").n == N
    assert s.variants["ft"].metric("declined").value == 1.0  # measured on the log questions too
    assert {c.n for c in s.comparisons if c.metric == "contains"} == {N}


def test_a_run_without_reference_answers_is_decided_on_cost_and_says_why():
    logs = [unreferenced(f"log{i:02d}", v) for i in range(N) for v in ("base", "rag", "ft", "ft+rag")]
    s = summary_for(logs)
    assert not s.variants["rag"].metric("contains") and not s.comparisons  # nothing to compare, nothing crashed
    assert s.cost["variants"]["ft"]["per_query_usd"] is not None  # cost and latency are measured all the same
    out = advise(logs, updates_per_month=0, queries_per_day=1000)
    assert out["winner"] == "ft" and out["decided_by"] == "cost"  # ft answers in 0.5 s: the cheapest per query
    assert "not measured" in out["headline"]
    why = next(r for r in out["reasons"] if r.startswith("(rule 8)"))
    assert f"none of the {N} questions has a reference answer" in why
    reference = next(r for r in out["reasons"] if r.startswith("(rule 7)"))
    assert "accuracy not measured" in reference and "not measured correct" not in reference
    assert all(c["accuracy"]["value"] is None for c in out["candidates"])
