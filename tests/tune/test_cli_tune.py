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

from cli_helpers import run
from ragtune.evaluate.session import evaluate, summarize_run
from ragtune.project import Project
from ragtune.tune.session import tune_project
from ragtune.variants import answerer, available_variants

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "docs"


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
    assert result.exit_code == 2 and "no finished ft run" in result.text and "ragtune tune" in result.text
    assert "unknown variant" in run("ask", "x", "--variant", "fine", "-p", str(project)).text


def test_tune_then_ask_every_variant(project):
    result = run("tune", "-p", str(project), "--run", "ft-one")
    assert result.exit_code == 0, result.output
    run_dir = project / "runs" / "ft-one"
    assert (run_dir / "adapter" / "adapter_config.json").is_file()
    assert json.loads((run_dir / "run.json").read_text())["status"] == "done"
    card = json.loads((run_dir / "training_card.json").read_text())
    assert card["steps"] == card["total_steps"] > 0 and card["loss"]["val"]
    assert result.text.index("Plan: ") < result.text.index("Run ft-one")  # the plan, before the run's result
    assert f"{card['total_steps']} steps (2 epochs" in result.text and "[tune] epochs" in result.text
    assert card["plan"]["steps"] == card["total_steps"] and card["time"]["estimated_s"] > 0
    assert "against an estimate of" in result.text

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
        tune_project(Project(project), run="ft-two", progress=interrupt)
    assert json.loads((project / "runs" / "ft-two" / "run.json").read_text())["status"] == "running"
    assert "resume with" in run("status", "-p", str(project)).text
    assert run("ask", "x", "--variant", "ft", "--run", "ft-two", "-p", str(project)).exit_code == 2

    resumed = run("tune", "--resume", "-p", str(project))
    assert resumed.exit_code == 0, resumed.output
    assert "ft-two" in resumed.text
    total = json.loads((first / "training_card.json").read_text())["total_steps"]
    assert f"Plan: steps 3-{total} of {total} steps" in resumed.text  # checkpoint at step 2: the same plan
    a = load_file(first / "adapter" / "adapter_model.safetensors")
    b = load_file(project / "runs" / "ft-two" / "adapter" / "adapter_model.safetensors")
    assert a.keys() == b.keys() and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    nothing = run("tune", "--resume", "-p", str(project))
    assert nothing.exit_code == 2 and "no unfinished ft run" in nothing.text


def test_max_minutes_plans_a_run_that_fits(project):
    result = run("tune", "-p", str(project), "--run", "ft-fit", "--max-minutes", "0.000001")
    assert result.exit_code == 0, result.output
    assert "1 step (1 epoch" in result.text and "max_minutes" in result.text
    card = json.loads((project / "runs" / "ft-fit" / "training_card.json").read_text())
    assert card["plan"]["length"] == "max_minutes" and card["steps"] == 1
    shutil.rmtree(project / "runs" / "ft-fit")  # the later tests use ft-one and ft-two
    assert run("tune", "-p", str(project), "--max-minutes", "0").exit_code == 2


def test_export_merged(project, tmp_path):
    out = tmp_path / "merged"
    result = run("export", "--merged", str(out), "--run", "ft-one", "-p", str(project))
    assert result.exit_code == 0, result.output
    assert (out / "config.json").is_file() and (out / "model.safetensors").is_file()
    again = run("export", "--merged", str(out), "-p", str(project))
    assert again.exit_code == 2 and "not empty" in again.text


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

    def interrupt(stage, done, total):
        if done == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        evaluate(Project(project), questions, ["base", "rag"], run="eval-b", progress=interrupt)
    partial = (project / "runs" / "eval-b" / "results.jsonl").read_text().splitlines()
    assert len(partial) == 4
    resumed = run("eval", "-q", str(questions), "--variants", "base,rag", "--run", "eval-b", "-p", str(project))
    assert resumed.exit_code == 0, resumed.output
    lines = (project / "runs" / "eval-b" / "results.jsonl").read_text().splitlines()
    assert lines[:4] == partial and len(lines) == 6
    assert len({(json.loads(x)["question_id"], json.loads(x)["variant"]) for x in lines}) == 6
    other = run("eval", "-q", str(questions), "--variants", "base", "--run", "eval-b", "-p", str(project))
    assert other.exit_code == 2 and "other variants" in other.text


def _questions(path: Path, rows: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(q) for q in rows) + "\n")
    return path


def test_user_defined_variants_from_the_project_file(project, tmp_path):
    toml = project / "ragtune.toml"
    original = toml.read_text()
    toml.write_text(original + """
[variants.bm25-k2]
retriever = "bm25"
top_k = 2
[variants.ft-one-closed]
adapter = "ft-one"
retriever = "none"
""")
    try:
        proj = Project(project)
        assert {"bm25-k2", "ft-one-closed"} <= set(available_variants(proj))
        answer = answerer(proj, "bm25-k2").answer(["How long is the warranty?"])[0]
        assert 1 <= len(answer.passages) <= 2 and all(set(h.ranks) == {"bm25"} for h in answer.passages)
        closed = answerer(proj, "ft-one-closed")
        assert closed.adapter == project / "runs" / "ft-one" / "adapter"
        assert closed.answer(["How long is the warranty?"])[0].completion.model.endswith("+ft-one")
        qs = _questions(tmp_path / "q.jsonl", [{"id": "w", "question": "How long is the warranty?",
                                                 "answers": ["3 years"], "sources": ["policies/warranty.md"]}])
        result = run("eval", "-q", str(qs), "--variants", "bm25-k2,ft-one-closed", "--run", "eval-custom",
                     "-p", str(project))
        assert result.exit_code == 0, result.output
        manifest = json.loads((project / "runs" / "eval-custom" / "manifest.json").read_text())
        assert manifest["variant_definitions"]["bm25-k2"]["top_k"] == 2
        assert manifest["retrieval"] == {"bm25-k2": True, "ft-one-closed": False}
        toml.write_text(original + '[variants.rag]\nretriever = "bm25"\n')
        clash = run("ask", "warranty?", "--variant", "rag", "-p", str(project))
        assert clash.exit_code == 2 and "redefines a standard variant" in clash.text
    finally:
        toml.write_text(original)


