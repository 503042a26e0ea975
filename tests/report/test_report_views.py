"""What the report computes from a run, checked on hand-made records: before/after freshness, the
per-question rows, the headline, number formats and the cost lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from report_runs import build_runs, record, write_run
from ragtune.report import ReportError
from ragtune.report.data import RECOMMENDATION, load_run, read_recommendation
from ragtune.report.freshness import before_after
from ragtune.report.headline import best_on_accuracy, candidates_table
from ragtune.numbers import ci, seconds, usd
from ragtune.report.operations import cost_lines
from ragtune.report.questions import question_rows


def test_before_after_scores_the_earlier_answers_against_the_old_facts(runs):
    before, after = (load_run(p) for p in runs)
    rows = {r.variant: r for r in before_after(before, after)}
    # rag gave both old values before (2 years, 89 euros); after the update it has 3 years but still 89 euros.
    assert rows["rag"].n_changed == 2
    assert (rows["rag"].before["value"], rows["rag"].before["n"]) == (1.0, 2)
    assert (rows["rag"].after["value"], rows["rag"].stale["value"]) == (0.5, 0.5)
    # ft answers from its weights: right before, stale after, absorbed only by a retrain.
    assert (rows["ft"].before["value"], rows["ft"].after["value"], rows["ft"].stale["value"]) == (1.0, 0.0, 1.0)
    assert rows["ft"].absorb_s == 300.0 and rows["ft"].absorb_by.startswith("retrain")
    assert rows["rag"].absorb_s == 1.5 and rows["rag"].absorb_by == "index sync"
    assert rows["base"].absorb_s is None and rows["base"].before["value"] == 0.0
    assert rows["rag"].unchanged_after["value"] == 1.0  # capacity, e7, ceo; the unanswerable one is left out


def test_before_uses_the_old_answers_even_when_the_earlier_run_already_had_the_new_gold(tmp_path):
    """The earlier run may have been scored with an updated questions file: its own `contains` is then wrong."""
    q = ("warranty", "How long is the warranty?", ["3 years"], ["2 years"], ["w.md"], ["policy"])
    old_run = write_run(tmp_path / "old", [record(*q, "rag", "2 years [1]", changed=False)], ["rag"])
    new_run = write_run(tmp_path / "new", [record(*q, "rag", "3 years [1]", changed=True)], ["rag"])
    assert json.loads((old_run / "results.jsonl").read_text())["metrics"]["contains"] == 0.0
    [row] = before_after(load_run(old_run), load_run(new_run))
    assert row.before["value"] == 1.0 and row.after["value"] == 1.0 and row.stale["value"] == 0.0


def test_after_only_when_no_earlier_run(runs):
    rows = before_after(None, load_run(runs[1]))
    assert all(r.before is None for r in rows)
    assert {r.variant: r.after["value"] for r in rows} == {"base": 0.0, "rag": 0.5, "ft": 0.0}


def test_question_rows_keep_order_verdicts_and_disagreement(runs):
    rows = question_rows(load_run(runs[0]))
    assert [r.id for r in rows] == ["warranty", "price", "capacity", "e7", "ceo", "moon"]
    moon = rows[-1]
    assert moon.gold == () and [a.verdict for a in moon.answers] == ["bad", "ok", "bad"]  # rag declined rightly
    assert moon.answers[1].label == "declined, rightly"
    assert rows[2].disagree  # base says 1000 litres, the others 1.7
    assert rows[0].answers[1].cited == ("warranty.md",)


def test_best_on_accuracy_names_the_variant_its_ci_and_the_test(runs):
    text = best_on_accuracy(load_run(runs[0]))
    assert text.startswith("Most accurate here: rag, 100 % correct")
    assert "n = 5" in text and "ft" in text  # runner-up ft, not separated on 5 questions
    assert "not significantly better" in text


def test_candidates_table_shows_the_recommenders_fields():
    candidates = [{"variant": "rag", "accuracy": {"value": 0.5, "low": 0.25, "high": 0.75, "n": 16},
                   "win_share": 0.81, "monthly_usd": 4.08, "p50_s": 4.5, "excluded_by": [], "notes": ["x"]},
                  {"variant": "ft", "accuracy": {"value": 0.25, "low": 0.0, "high": 0.5, "n": 16},
                   "win_share": None, "monthly_usd": 1.1, "p50_s": 0.6, "excluded_by": ["4 updates"]}]
    table = candidates_table(candidates)
    assert table.columns[:3] == ("variant", "correct", "best in (share of resamples)")
    assert [c.text for c in table.rows[0]] == ["rag", "50 % (25–75, n=16)", "81 %", "$4.08", "4.50 s", "–"]
    assert table.rows[1][-1].text == "4 updates"
    assert candidates_table("not a list") is None


def test_number_formats():
    assert ci({"value": 0.3125, "low": 0.125, "high": 0.5625, "n": 16}) == "31 % (12–56, n=16)"
    assert ci({"value": 1.0, "low": 1.0, "high": 1.0, "n": 4}) == "100 % (n=4)"
    assert ci({"value": None, "low": None, "high": None, "n": 0}) == "–"
    assert (seconds(317.3), seconds(1.003), usd(4.08), usd(0.0079)) == ("5.3 min", "1.00 s", "$4.08", "$0.0079")


def test_cost_lines_reach_break_evens_below_the_curve():
    cost = {"variants": {"a": {"per_query_usd": 1e-4, "update_usd": 0.0},
                         "b": {"per_query_usd": 1e-5, "update_usd": 0.01}},
            "curve": {"queries_per_day": [10, 100], "updates_per_month": 4.0,
                      "monthly_usd": {"a": [0.03, 0.3], "b": [0.043, 0.07]}}}
    xs, ys = cost_lines(cost, [1.5])["a"]
    assert xs[0] < 1.5 and 1.5 in xs and xs[-2:] == [10, 100]
    assert ys[xs.index(1.5)] == pytest.approx(30 * 1.5 * 1e-4)
    assert cost_lines(cost, [])["b"] == ([10, 100], [0.043, 0.07])


def test_load_run_errors_say_what_to_run(tmp_path):
    with pytest.raises(ReportError, match="not a run folder"):
        load_run(tmp_path / "nope")
    (tmp_path / "eval-1").mkdir()
    (tmp_path / "eval-1" / "results.jsonl").write_text("")
    with pytest.raises(ReportError, match=r"no summary.json: run `ragtune eval` first \(results.jsonl is there"):
        load_run(tmp_path / "eval-1")


def test_torn_last_line_is_skipped_and_left_in_place(runs):
    results = runs[0] / "results.jsonl"
    results.write_text(results.read_text() + '{"question_id": "to', encoding="utf-8")
    assert len(load_run(runs[0]).results) == 18
    assert results.read_text().endswith('{"question_id": "to')


def test_recommendation_file_is_the_one_ragtune_recommend_writes(runs):
    from ragtune.decide import RECOMMENDATION as WRITTEN

    assert RECOMMENDATION == WRITTEN
    assert read_recommendation(runs[0]) is None
    (runs[0] / RECOMMENDATION).write_text(json.dumps({"winner": "rag", "headline": "Use rag", "reasons": []}))
    assert read_recommendation(runs[0])["winner"] == "rag"


def test_build_runs_are_realistic(tmp_path: Path):
    """The fixture's summaries come from ragtune's own summarize / cost / freshness code."""
    before, after = build_runs(tmp_path)
    s = json.loads((after / "summary.json").read_text())
    assert set(s) >= {"variants", "comparisons", "cost", "freshness", "k"}
    assert s["freshness"]["variants"]["rag"]["correct_changed"]["value"] == 0.5


def test_latency_note_when_answers_were_batched():
    from ragtune.evaluate.results import VariantSummary
    from ragtune.report.operations import _latency_notes

    stats = {v: VariantSummary(n, {}, {}, latency_n=m)
             for v, n, m in (("rag", 150, 20), ("ft", 150, 150), ("x", 3, None))}
    assert _latency_notes(stats) == (
        "Latency from the answers generated one at a time (rag: 20); the others ran in batches, whose time per "
        "answer measures throughput, not latency.",)
