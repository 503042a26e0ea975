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
def test_ingest_reads_a_cp1252_export_and_lists_its_encoding(tmp_path):
    """A Windows office export (cp1252) is indexed and listed with the encoding it was read as; noise is not."""
    docs = tmp_path / "docs"
    docs.mkdir()
    text = ("Garantie\r\n\r\nLa garantie de la bouilloire dure deux ans ; après, la réparation coûte 25 € "
            "– c’est « très » simple. Gardez votre ticket de caisse.\r\n")
    (docs / "office.txt").write_bytes(text.encode("cp1252"))
    (docs / "noise.txt").write_bytes(bytes(range(128, 256)) * 4)
    assert run("init", str(tmp_path / "proj")).exit_code == 0
    result = run("ingest", str(docs), "-p", str(tmp_path / "proj"))
    assert result.exit_code == 0, result.output
    assert "Indexed 1 documents: 1 added" in result.text
    assert "1 file(s) not in UTF-8, read as" in result.text and "office.txt │ cp1252" in result.text
    assert "1 file(s) skipped" in result.text and "noise.txt" in result.text
    found = json.loads(run("ask", "réparation coûte", "-p", str(tmp_path / "proj"), "--json", "-r", "bm25",
                           "-k", "1").output)
    assert "coûte 25 €" in found["passages"][0]["text"] and "« très »" in found["passages"][0]["text"]


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
    assert again.exit_code == 2 and "already exists" in again.text
    missing = run("ingest", str(tmp_path / "nope"), "-p", str(tmp_path))
    assert missing.exit_code == 2 and "does not exist" in missing.text
    bad = run("ask", "q", "-p", str(tmp_path), "-v", "magic")
    assert bad.exit_code == 2 and "unknown variant" in bad.text


def test_every_user_error_exits_2_with_its_message_and_no_traceback(tmp_path):
    """A `RagtuneError` anywhere below a command is caught once: `error: <message>` on stderr, exit code 2."""
    proj, docs = tmp_path / "proj", tmp_path / "docs"
    assert run("init", str(proj)).exit_code == 0
    docs.mkdir()
    shutil.copy(EXAMPLES / "policies" / "warranty.md", docs / "warranty.md")
    assert run("ingest", str(docs), "-p", str(proj)).exit_code == 0
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "ragtune.toml").write_text("[models\n")
    p = ("-p", str(proj))
    cases = [
        (("eval", "-q", str(tmp_path / "nope.jsonl"), *p), "no such file"),
        (("ask", "q", "-v", "magic", *p), "unknown variant"),
        (("ask", "q", "--filter", "nonsense", *p), "cannot read the filter"),
        (("report", "eval-nope", *p), "no run 'eval-nope'"),
        (("init", str(proj)), "already exists"),
        (("ingest", str(tmp_path / "nope"), *p), "does not exist"),
        (("tune", "--rank", "0", *p), "rank must be >= 1"),
        (("status", "-p", str(broken)), "not valid TOML"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 2, (args, result.output)
        assert isinstance(result.exception, SystemExit), (args, result.exception)
        assert "error:" in result.text and message in result.text, (args, result.output)
        assert "Traceback" not in result.output, (args, result.output)
