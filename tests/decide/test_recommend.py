"""`recommend` on hand-made runs: the same measurements under different constraints give different, correct advice."""

import json
import re
from dataclasses import replace

import pytest

from decide_runs import (CLEAR_FT, CLEAR_RAG, EQUAL_FT, EQUAL_NONE, EQUAL_RAG, NONE, SAME_FT, SAME_RAG, PRICES,
                         after_run, results_for, summary_for)
from ragtune.decide import Constraints, DecisionError, recommend
from ragtune.decide.rules import contenders, paired_correct, win_shares

SAME = {"base": NONE, "rag": SAME_RAG, "ft": SAME_FT}
EQUAL = {"base": EQUAL_NONE, "rag": EQUAL_RAG, "ft": EQUAL_FT}
CLEAR = {"base": NONE, "rag": CLEAR_RAG, "ft": CLEAR_FT}


def advise(correct: dict, after: bool = False, **constraints) -> dict:
    results = results_for(correct)
    after_summary, after_results = after_run() if after else (None, None)
    out = recommend(summary_for(results), results, Constraints(**constraints), after_summary=after_summary,
                    after_results=after_results, resamples=500, seed=0)
    json.dumps(out, allow_nan=False)  # recommendation.json is strict JSON
    return out


def by_variant(out: dict) -> dict:
    return {c["variant"]: c for c in out["candidates"]}


def test_clear_accuracy_winner_is_named():
    out = advise(CLEAR, queries_per_day=50_000, updates_per_month=0)
    assert out["winner"] == "rag" and out["decided_by"] == "accuracy" and out["verdict"] == "better"
    rag = by_variant(out)["rag"]
    assert rag["win_share"] >= 0.9 and rag["accuracy"]["value"] == pytest.approx(0.95)
    assert out["headline"].startswith("Better: use rag") and "95 %" in out["headline"]
    assert any("(rule 8) better: rag has the highest accuracy" in r for r in out["reasons"])


def test_equivalent_candidates_fall_back_on_cost_at_high_volume():
    out = advise(EQUAL, queries_per_day=50_000, updates_per_month=0)  # high volume, never updated, no citations
    assert out["winner"] == "ft" and out["decided_by"] == "cost" and out["verdict"] == "equivalent"
    assert set(out["contenders"]) == {"rag", "ft"}
    assert out["headline"].startswith("Equivalent:") and "within ±5 points" in out["headline"]
    assert "$750.00/month" in out["headline"]  # 30 x 50k x $0.0005
    assert any("(rule 8) equivalent:" in r for r in out["reasons"])
    assert any("ft is cheaper than rag at every volume" in r for r in out["reasons"])  # no updates: no break-even


def test_candidates_that_cannot_be_told_apart_are_undetermined_not_quietly_cheapest():
    out = advise(SAME, queries_per_day=50_000, updates_per_month=0)
    assert out["verdict"] == "undetermined" and out["decided_by"] == "undetermined"
    assert out["headline"].startswith("Undetermined:") and "Cheapest of them: ft." in out["headline"]
    assert any("(rule 10) cost does not decide an undetermined verdict" in r for r in out["reasons"])


def test_cost_fallback_flips_at_the_break_even_volume():
    # quarterly: ft's $36 retrain costs $12/month; rag costs $0.0015 more per query: even at 266.7 queries/day
    low = advise(EQUAL, queries_per_day=100, updates_per_month=1 / 3)
    high = advise(EQUAL, queries_per_day=1000, updates_per_month=1 / 3)
    assert (low["winner"], high["winner"]) == ("rag", "ft")
    assert low["decided_by"] == high["decided_by"] == "cost"
    assert by_variant(low)["rag"]["monthly_usd"] == pytest.approx(6.0)
    assert by_variant(low)["ft"]["monthly_usd"] == pytest.approx(1.5 + 12.0)
    for out in (low, high):
        assert any("break even at 267 queries/day" in r for r in out["reasons"]), out["reasons"]
    assert any("your volume of 1,000/day tips the choice" in r for r in high["reasons"])
    # rarer than monthly: ft stays in, with its retrain in the note
    assert any("(rule 4)" in n and "counted in its monthly cost" in n for n in by_variant(high)["ft"]["notes"])


