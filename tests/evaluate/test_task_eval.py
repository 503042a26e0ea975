"""`ragtune eval --task` over a project without documents: base and fewshot on the held-out examples,
resumed after an interruption, summarized with the behaviour figures (tiny random llama: wiring, not quality)."""

import json

import pytest

from ragtune.evaluate.results import read_manifest, read_results
from ragtune.evaluate.task import STYLE_DIR, evaluate_task, summarize_task_run
from ragtune.project import Project
from ragtune.variants import available_variants
from task_helpers import CATEGORIES, ticket_project

@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_llama_path):
    return Project(ticket_project(tmp_path_factory.mktemp("task-eval"), tiny_llama_path, examples=24))


def test_a_task_without_documents_runs_base_and_fewshot_and_resumes(project):
    assert available_variants(project, task=True) == ["base", "fewshot"]
    seen = []

    def interrupt(stage, done, total):
        seen.append(done)
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        evaluate_task(project, variants=["base", "fewshot"], run="task-1", progress=interrupt)
    run_dir = project.settings.runs_dir / "task-1"
    first = read_results(run_dir)
    assert len(first) == 5
    run_dir_again, results = evaluate_task(project, variants=["base", "fewshot"], run="task-1")
    assert run_dir_again == run_dir
    manifest = read_manifest(run_dir)
    test_ids = manifest.extra["task"]["test_ids"]
    assert len(test_ids) == 6 and manifest.kind == "task"
    assert sorted((r.question_id, r.variant) for r in results) == sorted(
        (q, v) for q in test_ids for v in ("base", "fewshot"))
    assert [r.to_json() for r in results[:5]] == [r.to_json() for r in first]  # kept, not redone
    for r in results:
        assert {"json_valid", "schema_valid", "format_ok", "label_correct", "closeness"} <= set(r.metrics)
        assert ("contains" in r.metrics) == bool(r.gold)
        assert r.extra["reference"].startswith('{"category"') and r.extra["label"] in CATEGORIES
    style = read_results(run_dir / STYLE_DIR)
    assert len(style) == 10 and not {r.question_id for r in style} & set(test_ids)  # training inputs only

    summary = summarize_task_run(project, run_dir)
    b = summary.extra["behaviour"]
    assert (b["train"], b["test"], b["labels"]) == (18, 6, sorted(CATEGORIES))
    assert set(b["macro_f1"]) == {"base", "fewshot"} and b["checks"] == ["json_valid", "schema_valid"]
    assert b["style"]["house_texts"] == 10 and b["style"]["auc"] is not None
    for v in ("base", "fewshot"):
        fmt = summary.variants[v].metric("format_ok")
        assert fmt is not None and fmt.n == 6 and 0 <= fmt.low <= fmt.value <= fmt.high <= 1
    metrics = {c.metric for c in summary.comparisons}
    assert {"format_ok", "label_correct", "closeness"} <= metrics
    fewshot_prompt = summary.variants["fewshot"].tokens.prompt
    assert fewshot_prompt > summary.variants["base"].tokens.prompt  # the examples cost prompt tokens
    assert summary.cost["variants"]["fewshot"]["per_1k_queries_usd"] is not None


def test_a_tone_rubric_asks_the_judge_and_an_unreadable_grade_stays_unmeasured(tmp_path, tiny_llama_path):
    """The judge here is the tiny random llama: it never writes a readable grade, so every answer's tone is
    unmeasured (None), never a 0, and the judge's reply is kept on the record."""
    lines = [{"id": f"t{i}", "input": f"Ticket {i}", "output": f"Dear customer, kind regards {i}."} for i in range(12)]
    (tmp_path / "tickets.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    (tmp_path / "ragtune.toml").write_text(
        f'[models]\ngenerator = "{tiny_llama_path}"\n[generation]\nmax_new_tokens = 4\n'
        f'[eval]\nbatch_size = 4\nlatency_sample = 1\nbootstrap_resamples = 100\njudge = "{tiny_llama_path}"\n'
        '[behaviour]\ntask = "tickets.jsonl"\nmust_include = ["kind regards"]\nstyle_samples = 8\n'
        'tone = "warm and brief, signs off with kind regards"\n')
    proj = Project(tmp_path)
    run_dir, results = evaluate_task(proj, variants=["base"], run="tone")
    assert results and all("judge_tone" in r.metrics and r.metrics["judge_tone"] is None for r in results)
    assert all(r.judge and ("reply" in r.judge or "error" in r.judge) for r in results)
    summary = summarize_task_run(proj, run_dir)
    assert summary.variants["base"].metric("judge_tone") is None  # unmeasured: no mean of zeros
    assert summary.variants["base"].metric("format_ok") is not None
