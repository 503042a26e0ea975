"""The behaviour section of the report and rule 14, on a real task run of a tiny random llama (the wiring
and the figures' provenance, not answer quality)."""

import re

import pytest

from cli_helpers import run
from ragtune.decide.behaviour import behaviour_verdict, with_behaviour
from ragtune.evaluate.results import read_summary
from ragtune.evaluate.task import evaluate_task, summarize_task_run
from ragtune.project import Project
from ragtune.report.data import load_run
from ragtune.report.html import render_report
from task_helpers import ticket_project


@pytest.fixture(scope="module")
def task_run(tmp_path_factory, tiny_llama_path):
    root = ticket_project(tmp_path_factory.mktemp("task-report"), tiny_llama_path, examples=20, max_new_tokens=4,
                          resamples=100, style_samples=8)
    proj = Project(root)
    run_dir, _ = evaluate_task(proj, variants=["base", "fewshot"], run="task-r")
    summarize_task_run(proj, run_dir)
    return root, run_dir


def test_the_report_shows_every_measured_dimension_with_its_figures(task_run):
    _, run_dir = task_run
    task = load_run(run_dir)
    verdict = behaviour_verdict(task.summary)
    html = render_report(task, task=task, behaviour=verdict)
    section = html[html.index('id="task"'):]
    section = section[:section.index("</section>")]
    assert 'aria-label="chart-task"' in section and 'aria-label="chart-task-cost"' in section
    table = section[section.index('id="table-task"'):]
    for v in ("base", "fewshot"):
        fmt = task.metric(v, "format_ok")
        # the table's format cell is the summary's estimate, not a recomputed one
        assert re.search(rf"<td[^>]*>{re.escape(v)}</td>\s*<td[^>]*>{round(100 * fmt.value)} %", table), v
    assert f"use {verdict['winner']}." in section
    assert "held-out examples" in section and "macro-F1" in section


def test_a_report_without_a_task_run_says_how_to_make_one(task_run):
    _, run_dir = task_run
    html = render_report(load_run(run_dir))
    section = html[html.index('id="task"'):]
    assert "ragtune eval --task FILE" in section[:section.index("</section>")]


def test_ragtune_report_of_a_task_run_writes_its_behaviour_section(task_run):
    root, run_dir = task_run
    out = root / "task-report.html"
    result = run("report", "task-r", "-p", str(root), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert 'aria-label="chart-task"' in out.read_text()


def test_rule_14_sets_the_behaviour_pick_next_to_the_knowledge_one(task_run):
    _, run_dir = task_run
    summary = read_summary(run_dir)
    verdict = behaviour_verdict(summary) | {"winner": "fewshot"}
    out = {"winner": "rag", "reasons": ["knowledge reason"]}
    closed = with_behaviour(out, verdict, run_dir, summary, retrieves=False)
    assert closed["reasons"][0] == "knowledge reason" and closed["behaviour"]["run"] == str(run_dir)
    assert closed["behaviour"]["examples"] == 5
    assert "for the task, fewshot (closed-book: the facts still need rag)" in closed["reasons"][-1]
    assert closed["reasons"][-1].endswith("(rule 14)")
    same = with_behaviour(out, verdict | {"winner": "rag"}, run_dir, summary, retrieves=True)
    assert "rag wins there too" in same["reasons"][-1]
    retrieving = with_behaviour(out, verdict | {"winner": "fewshot+rag"}, run_dir, summary, retrieves=True)
    assert "deploy fewshot+rag: it keeps retrieval" in retrieving["reasons"][-1]
    assert out == {"winner": "rag", "reasons": ["knowledge reason"]}  # the knowledge verdict is not changed