def test_citations_required_excludes_closed_book():
    out = advise(SAME, queries_per_day=50_000, updates_per_month=0, citations_required=True)
    assert out["winner"] == "rag" and out["decided_by"] == "only feasible"
    ft = by_variant(out)["ft"]
    assert not ft["feasible"] and ft["excluded_by"] == ["1 citations"]
    assert "cited a document in 0 of 20 answers" in ft["excluded_because"][0]


def test_latency_target_excludes_slow_variants():
    out = advise(CLEAR, updates_per_month=0, latency_ms=1000)
    assert out["winner"] == "ft" and out["decided_by"] == "only feasible"
    rag = by_variant(out)["rag"]
    assert rag["excluded_by"] == ["2 latency"] and "2,000 ms per answer" in rag["excluded_because"][0]


def test_tight_budget_excludes_the_expensive_one():
    out = advise(CLEAR, queries_per_day=1000, updates_per_month=0, budget_usd_per_month=30)
    assert out["winner"] == "ft"  # rag would win on accuracy, but costs $60/month
    reason = by_variant(out)["rag"]["excluded_because"][0]
    assert "(rule 3)" in reason and "$60.00/month" in reason and "1,000 queries/day" in reason
    assert advise(CLEAR, queries_per_day=1000, updates_per_month=0, budget_usd_per_month=100)["winner"] == "rag"


def test_weekly_updates_exclude_closed_book_ft_with_the_freshness_numbers():
    before = {"base": NONE, "rag": SAME_RAG, "ft": SAME_FT, "ft+rag": SAME_FT}
    out = advise(before, after=True, queries_per_day=50_000, updates_per_month=4.3)
    assert out["winner"] in ("rag", "ft+rag") and out["accuracy_on"] == "after-update run"
    ft = by_variant(out)["ft"]
    assert ft["excluded_by"] == ["4 updates"]
    reason = ft["excluded_because"][0]
    assert "weekly" in reason and "36,000 s (10.0 h)" in reason and "$36.00 each" in reason
    assert "0 % [0-0] of 8 changed facts" in reason and "stale answers: 100 %" in reason
    assert "rag 100 % [100-100] after a 1.5 s index sync" in reason
    assert ft["changed_facts"]["value"] == 0.0 and ft["stale"]["value"] == 1.0
    # ft+rag took the update in by index sync, but its weights still answered 4 of 8 changed facts the old way
    assert any("ft+rag" in n and "old value for 50 %" in n for n in by_variant(out)["ft+rag"]["notes"])
    # without the update, ft is in the running again: equivalent to rag and ft+rag, it wins on cost
    equal = {"base": EQUAL_NONE, "rag": EQUAL_RAG, "ft": EQUAL_FT, "ft+rag": EQUAL_FT}
    assert advise(equal, queries_per_day=50_000, updates_per_month=0)["winner"] == "ft"


def test_frequent_updates_without_an_after_run_still_exclude_ft_and_say_how_to_measure():
    out = advise(SAME, queries_per_day=50_000, updates_per_month=30)
    assert out["winner"] == "rag" and by_variant(out)["ft"]["excluded_by"] == ["4 updates"]
    assert "--freshness" in by_variant(out)["ft"]["excluded_because"][0]
    assert any("(rule 9)" in r and "no after-update run" in r for r in out["reasons"])


def test_rare_updates_measure_accuracy_on_the_main_run():
    out = advise({"base": NONE, "rag": SAME_RAG, "ft": SAME_FT, "ft+rag": SAME_FT}, after=True,
                 updates_per_month=1 / 12)
    assert out["accuracy_on"] == "run" and by_variant(out)["ft"]["feasible"]


def test_sensitive_data_excludes_fine_tuned_weights():
    out = advise(SAME, queries_per_day=50_000, updates_per_month=0, sensitive_data=True)
    assert out["winner"] == "rag"
    reason = by_variant(out)["ft"]["excluded_because"][0]
    assert "(rule 5)" in reason and "cannot be deleted" in reason and "75 %" in reason


def test_no_gpu_warns_with_the_measured_training_time_but_excludes_nothing():
    out = advise(SAME, queries_per_day=50_000, updates_per_month=0, gpu_available=False)
    assert any("(rule 6)" in r and "ft 36,000 s (10.0 h)" in r for r in out["reasons"])
    assert out["winner"] == "ft"
    assert not any("(rule 6)" in r for r in advise(SAME, updates_per_month=0, gpu_available=True)["reasons"])