def test_a_judge_that_cannot_answer_leaves_its_metrics_unmeasured(project, tiny_model_dir, tmp_path):
    """A local judge (the tiny random model writes no JSON verdict): recorded as an error, null, not a zero."""
    toml = project / "ragtune.toml"
    original = toml.read_text()
    toml.write_text(original + f'[eval]\njudge = "{tiny_model_dir}"\n')
    try:
        qs = _questions(tmp_path / "q.jsonl", [{"id": "w", "question": "How long is the warranty?",
                                                 "answers": ["3 years"], "sources": ["policies/warranty.md"]}])
        proj = Project(project)
        run_dir, results = evaluate(proj, qs, ["base", "rag"], run="eval-judge")
        for r in results:
            assert "error" in r.judge and r.metrics["judge_correct"] is None
        summary = summarize_run(proj, run_dir)
        assert summary.variants["rag"].metrics["judge_correct"].to_json() == {"value": None, "low": None,
                                                                               "high": None, "n": 0}
        assert summary.variants["rag"].metric("judge_correct") is None  # unmeasured, never a zero
    finally:
        toml.write_text(original)


def test_multiple_choice_is_scored_by_log_likelihood(project, tmp_path):
    qs = _questions(tmp_path / "mc.jsonl", [
        {"id": "mc", "question": "How long is the standard warranty?", "answers": ["3 years"],
         "options": ["1 year", "3 years", "10 years"], "sources": ["policies/warranty.md"]}])
    run_dir, results = evaluate(Project(project), qs, ["base", "ft"], run="eval-mc")
    for r in results:
        assert [o["text"] for o in r.options] == ["1 year", "3 years", "10 years"]
        best = max(range(3), key=lambda i: r.options[i]["logprob"])
        assert r.metrics["mc_correct"] == float(best == 1)
        assert all(o["logprob"] < 0 and o["tokens"] >= 1 for o in r.options)
    base, ft = (next(r for r in results if r.variant == v) for v in ("base", "ft"))
    assert base.options != ft.options  # the adapter changes the likelihoods


def test_freshness_and_forgetting_probe(project, tmp_path):
    """The index follows the new documents (timed) while the adapters stay; the probe runs on base and ft."""
    new_docs = tmp_path / "v2"
    shutil.copytree(EXAMPLES / "policies", new_docs / "policies")  # the kettle page is gone, policies added
    (new_docs / "policies" / "warranty.md").write_text(
        "# Warranty\n\nEvery Brightwell appliance now carries a 7 year warranty from the date of purchase.\n")
    qs = _questions(tmp_path / "fresh.jsonl", [
        {"id": "w", "question": "How long is the warranty?", "answers": ["7 years"], "old_answers": ["3 years"],
         "sources": ["policies/warranty.md"], "tags": ["updated"]},
        {"id": "u", "question": "What is the share price?", "answers": [], "tags": ["unanswerable"]}])
    version = Project(project).index.version
    result = run("eval", "-q", str(qs), "--variants", "base,rag,ft,ft+rag", "--freshness", str(new_docs),
                 "--forgetting", "--run", "eval-fresh", "-p", str(project))
    assert result.exit_code == 0, result.output
    run_dir = project / "runs" / "eval-fresh"
    update = json.loads((run_dir / "freshness.json").read_text())
    assert update["status"] == "done" and update["version_before"] == version < update["version_after"]
    assert update["changed"] == ["policies/warranty.md"] and "products/aurora-kettle.md" in update["removed"]
    assert update["sync_s"] > 0
    rag = next(json.loads(x) for x in (run_dir / "results.jsonl").read_text().splitlines()
               if '"variant": "rag"' in x and '"question_id": "w"' in x)
    assert {h["doc_id"] for h in rag["retrieved"]} <= {"policies/warranty.md", "policies/returns.html"}
    summary = json.loads((run_dir / "summary.json").read_text())
    fresh = summary["freshness"]["variants"]
    assert fresh["rag"]["absorb_s"] == update["sync_s"] and fresh["rag"]["absorb_by"] == "index sync"
    assert fresh["ft"]["absorb_s"] > 0 and fresh["ft"]["absorb_by"].startswith("retrain")
    assert fresh["base"]["absorb_s"] is None
    assert fresh["rag"]["n_changed"] == 1 and fresh["rag"]["stale"]["n"] == 1
    forgetting = summary["forgetting"]
    assert forgetting["questions"] == 60 and set(forgetting["variants"]) == {"base", "ft"}
    assert forgetting["variants"]["ft"]["mc_correct"]["n"] == 60  # every probe question has options
    cost = summary["cost"]["variants"]
    assert cost["ft"]["update_usd"] > cost["rag"]["update_usd"] > 0  # a retrain costs more than a re-sync
    assert "Forgetting probe" in result.text and "After the update" in result.text
    # Resuming re-uses the recorded sync instead of syncing again.
    again = run("eval", "-q", str(qs), "--variants", "base,rag,ft,ft+rag", "--freshness", str(new_docs),
                "--run", "eval-fresh", "-p", str(project))
    assert again.exit_code == 0, again.output
    assert json.loads((run_dir / "freshness.json").read_text()) == update
