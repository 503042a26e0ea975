import math
import random

import pytest

from ragtune.evaluate.metrics import (answer_metrics, citation_metrics, contains_answer, exact_match, groundedness,
                                      ranked_docs, retrieval_metrics, squad_normalize, token_f1)


def test_retrieval_metrics_by_hand():
    # Chunks from d3, d1, d3 (again), d7, d2: documents d3, d1, d7, d2 in rank order; relevant d1 and d2.
    m = retrieval_metrics(["d3", "d1", "d3", "d7", "d2"], ["d1", "d2"], 3)
    assert m["precision@3"] == pytest.approx(1 / 3)
    assert m["recall@3"] == pytest.approx(1 / 2)
    assert m["hit@3"] == 1.0 and m["mrr@3"] == pytest.approx(1 / 2)
    # DCG = 1/log2(3); ideal = 1 + 1/log2(3)
    assert m["ndcg@3"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    none = retrieval_metrics(["a", "b"], ["z"], 2)
    assert (none["hit@2"], none["mrr@2"], none["ndcg@2"], none["recall@2"]) == (0.0, 0.0, 0.0, 0.0)
    unanswerable = retrieval_metrics(["a"], [], 5)
    assert all(v is None for v in unanswerable.values())  # no relevant documents: not measured, not 0
    assert ranked_docs(["b", "a", "b", "c"]) == ["b", "a", "c"]


@pytest.mark.parametrize("k", [1, 3, 5, 10])
def test_retrieval_metrics_equal_trec_eval(k):
    """Random runs and qrels; every metric must equal pytrec_eval's (trec_eval's) value."""
    pytrec_eval = pytest.importorskip("pytrec_eval")
    rng = random.Random(k)
    docs = [f"d{i:02d}" for i in range(30)]
    qrels, run, ours = {}, {}, {}
    for q in range(60):
        qid = f"q{q}"
        relevant = rng.sample(docs, rng.randint(1, 6))
        ranked = rng.sample(docs, rng.randint(0, 12))
        qrels[qid] = {d: 1 for d in relevant}
        # Distinct descending scores fix trec_eval's order to ours.
        run[qid] = {d: float(len(ranked) - i) for i, d in enumerate(ranked)}
        ours[qid] = retrieval_metrics(ranked, relevant, k)
    truncated = {qid: {d: s for d, s in r.items() if s > len(r) - k} for qid, r in run.items()}
    full = pytrec_eval.RelevanceEvaluator(qrels, {f"P_{k}", f"recall_{k}", f"success_{k}", f"ndcg_cut_{k}"}).evaluate(run)
    rr = pytrec_eval.RelevanceEvaluator(qrels, {"recip_rank"}).evaluate(truncated)
    for qid, m in ours.items():
        got = full.get(qid, {})
        assert m[f"precision@{k}"] == pytest.approx(got.get(f"P_{k}", 0.0), abs=1e-9)
        assert m[f"recall@{k}"] == pytest.approx(got.get(f"recall_{k}", 0.0), abs=1e-9)
        assert m[f"hit@{k}"] == pytest.approx(got.get(f"success_{k}", 0.0), abs=1e-9)
        assert m[f"ndcg@{k}"] == pytest.approx(got.get(f"ndcg_cut_{k}", 0.0), abs=1e-9)
        assert m[f"mrr@{k}"] == pytest.approx(rr.get(qid, {}).get("recip_rank", 0.0), abs=1e-9)


def test_squad_exact_match_and_f1_by_hand():
    assert squad_normalize("The  Eiffel-Tower!") == "eiffeltower"
    assert exact_match("the Marnholt.", ["Marnholt"]) == 1.0
    assert exact_match("Marnholt city", ["Marnholt", "Veloria"]) == 0.0
    # pred tokens: capital is marnholt (3), gold: marnholt (1): p = 1/3, r = 1 -> F1 = 0.5
    assert token_f1("The capital is Marnholt", ["Marnholt"]) == pytest.approx(0.5)
    assert token_f1("Marnholt", ["Veloria", "Marnholt"]) == 1.0  # best over golds
    assert token_f1("nothing shared", ["Marnholt"]) == 0.0
    assert exact_match("x", []) is None and token_f1("x", []) is None


def test_containment_compares_numbers_as_numbers():
    assert contains_answer("The warranty lasts four years in total.", ["4 years"]) == 1.0
    assert contains_answer("It holds 86000 books.", ["86,000"]) == 1.0
    assert contains_answer("It holds 8600 books.", ["86,000"]) == 0.0
    assert contains_answer("Edda Farrow founded it", ["Farrow Edda"]) == 0.0  # order matters


def test_abstention_and_hallucination():
    right = answer_metrics("The capital is Marnholt.", ["Marnholt"])
    assert right["contains"] == 1.0 and right["hallucinated"] == 0.0 and right["wrongly_declined"] == 0.0
    wrong = answer_metrics("The capital is Veloria City.", ["Marnholt"])
    assert wrong["contains"] == 0.0 and wrong["hallucinated"] == 1.0
    declined = answer_metrics("I don't know.", ["Marnholt"])
    assert declined["wrongly_declined"] == 1.0 and declined["hallucinated"] == 0.0
    unanswerable_ok = answer_metrics("I don't know", [])
    assert unanswerable_ok["abstained_correctly"] == 1.0 and unanswerable_ok["hallucinated"] == 0.0
    assert unanswerable_ok["contains"] is None and unanswerable_ok["wrongly_declined"] is None
    unanswerable_bad = answer_metrics("It is 42.", [])
    assert unanswerable_bad["abstained_correctly"] == 0.0 and unanswerable_bad["hallucinated"] == 1.0


def test_citations_and_groundedness():
    m = citation_metrics(["a", "b", "b"], ["b", "c"], invalid=2)
    assert m["citation_precision"] == 0.5 and m["citation_recall"] == 0.5 and m["invalid_citations"] == 2.0
    assert citation_metrics([], ["b"])["citation_precision"] is None  # nothing cited: precision not measured
    assert citation_metrics([], ["b"])["citation_recall"] == 0.0
    # content tokens: kettle, costs, 49, euros -> 3 of 4 in the passage
    assert groundedness("The kettle costs 49 euros", ["A kettle that costs 49."]) == pytest.approx(0.75)
    assert groundedness("The kettle costs 49 euros", []) is None
    assert groundedness("I don't know", ["text"]) is None


def test_stale_answer():
    from ragtune.evaluate.metrics import stale_answer

    assert stale_answer("It costs 89 euros.", ["99 euros"], ["89 euros"]) == 1.0
    assert stale_answer("It costs 99 euros.", ["99 euros"], ["89 euros"]) == 0.0
    assert stale_answer("It was 89 euros, now 99 euros.", ["99 euros"], ["89 euros"]) == 0.0  # gives the new value
    assert stale_answer("I don't know.", ["99 euros"], ["89 euros"]) == 0.0
    assert stale_answer("It costs 89 euros.", ["99 euros"], []) is None  # the answer did not change


def test_choice_metrics_pick_by_sum_and_by_byte():
    from ragtune.evaluate.metrics import choice_metrics

    options = ["red", "turquoise"]
    # Sum: "red" (-3) beats "turquoise" (-6); per byte: -3/3 = -1 vs -6/9 = -0.67, "turquoise" wins.
    scores = [(-3.0, 1), (-6.0, 3)]
    assert choice_metrics(scores, options, ["red"]) == {"mc_correct": 1.0, "mc_correct_norm": 0.0}
    assert choice_metrics(scores, options, ["turquoise"]) == {"mc_correct": 0.0, "mc_correct_norm": 1.0}
    assert choice_metrics([], options, ["red"]) == {"mc_correct": None, "mc_correct_norm": None}
