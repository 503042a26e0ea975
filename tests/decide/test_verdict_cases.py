"""Rule 8's three cases on constructed runs: better (accuracy decides), equivalent (the 90 % CI of the difference
inside the margin: cost decides) and undetermined (the leader is named with the questions that would settle it,
never the cheaper one quietly); the power line and which part, known or new facts, the lead comes from."""

import json
from dataclasses import replace

import pytest

from decide_runs import CLEAR_FT, CLEAR_RAG, SAME_FT, SAME_RAG, after_run, results_for, summary_for, write_run
from ragtune.config import CONFIG_FILE, load_settings
from ragtune.decide import Constraints, recommend, recommend_run
from ragtune.evaluate.known import known_new

# 400 questions: rag and ft right on the same 300, and each right alone on 2: equivalent within +-5 points
EQ_RAG = [1] * 300 + [1, 1, 0, 0] + [0] * 96
EQ_FT = [1] * 300 + [0, 0, 1, 1] + [0] * 96
# 25 questions: raft right on q00-q12 (52 %), rag on q03-q14 (48 %): 3 vs 2 disagreements
LEAD_RAFT = [1] * 13 + [0] * 12
LEAD_RAG = [0] * 3 + [1] * 12 + [0] * 10


def advise(correct: dict, *, margin: float = 0.05, known: bool = False, **constraints) -> dict:
    results = results_for(correct)
    summary = summary_for(results)
    if known:
        summary = replace(summary, known_new=known_new(results, list(correct), resamples=300))
    out = recommend(summary, results, Constraints(**constraints), resamples=500, seed=0, margin=margin)
    json.dumps(out, allow_nan=False)
    return out


def power_vs(out: dict, other: str) -> dict:
    return next(p for p in out["power"] if p["b"] == other)


def test_better_is_decided_by_accuracy_with_the_power_line():
    out = advise({"base": [0] * 20, "rag": CLEAR_RAG, "ft": CLEAR_FT}, queries_per_day=50_000, updates_per_month=0)
    assert (out["winner"], out["decided_by"], out["verdict"]) == ("rag", "accuracy", "better")
    assert out["headline"].startswith("Better: use rag") and "95 % [85-100] correct" in out["headline"]
    # 13 of 20 pairs disagree: sqrt(.65) (1.96 sqrt(20) + 0.8416 sqrt(20 - 3.84 + 0.71)) / 20.71 = 0.476
    assert "(rule 8) power: with 20 questions a difference smaller than 48 points could not be detected " \
           "(80 % power, alpha 0.05" in " ".join(out["reasons"])
    p = power_vs(out, "ft")
    assert p["a"] == "rag" and p["diff"] == pytest.approx(0.65) and p["significant"] and p["n_needed"] is None


def test_equivalent_candidates_are_decided_by_cost():
    out = advise({"base": [0] * 400, "rag": EQ_RAG, "ft": EQ_FT}, queries_per_day=50_000, updates_per_month=0)
    assert (out["winner"], out["decided_by"], out["verdict"]) == ("ft", "cost", "equivalent")  # $750 vs $3,000
    head = out["headline"]
    assert head.startswith("Equivalent:") and "are equivalent on accuracy within ±5 points" in head
    assert "difference 0 points [" in head and "on 400 questions" in head
    assert "use ft, the cheapest of them at your volume ($750.00/month" in head
    p = power_vs(out, "ft") if out["power"][0]["b"] == "ft" else power_vs(out, "rag")
    assert p["equivalent"] and -0.05 < p["eq_low"] <= 0 <= p["eq_high"] < 0.05 and p["n_equivalence"] is not None
    assert out["equivalence_margin"] == 0.05


