"""`ragtune report` as a user runs it: run ids or folders, --after, --out, recommendation.json, clear errors."""

from __future__ import annotations

import json

from cli_helpers import run
from report_runs import build_runs


def test_report_by_run_id_inside_a_project(tmp_path):
    before, after = build_runs(tmp_path / "proj" / "runs")
    result = run("report", "eval-before", "--after", "eval-after", "--project", str(tmp_path / "proj"))
    assert result.exit_code == 0, result.output
    assert f"Report:{before / 'report.html'}" in result.text.replace(" ", "")  # rich wraps long paths
    html = (before / "report.html").read_text(encoding="utf-8")
    assert "Before: run eval-before; after: run eval-after." in html


def test_report_by_path_with_out(tmp_path):
    before, _ = build_runs(tmp_path / "runs")
    out = tmp_path / "site" / "index.html"
    result = run("report", str(before), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_file() and not (before / "report.html").exists()


def test_recommendation_json_in_the_run_becomes_the_headline(tmp_path):
    before, _ = build_runs(tmp_path / "runs")
    (before / "recommendation.json").write_text(json.dumps(
        {"winner": "rag", "headline": "Use rag: it answers the changed facts.", "reasons": ["(rule 4) fresh."],
         "candidates": []}), encoding="utf-8")
    assert run("report", str(before)).exit_code == 0
    assert "Use rag: it answers the changed facts." in (before / "report.html").read_text(encoding="utf-8")


def test_missing_run_names_where_it_looked(tmp_path):
    build_runs(tmp_path / "runs")
    result = run("report", "eval-nope", "--project", str(tmp_path))
    assert result.exit_code == 2
    assert "no run 'eval-nope'" in result.text and "eval-after, eval-before" in result.text


def test_run_without_answers_says_run_eval_first(tmp_path):
    (tmp_path / "runs" / "eval-empty").mkdir(parents=True)
    result = run("report", "eval-empty", "--project", str(tmp_path))
    assert result.exit_code == 2
    assert "no summary.json and no answers to summarize: run `ragtune eval` first" in result.text


def test_run_with_answers_but_no_summary_is_summarized_first(tmp_path):
    before, _ = build_runs(tmp_path / "runs")
    (before / "summary.json").unlink()
    result = run("report", "eval-before", "--project", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "Summarizing eval-before" in result.text
    summary = json.loads((before / "summary.json").read_text())
    assert summary["variants"]["rag"]["metrics"]["contains"]["value"] == 1.0
    assert (before / "report.html").is_file()
