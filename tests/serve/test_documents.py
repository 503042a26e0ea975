"""/v1/documents against a real server: writes are synced before they are acknowledged (read-your-writes),
bad ids never leave the folder, bad files change nothing, and size limits hold."""

from __future__ import annotations

import os

import httpx
import pytest

from ragtune.config import ServeSettings
from ragtune.errors import DocumentError
from ragtune.project import Project
from ragtune.serve import create_app
from ragtune.serve.documents import checked_id
from serve_helpers import serving, small_project

FACT = "The zorblax calibration interval is eleven weeks for every quantum flux capacitor."
NEW_FACT = "The zorblax calibration interval is now three days for every quantum flux capacitor."


@pytest.fixture(scope="module")
def served(tmp_path_factory, tiny_llama_path):
    root = tmp_path_factory.mktemp("serve-docs")
    docs = small_project(root, tiny_llama_path)
    proj = Project(root)
    proj.ingest(docs)
    app = create_app(proj, ServeSettings(max_upload_bytes=50_000, api_key_env="RAGTUNE_TEST_NO_KEYS"),
                     ["base", "rag"])
    with serving(app) as url:
        yield httpx.Client(base_url=url, timeout=120), docs, root


def passages(http: httpx.Client, question: str, retriever: str = "bm25") -> list[dict]:
    r = http.post("/v1/retrieve", json={"question": question, "retriever": retriever, "k": 3})
    assert r.status_code == 200, r.text
    return r.json()["data"]


def test_put_replace_delete_each_seen_by_the_next_answer(served):
    http, docs, _ = served
    before = http.get("/v1/documents").json()
    assert before["writable"] and {d["id"] for d in before["data"]} >= {"policies/warranty.md"}

    put = http.put("/v1/documents/notes/zorblax.md", json={"text": f"# Zorblax\n\n{FACT}\n"})
    assert put.status_code == 200, put.text
    added = put.json()
    assert added["action"] == "added" and added["chunks"] >= 1 and added["index_version"] > before["index_version"]
    assert (docs / "notes" / "zorblax.md").read_text().endswith(FACT + "\n")
    chat = http.post("/v1/chat/completions", json={"model": "rag", "max_tokens": 4, "messages": [
        {"role": "user", "content": "What is the zorblax calibration interval?"}]}).json()
    assert chat["ragtune"]["passages"][0]["doc_id"] == "notes/zorblax.md"  # the very next answer reads it
    assert FACT in chat["ragtune"]["passages"][0]["text"]

    changed = http.put("/v1/documents/notes/zorblax.md", content=f"# Zorblax\n\n{NEW_FACT}\n".encode(),
                       headers={"Content-Type": "text/markdown"}).json()
    assert changed["action"] == "changed" and changed["index_version"] > added["index_version"]
    texts = [p["text"] for p in passages(http, "zorblax calibration interval")]
    assert any(NEW_FACT in t for t in texts) and not any(FACT in t for t in texts)

    same = http.put("/v1/documents/notes/zorblax.md", json={"text": f"# Zorblax\n\n{NEW_FACT}\n"}).json()
    assert same["action"] == "unchanged"

    gone = http.delete("/v1/documents/notes/zorblax.md")
    assert gone.status_code == 200 and gone.json()["deleted"] is True
    assert not any(p["doc_id"] == "notes/zorblax.md" for p in passages(http, "zorblax calibration interval"))
    assert not (docs / "notes").exists()  # its now empty folder goes too
    again = http.delete("/v1/documents/notes/zorblax.md")
    assert again.status_code == 404 and again.json()["error"]["code"] == "document_not_found"
    assert "notes/zorblax.md" not in {d["id"] for d in http.get("/v1/documents").json()["data"]}


@pytest.mark.parametrize("bad", ["../escape.md", "a/../../escape.md", "/etc/escape.md", ".hidden.md",
                                 "policies/.git/x.md", "run.sh", "a//b.md", "c:\\escape.md", "x\x00.md"])
def test_ids_that_would_leave_the_folder_are_refused(bad):
    with pytest.raises(DocumentError):
        checked_id(bad)


@pytest.mark.parametrize("path", ["..%2Fescape.md", "%2E%2E/escape.md", "policies/..%2F..%2Fescape.md",
                                  "%2Fetc%2Fescape.md", "link/escape.md"])
def test_traversal_over_http_writes_nothing_outside(served, path):
    http, docs, root = served
    outside = root / "outside"
    outside.mkdir(exist_ok=True)
    if not (docs / "link").exists():
        os.symlink(outside, docs / "link")  # a symlink inside the folder to a folder outside it
    r = http.put("/v1/documents/" + path, json={"text": "escaped"})
    assert r.status_code == 400 and r.json()["error"]["type"] == "invalid_request_error", r.text
    assert "Traceback" not in r.text and str(root) not in r.text
    assert not (root / "escape.md").exists() and not (outside / "escape.md").exists()
    assert not any(root.parent.glob("escape.md"))
    (docs / "link").unlink()


def test_unreadable_file_is_refused_and_changes_nothing(served):
    http, docs, _ = served
    before = http.get("/v1/documents").json()
    r = http.put("/v1/documents/broken.pdf", content=b"%PDF-1.4 not really a pdf",
                 headers={"Content-Type": "application/pdf"})
    assert r.status_code == 400 and "nothing was changed" in r.json()["error"]["message"]
    after = http.get("/v1/documents").json()
    assert after["data"] == before["data"] and after["index_version"] == before["index_version"]
    assert not (docs / "broken.pdf").exists() and not any((docs / ".ragtune-pending").rglob("*.pdf"))


def test_uploads_have_their_own_size_limit(served):
    http, _, _ = served
    big = http.put("/v1/documents/big.txt", content=b"word " * 20_000)  # 100 kB > max_upload_bytes
    assert big.status_code == 413 and "max_upload_bytes" in big.json()["error"]["message"]
    empty = http.put("/v1/documents/empty.md", json={"text": "  "})
    assert empty.status_code == 400


def test_metrics_count_requests_and_writes(served):
    http, _, _ = served
    http.post("/v1/chat/completions", json={"model": "rag", "max_tokens": 2,
                                            "messages": [{"role": "user", "content": "warranty?"}]})
    text = http.get("/metrics").text
    assert 'ragtune_requests_total{route="/v1/chat/completions",status="200",variant="rag"}' in text
    assert "ragtune_queue_depth " in text and "ragtune_index_version " in text
    assert 'ragtune_tokens_total{kind="completion",variant="rag"}' in text
    assert 'ragtune_request_seconds_bucket{le="0.01",route="/v1/chat/completions",variant="rag"}' in text


def test_read_only_without_a_documents_folder(tmp_path, tiny_llama_path):
    small_project(tmp_path, tiny_llama_path)
    proj = Project(tmp_path)
    proj.ingest(tmp_path / "docs" / "policies" / "warranty.md")  # one file: no folder to write into
    app = create_app(proj, ServeSettings(api_key_env="RAGTUNE_TEST_NO_KEYS"), ["base"])
    with serving(app) as url:
        listed = httpx.get(url + "/v1/documents").json()
        assert listed["writable"] is False and "ragtune ingest FOLDER" in listed["reason"]
        r = httpx.put(url + "/v1/documents/x.md", json={"text": "hello"})
        assert r.status_code == 409 and r.json()["error"]["code"] == "documents_read_only"
