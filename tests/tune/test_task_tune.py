"""`ragtune tune --task`: an adapter trained on a task's training examples only, in the prompt the task-ft
variant is asked, with passages for task-ft+rag; the tiny random llama keeps it to seconds."""

import json
import shutil
from pathlib import Path

import pytest

from cli_helpers import run
from ragtune.behaviour.task import open_task
from ragtune.project import Project
from ragtune.runs import read_jsonl
from ragtune.tune.session import tune_project
from ragtune.variants import answerer, available_variants

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "docs"


@pytest.fixture(scope="module")
def project(tiny_model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("task-tune")
    lines = [{"id": f"t{i}", "input": f"Is my kettle {i} under warranty?",
              "output": f"Hello, yes: kettle {i} has a two-year warranty. Kind regards"} for i in range(12)]
    (root / "tickets.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    (root / "ragtune.toml").write_text(f"""
[models]
generator = "{tiny_model_dir}"
device = "cpu"
[generation]
max_new_tokens = 4
[tune]
rank = 8
alpha = 16
epochs = 1
seq_len = 128
eval_every = 0
checkpoint_every = 0
[behaviour]
task = "tickets.jsonl"
must_include = ["Kind regards"]
test_fraction = 0.25
""")
    docs = root / "docs"
    (docs / "policies").mkdir(parents=True)
    shutil.copy(EXAMPLES / "policies" / "warranty.md", docs / "policies" / "warranty.md")
    proj = Project(root)
    proj.ingest(docs)
    return proj


def test_task_runs_train_on_the_training_split_in_the_variants_prompt(project):
    task = open_task(project)
    info, result = tune_project(project, task="")
    assert info.kind == "task" and result.adapter_dir.is_dir()
    rows = [r["messages"] for r in read_jsonl(Path(info.record["data"]["train"]))]
    trained_inputs = {m["content"] for row in rows for m in row if m["role"] == "user"}
    assert trained_inputs <= {e.input for e in task.split.train}
    assert not trained_inputs & {e.input for e in task.split.test}
    ask = answerer(project, "task-ft")
    assert ask.adapter == result.adapter_dir and ask.task is not None and ask.task.shots == 0
    assert rows[0][:-1] == task.prompt.messages(rows[0][1]["content"], None)  # the variant's own prompt
    assert "Kind regards" in rows[0][0]["content"]  # the spec, described in the system turn
    assert "task-ft" in available_variants(project, task=True)
    assert "task-ft" not in available_variants(project)  # a knowledge eval never runs a task adapter

    info2, _ = tune_project(project, task="", with_passages=True)
    assert info2.kind == "task-rag"
    rows2 = [r["messages"] for r in read_jsonl(Path(info2.record["data"]["train"]))]
    assert all(row[-2]["content"].startswith("Passages:\n[1]") for row in rows2)
    assert answerer(project, "task-ft+rag").adapter == info2.adapter_dir
    answers = answerer(project, "task-ft+rag").answer(["Is my kettle 99 under warranty?"])
    assert answers[0].passages and answers[0].completion.completion_tokens <= 4


def test_the_cli_says_what_is_missing(project, tmp_path):
    out = run("tune", "--with-passages", "--project", str(project.settings.root))
    assert out.exit_code == 2 and "--task" in out.text
    (tmp_path / "ragtune.toml").write_text("")
    out = run("eval", "--project", str(tmp_path))  # no question file and nothing indexed to build them from
    assert out.exit_code == 2 and "--questions FILE" in out.text and "ragtune ingest" in out.text
    out = run("eval", "--task", str(tmp_path / "none.jsonl"), "--project", str(project.settings.root))
    assert out.exit_code == 2 and "no such file" in out.text


def test_eval_task_with_freshness_syncs_first_and_scores_stale_facts(project, tmp_path):
    """`ragtune eval --task FILE --freshness NEW_DOCS`: the index follows the new documents (timed, once per
    run) before the examples are answered; examples whose fact changed carry `old_answers` (runs last: it
    moves this module's index to v2)."""
    new_docs = tmp_path / "v2"
    (new_docs / "policies").mkdir(parents=True)
    (new_docs / "policies" / "warranty.md").write_text(
        "# Warranty\n\nEvery Brightwell kettle now carries a five-year warranty from the date of purchase.\n")
    lines = [{"id": f"t{i}", "input": f"Is my kettle {i} under warranty?",
              "output": f"Hello, yes: kettle {i} has a five-year warranty. Kind regards",
              "answers": ["five-year"], "old_answers": ["two-year"]} for i in range(12)]
    tickets_v2 = project.settings.root / "tickets_v2.jsonl"
    tickets_v2.write_text("".join(json.dumps(x) + "\n" for x in lines))
    root = project.settings.root
    before = Project(root).index.version
    result = run("eval", "--task", str(tickets_v2), "--freshness", str(new_docs), "--variants", "base,rag",
                 "--run", "task-fresh", "--project", str(root))
    assert result.exit_code == 0, result.output
    run_dir = root / "runs" / "task-fresh"
    update = json.loads((run_dir / "freshness.json").read_text())
    assert update["status"] == "done" and update["version_before"] == before < update["version_after"]
    assert update["changed"] == ["policies/warranty.md"]
    records = [json.loads(x) for x in (run_dir / "results.jsonl").read_text().splitlines()]
    rag = [r for r in records if r["variant"] == "rag"]
    current = {c.id: c.text for c in Project(root).index.chunks()}
    retrieved = {h["chunk_id"] for r in rag for h in r["retrieved"]}
    assert rag and retrieved <= set(current) and any("five-year" in current[c] for c in retrieved)  # the new text
    summary = json.loads((run_dir / "summary.json").read_text())
    for v in ("base", "rag"):
        assert summary["variants"][v]["metrics"]["stale"]["n"] == 3  # every held-out example changed
    assert json.loads((run_dir / "manifest.json").read_text())["freshness"] == str(new_docs)
    again = run("eval", "--task", str(tickets_v2), "--freshness", str(new_docs), "--variants", "base,rag",
                "--run", "task-fresh", "--project", str(root))
    assert again.exit_code == 0, again.output
    assert json.loads((run_dir / "freshness.json").read_text()) == update  # resumed: not synced again
    both = run("eval", "--task", str(tickets_v2), "-q", str(tickets_v2), "--project", str(root))
    assert both.exit_code == 2 and "separately" in both.text
