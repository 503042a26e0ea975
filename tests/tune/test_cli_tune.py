"""`ragtune synth` -> `tune` -> `ask --variant ft|ft+rag|raft` -> `export` as a user runs them.

The generator is the tiny random llama (so training takes seconds) and the embedder the packaged MiniLM;
the teacher is off, so the training set comes from the deterministic extractive strategy.
"""

import json
import shutil
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from typer.testing import CliRunner

from ragtune.cli import app
from ragtune.project import Project

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "docs"
runner = CliRunner()


def run(*args: str):
    result = runner.invoke(app, list(args))
    result.text = " ".join(result.output.split())
    return result


@pytest.fixture(scope="module")
def project(tiny_model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("tune-cli")
    docs = root / "docs"
    for rel in ("policies/warranty.md", "products/aurora-kettle.md"):
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / rel, docs / rel)
    proj = root / "proj"
    proj.mkdir()
    (proj / "ragtune.toml").write_text(f"""
[models]
generator = "{tiny_model_dir}"
device = "cpu"
[generation]
max_new_tokens = 6
[synth]
teacher = "none"
val_fraction = 0.2
[tune]
rank = 8
alpha = 16
learning_rate = 3e-2
epochs = 2
seq_len = 256
eval_every = 2
patience = 0
checkpoint_every = 2
seed = 5
""")
    assert run("ingest", str(docs), "-p", str(proj)).exit_code == 0
    return proj


def test_synth_writes_the_training_files(project):
    result = run("synth", "-p", str(project))
    assert result.exit_code == 0, result.output
    assert "extractive" in result.text and "RAFT examples" in result.text
    synth = project / "synth"
    train = [json.loads(line) for line in (synth / "train.jsonl").read_text().splitlines()]
    assert train and all(m["messages"][-1]["role"] == "assistant" for m in train)
    assert (synth / "val.jsonl").stat().st_size > 0 and (synth / "raft_train.jsonl").stat().st_size > 0
    report = json.loads((synth / "synth_report.json").read_text())
    assert report["yields"]["extractive"]["kept"] > 0 and "teacher" not in report["yields"]


def test_ft_variants_need_a_trained_run(project):
    result = run("ask", "Which kettle?", "--variant", "ft", "-p", str(project))
    assert result.exit_code == 1 and "no finished ft run" in result.text and "ragtune tune" in result.text
    assert "unknown variant" in run("ask", "x", "--variant", "fine", "-p", str(project)).text


def test_tune_then_ask_every_variant(project):
    result = run("tune", "-p", str(project), "--run", "ft-one")
    assert result.exit_code == 0, result.output
    run_dir = project / "runs" / "ft-one"
    assert (run_dir / "adapter" / "adapter_config.json").is_file()
    assert json.loads((run_dir / "run.json").read_text())["status"] == "done"
    card = json.loads((run_dir / "training_card.json").read_text())
    assert card["steps"] == card["total_steps"] > 0 and card["loss"]["val"]

    raft = run("tune", "--raft", "-p", str(project), "--run", "raft-one", "--epochs", "1")
    assert raft.exit_code == 0, raft.output

    answers = {}
    for variant in ("base", "rag", "ft", "ft+rag", "raft"):
        out = run("ask", "How long is the warranty?", "--variant", variant, "--json", "-p", str(project))
        assert out.exit_code == 0, out.output
        answers[variant] = json.loads(out.output)
    assert answers["ft"]["model"].endswith("+ft-one") and answers["raft"]["model"].endswith("+raft-one")
    assert not answers["base"]["model"].count("+")
    assert not answers["ft"]["passages"] and answers["ft+rag"]["passages"] and answers["raft"]["passages"]
    assert "ft-one" in run("status", "-p", str(project)).text


