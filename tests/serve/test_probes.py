"""Issue 31's probes, re-run as written against a real server on 127.0.0.1: nothing outside the documents
folder through a symbolic link, an ingest racing the server's writer, and client mistakes that got 500."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from cli_helpers import run
from ragtune.config import ServeSettings
from ragtune.project import Project
from ragtune.serve import create_app
from serve_helpers import serving, small_project

SECRET = "The vault combination of the zanzibar depot is nine nine four."


@pytest.fixture
def served(tmp_path, tiny_llama_path):
    root = tmp_path / "proj"
    root.mkdir()
    docs = small_project(root, tiny_llama_path, "[index]\nrefresh_s = 1\n")
    outside = tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    (outside / "dir" / "secret.md").write_text(f"# Secret\n\n{SECRET}\n")
    (outside / "secret.md").write_text(f"# Secret\n\n{SECRET}\n")
    (docs / "link").symlink_to(outside / "dir", target_is_directory=True)
    (docs / "linkf.md").symlink_to(outside / "secret.md")
    (docs / "inner.md").symlink_to(docs / "policies" / "warranty.md")  # a link inside the folder is read
    proj = Project(root)
    proj.ingest(docs)
    app = create_app(proj, ServeSettings(max_upload_bytes=200_000, max_body_bytes=20_000,
                                         api_key_env="RAGTUNE_TEST_NO_KEYS"), ["base", "rag"])
    with serving(app) as url:
        yield httpx.Client(base_url=url, timeout=120), docs, root


def test_links_out_of_the_folder_are_never_read_by_ingest_or_the_server(served):
    http, docs, root = served
    result = run("ingest", str(docs), "-p", str(root))
    assert result.exit_code == 0, result.output
    assert "link" in result.text and "outside the documents folder" in result.text
    assert http.put("/v1/documents/notes/new.md", json={"text": "# New\n\nA new note."}).status_code == 200
    found = http.post("/v1/retrieve", json={"question": "vault combination zanzibar depot", "retriever": "bm25",
                                            "k": 5}).json()["data"]
    assert not any("zanzibar" in p["text"] for p in found)
    listed = {d["id"] for d in http.get("/v1/documents").json()["data"]}
    assert "linkf.md" not in listed and not any(d.startswith("link/") for d in listed)
    indexed = set(Project(root).index.doc_ids())
    assert not {"linkf.md", "link/secret.md"} & indexed and "inner.md" in indexed and "inner.md" in listed


def big_document() -> str:
    return "# Big\n\n" + "\n\n".join(f"Paragraph {n} about kettles and warranties number {n}." for n in range(300))


def test_an_ingest_racing_the_servers_write_leaves_a_clean_index_and_a_current_view(served, tmp_path):
    http, docs, root = served
    (docs / "disk_added.md").write_text("# Disk\n\nAdded on disk while the server runs.")
    replies = []
    writer = threading.Thread(target=lambda: replies.append(http.put("/v1/documents/big.md",
                                                                     json={"text": big_document()})))
    writer.start()
    time.sleep(0.3)
    result = run("ingest", str(docs), "-p", str(root))
    writer.join(120)
    assert result.exit_code == 0, result.output
    assert replies and replies[0].status_code == 200, replies and replies[0].text
    served_index = Project(root).index
    ids = served_index.scan(["id"]).column("id").to_pylist()
    assert len(ids) == len(set(ids))  # no chunk twice
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "ragtune.toml").write_text((root / "ragtune.toml").read_text())
    Project(clean).ingest(docs)
    assert sorted(ids) == sorted(Project(clean).index.scan(["id"]).column("id").to_pylist())
    assert {"big.md", "disk_added.md"} <= set(served_index.doc_ids())
    time.sleep(1.2)  # [index] refresh_s = 1: the server's readers see the ingest's version
    assert http.get("/v1/documents").json()["index_version"] == served_index.version


def test_client_mistakes_get_4xx_not_500(served):
    http, docs, _ = served
    long_part = "a" * 300 + ".md"
    r = http.put(f"/v1/documents/{long_part}", json={"text": "x"})
    assert r.status_code == 400 and "255 bytes" in r.json()["error"]["message"]
    assert not (docs / ".ragtune-pending").exists() or not any((docs / ".ragtune-pending").iterdir())

    def chunked(size: int):
        yield from (b"x" * 10_000 for _ in range(size // 10_000))

    upload = http.put("/v1/documents/huge.md", content=chunked(400_000))  # no Content-Length: chunked
    assert upload.status_code == 413 and "max_upload_bytes" in upload.json()["error"]["message"]
    body = b'{"model": "base", "messages": [{"role": "user", "content": "' + b"x" * 40_000 + b'"}]}'
    chat = http.post("/v1/chat/completions", content=(body[i:i + 5000] for i in range(0, len(body), 5000)),
                     headers={"Content-Type": "application/json"})
    assert chat.status_code == 413 and "max_body_bytes" in chat.json()["error"]["message"]
    small = http.post("/v1/retrieve", content=iter([b'{"question": ', b'"warranty", "k": 2}']),
                      headers={"Content-Type": "application/json"})
    assert small.status_code == 200 and len(small.json()["data"]) == 2  # a chunked body under the limit passes
    assert not (docs / "huge.md").exists()


def test_strict_types_and_a_405_that_says_what_is_allowed(served):
    http, _, _ = served
    r = http.post("/v1/retrieve", json={"question": "warranty", "k": True})
    assert r.status_code == 400 and r.json()["error"]["param"] == "k"
    r = http.post("/v1/chat/completions", json={"model": "base", "max_tokens": True,
                                                "messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 400 and r.json()["error"]["param"] == "max_tokens"
    wrong = http.delete("/v1/retrieve")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "POST"
    assert wrong.json()["error"]["type"] == "invalid_request_error"
