"""The `ragtune` command end to end, as a user runs it, with the real packaged models."""

import json
import shutil
from pathlib import Path

import pytest

from cli_helpers import run

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "docs"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project with a few real documents plus broken files that must be reported and skipped."""
    root = tmp_path_factory.mktemp("cli")
    docs = root / "docs"
    for rel in ("policies/returns.html", "policies/warranty.md", "products/aurora-kettle.md", "company/history.pdf"):
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(EXAMPLES / rel, docs / rel)
    (docs / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage")
    (docs / "empty.txt").write_text("   \n")
    (docs / "latin1.txt").write_bytes("Preis: 12 \xe4".encode("latin-1"))
    proj = root / "proj"
    result = run("init", str(proj))
    assert result.exit_code == 0, result.output
    return proj, docs


@pytest.mark.e2e
def test_ingest_reports_bad_files_and_keeps_the_good_ones(project):
    proj, docs = project
    result = run("ingest", str(docs), "-p", str(proj))
    assert result.exit_code == 0, result.output
    assert "Indexed 4 documents: 4 added" in result.text
    for name in ("broken.pdf", "empty.txt", "latin1.txt"):
        assert name in result.text
    strict = run("ingest", str(docs), "-p", str(proj), "--strict")
    assert strict.exit_code == 2 and "4 unchanged; 0 chunks embedded" in strict.text
    status = run("status", "-p", str(proj))
    assert status.exit_code == 0 and "documents" in status.text and " 4 " in status.text


@pytest.mark.e2e
def test_ask_answers_with_the_fact_and_cites_the_right_document(project):
    proj, docs = project
    run("ingest", str(docs), "-p", str(proj))
    result = run("ask", "What is the return shipping cost to Germany?", "-p", str(proj), "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert "4.95" in out["answer"]
    assert "policies/returns.html" in [c["doc_id"] for c in out["citations"]]
    assert out["passages"][0]["doc_id"] == "policies/returns.html"
    assert out["tokens"]["prompt"] > 0 and out["timings"]["total_s"] > 0


@pytest.mark.e2e
def test_filters_retrievers_and_base_variant(project):
    proj, docs = project
    run("ingest", str(docs), "-p", str(proj))
    result = run("ask", "How long is the warranty?", "-p", str(proj), "--json", "-r", "dense", "-k", "2",
                 "--filter", "path^=products/")
    out = json.loads(result.output)
    assert result.exit_code == 0 and [p["doc_id"] for p in out["passages"]] == ["products/aurora-kettle.md"]
    base = json.loads(run("ask", "How long is the warranty?", "-p", str(proj), "--json", "-v", "base").output)
    assert base["passages"] == [] and base["citations"] == [] and base["answer"]


@pytest.mark.e2e
def test_deleting_a_document_removes_it_from_answers(project):
    proj, docs = project
    (docs / "policies" / "returns.html").unlink()
    try:
        result = run("ingest", str(docs), "-p", str(proj))
        assert result.exit_code == 0 and "1 removed" in result.text
        out = json.loads(run("ask", "return shipping Germany", "-p", str(proj), "--json", "-r", "bm25").output)
        assert "policies/returns.html" not in [p["doc_id"] for p in out["passages"]]
    finally:
        shutil.copy(EXAMPLES / "policies/returns.html", docs / "policies/returns.html")


@pytest.mark.e2e
def test_freshness_a_changed_fact_is_answered_by_rag_after_the_sync(project, tmp_path):
    proj, docs = project
    run("ingest", str(docs), "-p", str(proj))
    v2 = tmp_path / "v2"
    shutil.copytree(docs, v2)
    page = v2 / "policies" / "returns.html"
    page.write_text(page.read_text().replace("4.95 euros", "6.50 euros"))
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "de", "question": "What is the return shipping cost to Germany?",
                                     "answers": ["6.50 euros"], "old_answers": ["4.95 euros"],
                                     "sources": ["policies/returns.html"], "tags": ["updated"]}) + "\n")
    result = run("eval", "-q", str(questions), "--variants", "base,rag", "--freshness", str(v2), "--run", "fresh",
                 "-p", str(proj))
    assert result.exit_code == 0, result.output
    rag = next(json.loads(x) for x in (proj / "runs" / "fresh" / "results.jsonl").read_text().splitlines()
               if json.loads(x)["variant"] == "rag")
    assert "6.50" in rag["answer"] and rag["metrics"]["contains"] == 1.0 and rag["metrics"]["stale"] == 0.0
    fresh = json.loads((proj / "runs" / "fresh" / "summary.json").read_text())["freshness"]
    assert fresh["update"]["changed"] == ["policies/returns.html"] and fresh["update"]["chunks_embedded"] >= 1
    assert fresh["variants"]["rag"]["correct_changed"]["value"] == 1.0
    assert fresh["variants"]["rag"]["stale"]["value"] == 0.0 and fresh["variants"]["base"]["absorb_s"] is None
    run("ingest", str(docs), "-p", str(proj))  # back to the shared documents for the other tests


def test_clear_errors_for_user_mistakes(tmp_path):
    assert run("init", str(tmp_path)).exit_code == 0
    again = run("init", str(tmp_path))
    assert again.exit_code == 1 and "already exists" in again.text
    missing = run("ingest", str(tmp_path / "nope"), "-p", str(tmp_path))
    assert missing.exit_code == 1 and "does not exist" in missing.text
    bad = run("ask", "q", "-p", str(tmp_path), "-v", "magic")
    assert bad.exit_code == 1 and "unknown variant" in bad.text
