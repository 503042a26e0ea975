"""kill -9 of `ragtune serve` while it writes a document, then a restart: the index equals a clean rebuild of
the acknowledged documents (the write in flight is undone, nothing else is lost)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from ragtune.project import Project
from serve_helpers import free_port, small_project


def start(root: Path, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "RAGTUNE_API_KEYS"} | {"HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "ragtune.cli", "serve", "--project", str(root), "--port",
                             str(port), "--variants", "base"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the server exited"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.3)
    proc.kill()
    raise AssertionError("the server did not start in 3 minutes")


def rows(root: Path) -> dict[tuple[str, int], tuple[str, np.ndarray]]:
    table = Project(root).index.scan(["doc_id", "idx", "chunk_hash", "vector"]).to_pylist()
    return {(r["doc_id"], r["idx"]): (r["chunk_hash"], np.asarray(r["vector"])) for r in table}


def ingested(tmp_path: Path, tiny_llama_path: Path, extra: str = "") -> tuple[Path, Path, int]:
    """A small project, ingested, and a free port for its server: (root, docs, port)."""
    root = tmp_path / "project"
    root.mkdir()
    docs = small_project(root, tiny_llama_path, extra)
    Project(root).ingest(docs)
    return root, docs, free_port()


def staged_upload(docs: Path) -> Path:
    """Wait (60 s at most) until the server has staged the upload `big.md`: the write is in flight."""
    staged = docs / ".ragtune-pending" / "big.md"
    deadline = time.monotonic() + 60
    while not staged.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return staged


def big_document() -> bytes:
    rng = np.random.default_rng(0)
    words = [f"term{n}" for n in range(5000)]
    paragraphs = [" ".join(rng.choice(words, 120)) + "." for _ in range(400)]
    return ("# Big\n\n" + "\n\n".join(paragraphs)).encode()


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_kill_during_a_write_then_restart_equals_a_clean_rebuild(tmp_path, tiny_llama_path, backend, request):
    """On a local index and on one in an S3-compatible bucket: the same write order, the same guarantee."""
    s3 = request.getfixturevalue("s3_server") if backend == "s3" else None
    root, docs, port = ingested(tmp_path, tiny_llama_path, (s3.index_toml() if s3 else ""))
    url = f"http://127.0.0.1:{port}"
    server = start(root, port)
    try:
        acked = httpx.put(url + "/v1/documents/notes/kept.md", json={"text": "# Kept\n\nAcknowledged fact."},
                          timeout=120)
        assert acked.status_code == 200, acked.text
        gone = httpx.delete(url + "/v1/documents/policies/returns.html", timeout=120)
        assert gone.status_code == 200, gone.text
        in_flight = threading.Thread(target=lambda: _put_quietly(url + "/v1/documents/big.md", big_document()))
        in_flight.start()
        staged = staged_upload(docs)
        assert staged.exists(), "the write never started"
        time.sleep(0.5)  # into the sync: chunking and embedding 400 paragraphs
        server.send_signal(signal.SIGKILL)
        server.wait(30)
        in_flight.join(30)
    finally:
        if server.poll() is None:
            server.kill()
    assert not (docs / "big.md").exists()  # never acknowledged

    server = start(root, port)  # starting syncs the index to the folder
    try:
        listed = httpx.get(url + "/v1/documents").json()["data"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(60)
    assert {d["id"] for d in listed} == {"notes/kept.md", "policies/warranty.md"}
    assert not (docs / ".ragtune-pending").exists()

    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "ragtune.toml").write_text(small_settings(root) + (s3.index_toml() if s3 else ""))
    Project(clean).ingest(docs)
    served, rebuilt = rows(root), rows(clean)
    assert served.keys() == rebuilt.keys()
    assert {k for k, _ in served} >= {"notes/kept.md"} and "policies/returns.html" not in {k for k, _ in served}
    for key, (chunk_hash, vector) in rebuilt.items():
        # The same chunks; vectors equal up to the embedder's numerics (a chunk embedded alone or in a
        # batch is padded differently, which moves the last bits, more so in bf16).
        assert served[key][0] == chunk_hash, key
        assert float(served[key][1] @ vector) > 0.999, key


def small_settings(root: Path) -> str:
    """The project's settings without its [index] section (a clean build goes elsewhere)."""
    return (root / "ragtune.toml").read_text().split("[index]")[0]


def _put_quietly(url: str, body: bytes) -> None:
    try:
        httpx.put(url, content=body, timeout=120)
    except httpx.TransportError:
        pass  # the server was killed under it: that is the test


def test_sigterm_lets_a_write_in_flight_finish(tmp_path, tiny_llama_path):
    root, docs, port = ingested(tmp_path, tiny_llama_path)
    url = f"http://127.0.0.1:{port}"
    server = start(root, port)
    replies: list[httpx.Response] = []
    try:
        in_flight = threading.Thread(target=lambda: replies.append(
            httpx.put(url + "/v1/documents/big.md", content=big_document(), timeout=120)))
        in_flight.start()
        assert staged_upload(docs).exists(), "the write never started"
        server.send_signal(signal.SIGTERM)  # graceful: the write in flight is finished and acknowledged
        in_flight.join(120)
        assert server.wait(120) in (0, -signal.SIGTERM)  # uvicorn re-raises the signal once it has finished
    finally:
        if server.poll() is None:
            server.kill()
    assert replies and replies[0].status_code == 200, replies and replies[0].text
    assert (docs / "big.md").is_file()
    assert "big.md" in set(Project(root).index.doc_ids())
