"""`ragtune recommend` on run folders made in tmp_path (no models are loaded)."""

import json

import pytest

from cli_helpers import run
from decide_runs import (EQUAL_FT, EQUAL_NONE, EQUAL_RAG, NONE, SAME_FT, SAME_RAG, after_run, results_for, summary_for,
                         write_run)
from ragtune.config import CONFIG_FILE


@pytest.fixture
def project(tmp_path):
    results = results_for({"base": EQUAL_NONE, "rag": EQUAL_RAG, "ft": EQUAL_FT, "ft+rag": EQUAL_FT})
    write_run(tmp_path / "runs" / "eval-1", results, summary_for(results))
    undetermined = results_for({"base": NONE, "rag": SAME_RAG, "ft": SAME_FT})
    write_run(tmp_path / "runs" / "eval-0", undetermined, summary_for(undetermined))
    after_summary, after_results = after_run()
    write_run(tmp_path / "runs" / "eval-2", after_results, after_summary)
    return tmp_path


def test_recommend_prints_reasons_and_a_table_and_writes_the_json(project):
    result = run("recommend", "eval-1", "-p", str(project), "--queries-per-day", "50000", "--updates", "never")
    assert result.exit_code == 0, result.output
    assert "Equivalent:" in result.text and "use ft," in result.text  # the verdict word heads the headline
    assert "(rule 10)" in result.text and "break even" not in result.text
    assert "correct (95 % CI)" in result.text and "7 reference" in result.text
    written = json.loads((project / "runs" / "eval-1" / "recommendation.json").read_text())
    assert written["winner"] == "ft" and written["constraints"]["queries_per_day"] == 50_000
    assert written["rules_doc"] == "docs/decision.md"
    assert written["verdict"] == "equivalent" and written["equivalence_margin"] == 0.05
    assert {p["b"] for p in written["power"]} == {"ft", "ft+rag", "rag"} - {written["power"][0]["a"]}


def test_recommend_says_undetermined_in_the_headline(project):
    result = run("recommend", "eval-0", "-p", str(project), "--queries-per-day", "50000", "--updates", "never")
    assert result.exit_code == 0, result.output
    assert "Undetermined:" in result.text and "would show them equivalent" in result.text
    assert "(rule 8) power: with 20 questions" in result.text


def test_flags_and_project_settings_change_the_advice(project):
    cited = run("recommend", "eval-1", "-p", str(project), "--queries-per-day", "50000", "--updates", "never",
                "--citations", "--json")
    assert cited.exit_code == 0, cited.output
    assert json.loads(cited.output)["winner"] in ("rag", "ft+rag")
    (project / CONFIG_FILE).write_text("[constraints]\ncitations_required = true\n")
    from_toml = run("recommend", "eval-1", "-p", str(project), "--updates", "never", "--queries-per-day", "50000",
                    "--json")
    assert json.loads(from_toml.output)["constraints"]["citations_required"] is True
    overridden = run("recommend", "eval-1", "-p", str(project), "--updates", "never", "--queries-per-day", "50000",
                     "--no-citations", "--json")
    assert json.loads(overridden.output)["winner"] == "ft"


def test_after_run_and_weekly_updates(project):
    result = run("recommend", "eval-1", "--after", "eval-2", "--updates", "weekly", "-p", str(project), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["accuracy_on"] == "after-update run" and out["after_run"].endswith("eval-2")
    assert {c["variant"]: c["excluded_by"] for c in out["candidates"]}["ft"] == ["4 updates"]


def test_newest_run_is_the_default(project):
    result = run("recommend", "-p", str(project), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["run"].endswith(("eval-1", "eval-2"))


def test_clear_errors_for_missing_or_unevaluated_runs(project):
    missing = run("recommend", "eval-9", "-p", str(project))
    assert missing.exit_code == 2 and "no run 'eval-9'" in missing.text
    (project / "runs" / "eval-3").mkdir()
    unsummarised = run("recommend", "eval-3", "-p", str(project))
    assert unsummarised.exit_code == 2 and "run `ragtune eval` first" in unsummarised.text
    bad_word = run("recommend", "eval-1", "-p", str(project), "--updates", "sometimes")
    assert bad_word.exit_code == 2 and "--updates 'sometimes'" in bad_word.text
    stale_after = run("recommend", "eval-1", "--after", "eval-1", "-p", str(project))
    assert stale_after.exit_code == 2 and "--freshness" in stale_after.text