def test_undetermined_names_the_leader_and_the_questions_that_would_settle_it():
    # weekly updates: raft pays a $36 retrain per update, so rag ($60/month) is far cheaper than raft ($198)
    out = advise({"base": [0] * 25, "rag": LEAD_RAG, "raft": LEAD_RAFT}, queries_per_day=1000, updates_per_month=4)
    cost = {c["variant"]: c["monthly_usd"] for c in out["candidates"]}
    assert cost["rag"] < cost["raft"]
    assert (out["winner"], out["decided_by"], out["verdict"]) == ("raft", "undetermined", "undetermined")
    head = out["headline"]
    assert head.startswith("Undetermined: raft leads (52 % [") and "cannot be told apart from rag (48 % [" in head
    # d = 1/25, p_d = 5/25: (1.96 sqrt(.2) + 0.8416 sqrt(.2 - .0016))^2 / .0016 = 978.8
    assert "on 25 questions; about 979 questions would settle it at the observed difference" in head
    assert head.endswith("Cheapest of them: rag.")
    p = power_vs(out, "rag")
    assert p["n_needed"] == 979 and not p["equivalent"] and not p["significant"] and p["diff"] == pytest.approx(0.04)
    assert any(r.startswith("(rule 8) undetermined:") for r in out["reasons"])
    assert any(r.startswith("(rule 10) cost does not decide an undetermined verdict: the cheapest of them at your "
                            "volume is rag") for r in out["reasons"])


def test_a_difference_of_zero_asks_for_the_questions_that_would_show_equivalence():
    out = advise({"base": [0] * 20, "rag": SAME_RAG, "ft": SAME_FT}, queries_per_day=50_000, updates_per_month=0)
    assert out["verdict"] == "undetermined" and out["decided_by"] == "undetermined"
    # 10 of 20 disagree, 5 each way: (1.645 + 1.2816)^2 * 0.5 / 0.05^2 = 1712.8
    assert "the observed difference is 0: about 1,713 questions would show them equivalent within ±5 points" \
           in out["headline"]
    assert power_vs(out, out["power"][0]["b"])["n_equivalence"] == 1713


def test_the_margin_is_the_users_setting(tmp_path):
    same = {"base": [0] * 20, "rag": SAME_RAG, "ft": SAME_FT}  # the 90 % CI of the difference is about +-25 points
    assert advise(same, margin=0.30, queries_per_day=50_000, updates_per_month=0)["verdict"] == "equivalent"
    results = results_for(same)
    write_run(tmp_path / "runs" / "eval-1", results, summary_for(results))
    (tmp_path / CONFIG_FILE).write_text("[eval]\nequivalence_margin = 0.3\n")
    out = recommend_run(load_settings(tmp_path), "eval-1", write=False, queries_per_day=50_000,
                        updates_per_month=0)
    assert out["verdict"] == "equivalent" and out["winner"] == "ft" and "within ±30 points" in out["headline"]


def test_the_reasons_say_whether_the_lead_comes_from_new_or_known_facts():
    # base knows q00-q07; rag gets those and 4 of the 12 new; raft those and 11 of the 12 new
    base = [1] * 8 + [0] * 12
    rag = [1] * 8 + [1] * 4 + [0] * 8
    raft = [1] * 8 + [1] * 11 + [0]
    out = advise({"base": base, "rag": rag, "raft": raft}, known=True, queries_per_day=1000, updates_per_month=0)
    assert out["winner"] == "raft"
    assert "(rule 8) the lead comes from facts new to the model: raft 92 % vs rag 33 % on 12 new facts; on 8 known " \
           "facts 100 % vs 100 %." in out["reasons"]


def test_after_update_accuracy_uses_the_after_runs_known_new():
    summary, results = after_run()
    after_summary = replace(summary, known_new=known_new(results, ["base", "rag", "ft", "ft+rag"], resamples=300))
    before = results_for({"base": [0] * 20, "rag": SAME_RAG, "ft": SAME_FT, "ft+rag": SAME_FT})
    out = recommend(summary_for(before), before, Constraints(updates_per_month=4.3), after_summary=after_summary,
                    after_results=results, resamples=300)
    assert out["accuracy_on"] == "after-update run" and {out["winner"], *out["contenders"]} == {"rag", "ft+rag"}
    said = [r for r in out["reasons"] if "new facts" in r]  # the main run has no known_new: these come from after
    assert len(said) == 1 and "on 20 new facts" in said[0] and "no known facts measured" in said[0]  # base knew none