def test_interrupted_tune_resumes_to_the_same_adapter(project):
    """Ctrl-C (KeyboardInterrupt) mid-run, then `ragtune tune --resume`: same weights as the uninterrupted run."""
    first = project / "runs" / "ft-one"
    assert first.is_dir(), "needs test_tune_then_ask_every_variant"

    def interrupt(p):
        if p.step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Project(project).tune(run="ft-two", progress=interrupt)
    assert json.loads((project / "runs" / "ft-two" / "run.json").read_text())["status"] == "running"
    assert "resume with" in run("status", "-p", str(project)).text
    assert run("ask", "x", "--variant", "ft", "--run", "ft-two", "-p", str(project)).exit_code == 1

    resumed = run("tune", "--resume", "-p", str(project))
    assert resumed.exit_code == 0, resumed.output
    assert "ft-two" in resumed.text
    a = load_file(first / "adapter" / "adapter_model.safetensors")
    b = load_file(project / "runs" / "ft-two" / "adapter" / "adapter_model.safetensors")
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    nothing = run("tune", "--resume", "-p", str(project))
    assert nothing.exit_code == 1 and "no unfinished ft run" in nothing.text


def test_export_merged(project, tmp_path):
    out = tmp_path / "merged"
    result = run("export", "--merged", str(out), "--run", "ft-one", "-p", str(project))
    assert result.exit_code == 0, result.output
    assert (out / "config.json").is_file() and (out / "model.safetensors").is_file()
    again = run("export", "--merged", str(out), "-p", str(project))
    assert again.exit_code == 1 and "not empty" in again.text


def test_eval_every_variant_then_resume_an_interrupted_run(project, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in [
        {"id": "w", "question": "How long is the warranty?", "answers": ["3 years"], "sources": ["policies/warranty.md"]},
        {"id": "k", "question": "What does the kettle cost?", "answers": ["89 euros"],
         "sources": ["products/aurora-kettle.md"]},
        {"id": "u", "question": "What is the share price?", "answers": [], "sources": []},
    ]) + "\n")
    result = run("eval", "-q", str(questions), "-p", str(project), "--run", "eval-a")
    assert result.exit_code == 0, result.output
    run_dir = project / "runs" / "eval-a"
    records = [json.loads(line) for line in (run_dir / "results.jsonl").read_text().splitlines()]
    variants = ["base", "rag", "ft", "ft+rag", "raft"]
    assert sorted({(r["question_id"], r["variant"]) for r in records}) == sorted(
        (q, v) for q in "wku" for v in variants) and len(records) == 15
    rag = next(r for r in records if r["variant"] == "rag" and r["question_id"] == "w")
    assert rag["retrieved"] and rag["metrics"]["hit@5"] is not None and rag["timings"]["total_s"] > 0
    assert next(r for r in records if r["variant"] == "base")["retrieved"] == []
    summary = json.loads((run_dir / "summary.json").read_text())
    assert set(summary["variants"]) == set(variants)
    contains = summary["variants"]["rag"]["metrics"]["contains"]
    assert contains["n"] == 2 and contains["low"] <= contains["value"] <= contains["high"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["corpus_version"] >= 1 and set(manifest["adapters"]) == {"ft", "ft+rag", "raft"}

    def interrupt(done, total):
        if done == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Project(project).evaluate(questions, ["base", "rag"], run="eval-b", progress=interrupt)
    partial = (project / "runs" / "eval-b" / "results.jsonl").read_text().splitlines()
    assert len(partial) == 4
    resumed = run("eval", "-q", str(questions), "--variants", "base,rag", "--run", "eval-b", "-p", str(project))
    assert resumed.exit_code == 0, resumed.output
    lines = (project / "runs" / "eval-b" / "results.jsonl").read_text().splitlines()
    assert lines[:4] == partial and len(lines) == 6
    assert len({(json.loads(x)["question_id"], json.loads(x)["variant"]) for x in lines}) == 6
    other = run("eval", "-q", str(questions), "--variants", "base", "--run", "eval-b", "-p", str(project))
    assert other.exit_code == 1 and "other variants" in other.text
