"""`ragtune questions` and `ragtune eval` without a question file, as a user runs them (real packaged models)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli_helpers import run

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "docs"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("questions")
    proj = root / "proj"
    assert run("init", str(proj)).exit_code == 0
    toml = proj / "ragtune.toml"
    text = toml.read_text().replace('teacher = ""', 'teacher = "none"').replace("val_fraction = 0.1", "val_fraction = 0.3")
    toml.write_text(text.replace("count = 100", "count = 12"))
    result = run("ingest", str(EXAMPLES), "-p", str(proj))
    assert result.exit_code == 0, result.output
    return proj


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.e2e
def test_questions_are_built_reviewed_kept_when_edited_and_asked_by_eval(project, tmp_path):
    built = run("questions", "-p", str(project), "--export", str(tmp_path / "mine.jsonl"))
    assert built.exit_code == 0, built.output
    assert "Built" in built.text and "extractive" in built.text
    path = project / "synth" / "eval_questions.jsonl"
    questions = _lines(path)
    assert 0 < len(questions) <= 12 and _lines(tmp_path / "mine.jsonl") == questions
    for q in questions:
        assert q["generator"] in ("extractive", "bridge", "multi-chunk", "unanswerable")
        assert q["filters"] and (q["answers"] or q["generator"] == "unanswerable")
    report = json.loads((project / "synth" / "eval_questions_report.json").read_text())
    assert report["training"] is None and report["questions"] == len(questions)
    assert report["bias"]["all"]["n"] == sum(bool(q["answers"]) for q in questions)

    # synth writes training pairs: the unedited file is built anew, now checked against them
    assert run("synth", "-p", str(project)).exit_code == 0
    again = run("questions", "-p", str(project), "--show", "0")
    assert "Built" in again.text
    report = json.loads((project / "synth" / "eval_questions_report.json").read_text())
    assert report["training"] is not None
    train = {(q["chunk_id"], q["answers"][0]) for q in _lines(project / "synth" / "train_questions.jsonl")}
    assert not {(q["chunk_id"], q["answers"][0]) for q in _lines(path) if q["answers"]} & train

    # an edited file is the user's: reused as it is, then asked by `ragtune eval` with no --questions
    mine = [q for q in _lines(path) if q["answers"]][:2]
    path.write_text("".join(json.dumps(q) + "\n" for q in mine))
    reused = run("questions", "-p", str(project), "--show", "0")
    assert "Reusing" in reused.text and _lines(path) == mine
    result = run("eval", "-p", str(project), "--variants", "base", "--run", "gen")
    assert result.exit_code == 0, result.output
    summary = json.loads((project / "runs" / "gen" / "summary.json").read_text())
    by_generator = summary["variants"]["base"]["by_generator"]
    assert sum(e["n"] for e in by_generator.values()) == 2
    assert set(by_generator) == {q["generator"] for q in mine}
    records = _lines(project / "runs" / "gen" / "results.jsonl")
    assert [r["question"] for r in records] == [q["question"] for q in mine]
    assert all(r["generator"] == q["generator"] for r, q in zip(records, mine))
