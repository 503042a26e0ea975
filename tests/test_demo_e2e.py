"""`ragtune demo --fast` end to end with the real packaged models (the one demo test that trains and generates)."""

import json
import os
from pathlib import Path

from cli_helpers import run

KB = Path(__file__).resolve().parent.parent / "examples" / "kb"
VARIANTS = ["base", "rag", "ft", "ft+rag", "raft"]


def test_fast_demo_runs_every_stage_then_skips_them(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    project = tmp_path / "demo"
    result = run("demo", "--fast", "--kb", str(KB), "--project", str(project))
    assert result.exit_code == 0, result.text

    stages = json.loads((project / "runs/demo/stages.json").read_text())
    assert stages["plan"] == "fast"
    assert list(stages["stages"]) == ["ingest v1", "synthesize training data", "fine-tune ft", "fine-tune raft",
                                      "evaluate v1", "update to v2, evaluate freshness"]
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

    rec = json.loads((project / "runs/demo-v1/recommendation.json").read_text())
    assert rec["headline"] and rec["reasons"] and rec["winner"] in (None, "rag", "ft", "ft+rag", "raft")
    html = (project / "report.html").read_text()
    assert html.count("<svg") >= 6 and "http://" not in html.replace("http://www.w3.org", "")
    assert rec["headline"].split(":")[0] in html or "Headline" in html
    assert "Recommendation" in result.text and "report.html" in result.text

    again = run("demo", "--fast", "--kb", str(KB), "--project", str(project))  # every stage is cached
    assert again.exit_code == 0, again.text
    assert again.text.count("done ") >= 6 and "> ingest" not in again.text and "> evaluate" not in again.text
    assert os.path.getsize(project / "report.html") > 10_000