def test_base_is_the_reference_and_nothing_feasible_names_no_winner():
    out = advise({"base": [1] * 20, "rag": SAME_RAG, "ft": SAME_FT}, updates_per_month=0)
    assert out["winner"] in ("rag", "ft") and by_variant(out)["base"]["role"] == "reference"
    assert not by_variant(out)["base"]["feasible"]
    assert any("(rule 7) base, without your documents, answers 100 %" in r for r in out["reasons"])
    none = advise(SAME, updates_per_month=0, citations_required=True, latency_ms=1000)
    assert none["winner"] is None and none["decided_by"] == "none feasible"
    assert "No variant meets all your constraints" in none["headline"] and "2 latency" in none["headline"]


def test_after_run_without_freshness_is_refused():
    results = results_for(SAME)
    with pytest.raises(DecisionError, match="--freshness"):
        recommend(summary_for(results), results, Constraints(), after_summary=summary_for(results),
                  after_results=results)


def test_prices_recompute_the_costs():
    results = results_for(SAME)
    double = PRICES.model_copy(update={"hardware_usd_per_hour": 7.2})
    out = recommend(summary_for(results), results, Constraints(queries_per_day=1000, updates_per_month=0),
                    resamples=200, prices=double)
    assert by_variant(out)["rag"]["monthly_usd"] == pytest.approx(120.0)
    assert any("hardware_usd_per_hour 3.6 -> 7.2" in r for r in out["reasons"])


def test_win_shares_split_ties_evenly_and_contenders_reach_the_threshold():
    twins = results_for({"rag": SAME_RAG, "ft+rag": SAME_RAG})
    shares = win_shares(paired_correct(twins, ["rag", "ft+rag"]), resamples=100)
    assert shares == {"rag": 0.5, "ft+rag": 0.5}
    clear = win_shares(paired_correct(results_for({"rag": CLEAR_RAG, "ft": CLEAR_FT}), ["rag", "ft"]), resamples=300)
    assert clear["rag"] > 0.99 and sum(clear.values()) == pytest.approx(1.0)
    assert contenders({"a": 0.95, "b": 0.05}) == ["a"]
    assert contenders({"a": 0.6, "b": 0.35, "c": 0.05}) == ["a", "b"]
    assert contenders({"a": 0.8, "b": 0.1, "c": 0.1}) == ["a", "b", "c"]  # equal shares at the cut stay in


SCENARIOS = [
    (CLEAR, False, {"queries_per_day": 50_000, "updates_per_month": 0}),
    (SAME, False, {"queries_per_day": 100, "updates_per_month": 1 / 3}),
    (SAME, False, {"updates_per_month": 30, "citations_required": True, "sensitive_data": True}),
    (SAME, False, {"updates_per_month": 0, "latency_ms": 1000, "budget_usd_per_month": 5}),
    ({"base": NONE, "rag": SAME_RAG, "ft": SAME_FT, "ft+rag": SAME_FT}, True, {"updates_per_month": 4.3}),
    ({"base": NONE, "rag": SAME_RAG, "ft": SAME_FT, "ft+rag": SAME_FT}, True, {"updates_per_month": 1 / 12}),
]


def test_every_reason_cites_a_rule_and_a_number():
    reasons = [r for correct, after, c in SCENARIOS for r in advise(correct, after, **c)["reasons"]]
    assert len(reasons) > 30
    for reason in reasons:
        assert re.match(r"\(rule \d+\) ", reason), reason
        assert re.search(r"\d", re.sub(r"^\(rule \d+\) ", "", reason)), reason
    assert {int(m) for r in reasons for m in re.findall(r"^\(rule (\d+)\)", r)} == set(range(1, 11))


def test_a_run_without_cost_figures_falls_back_on_latency():
    results = results_for(EQUAL)
    summary = replace(summary_for(results), cost=None)
    out = recommend(summary, results, Constraints(updates_per_month=0, budget_usd_per_month=10), resamples=200)
    assert out["winner"] == "ft" and out["decided_by"] == "latency"  # 500 ms against rag's 2,000 ms
    assert any("budget" in r and "could not be checked" in r for r in out["reasons"])
    assert by_variant(out)["rag"]["monthly_usd"] is None


def test_a_run_measured_after_the_update_is_its_own_freshness_evidence():
    summary, results = after_run()
    out = recommend(summary, results, Constraints(updates_per_month=4.3), resamples=200)
    assert by_variant(out)["ft"]["changed_facts"]["value"] == 0.0
    assert any("(rule 9) this run was itself measured after an update" in r for r in out["reasons"])
