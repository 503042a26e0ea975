"""`ragtune demo --fast` end to end with the real packaged models (the one demo test that trains and generates)."""

import json
import os
from pathlib import Path

import pytest

from cli_helpers import run

KB = Path(__file__).resolve().parent.parent / "examples" / "kb"
VARIANTS = ["base", "rag", "ft", "ft+rag", "raft"]


# About 5 minutes on a 2-core Zen 4 (bf16), 12-14 on a 2-core Zen 3 (fp32 only): past the suite's 600 s limit there.
@pytest.mark.timeout(1500)
def test_fast_demo_runs_every_stage_then_skips_them(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    project = tmp_path / "demo"
    result = run("demo", "--fast", "--kb", str(KB), "--project", str(project))
    assert result.exit_code == 0, result.text

    stages = json.loads((project / "runs/demo/stages.json").read_text())
    assert stages["plan"] == "fast"
    assert list(stages["stages"]) == ["ingest v1", "synthesize training data", "fine-tune ft", "fine-tune raft",
                                      "fine-tune task-ft+rag", "evaluate v1", "update to v2, evaluate freshness",
                                      "behaviour: the ticket format"]
    assert stages["stages"]["ingest v1"]["result"]["documents"] == 71

    before = json.loads((project / "runs/demo-v1/summary.json").read_text())
    after = json.loads((project / "runs/demo-v2/summary.json").read_text())
    assert list(before["variants"]) == VARIANTS and list(after["variants"]) == VARIANTS
    fresh = after["freshness"]
    assert fresh["update"]["removed"] and fresh["update"]["added"]  # v2 deletes and adds documents
    assert fresh["variants"]["rag"]["absorb_by"] == "index sync"
    assert fresh["variants"]["ft"]["absorb_by"].startswith("retrain")
    # The retrieval variants read the synced index: no passage comes from a document v2 deleted.
    files = {v: {str(p.relative_to(KB / v)) for p in (KB / v).rglob("*") if p.is_file()} for v in ("v1", "v2")}
    deleted = files["v1"] - files["v2"]
    assert deleted and set(fresh["update"]["removed"]) == deleted
    records = [json.loads(line) for line in (project / "runs/demo-v2/results.jsonl").read_text().splitlines()]
    retrieved = {h["doc_id"] for r in records if r["variant"] == "rag" for h in r["retrieved"]}
    assert retrieved and not retrieved & deleted

    task = json.loads((project / "runs/demo-task-eval/summary.json").read_text())
    assert list(task["variants"]) == ["base", "rag", "fewshot+rag", "task-ft+rag"]
    assert task["behaviour"]["test"] == 2 and task["behaviour"]["train"] >= 200
    for v in task["variants"].values():
        assert {"format_ok", "schema_valid", "label_correct", "closeness", "contains"} <= set(v["metrics"])
        assert v["metrics"]["format_ok"]["n"] == 2
    fewshot, base = task["variants"]["fewshot+rag"], task["variants"]["rag"]
    assert fewshot["tokens"]["prompt"] > base["tokens"]["prompt"]  # two example tickets in the prompt
    verdict = json.loads((project / "runs/demo-task-eval/recommendation.json").read_text())["behaviour"]
    assert verdict["winner"] in task["variants"] and verdict["headline"]
    assert "held-out task examples" in result.text and "format" in result.text

    rec = json.loads((project / "runs/demo-v1/recommendation.json").read_text())
    assert rec["headline"] and rec["reasons"] and rec["winner"] in (None, "rag", "ft", "ft+rag", "raft")
    assert rec["behaviour"]["winner"] == verdict["winner"] and rec["reasons"][-1].endswith("(rule 14)")
    html = (project / "report.html").read_text()
    assert 'aria-label="chart-task"' in html and verdict["winner"] in html[html.index('id="task"'):]
    assert html.count("<svg") >= 6 and "http://" not in html.replace("http://www.w3.org", "")
    assert rec["headline"].split(":")[0] in html or "Headline" in html
    assert "Recommendation" in result.text and "report.html" in result.text

    again = run("demo", "--fast", "--kb", str(KB), "--project", str(project))  # every stage is cached
    assert again.exit_code == 0, again.text
    assert again.text.count("done ") >= 7 and "> ingest" not in again.text and "> evaluate" not in again.text
    assert os.path.getsize(project / "report.html") > 10_000
