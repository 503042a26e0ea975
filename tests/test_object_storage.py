"""A project whose index lives in an S3-compatible bucket (`[index] uri = "s3://..."`, moto's server on
127.0.0.1): ingest, incremental re-ingest, answers and a freshness run behave as on a local folder, and the
bucket ends up with the same rows a local index gets. Credentials come from the environment only."""

import json
import shutil
from pathlib import Path

import numpy as np

from cli_helpers import run
from ragtune.project import Project
from serve_helpers import small_project

DOCS = Path(__file__).resolve().parent.parent / "examples" / "docs"


def rows(proj: Project) -> dict:
    table = proj.index.scan(["id", "chunk_hash", "text", "vector"]).to_pylist()
    return {r["id"]: (r["chunk_hash"], r["text"], np.asarray(r["vector"])) for r in table}


def test_a_project_on_s3_ingests_answers_and_updates_as_a_local_one(s3_server, tiny_llama_path, tmp_path):
    remote, local = tmp_path / "remote", tmp_path / "local"
    remote.mkdir(), local.mkdir()
    docs = small_project(remote, tiny_llama_path, s3_server.index_toml())
    small_project(local, tiny_llama_path)
    for root in (remote, local):
        result = run("ingest", str(docs), "-p", str(root))
        assert result.exit_code == 0, result.output
    assert not (remote / "index" / "chunks.lance").exists()  # the table is in the bucket, not here
    status = run("status", "-p", str(remote))
    assert status.exit_code == 0 and s3_server.bucket in status.text

    # an incremental re-ingest: one document changed, one removed, one added
    (docs / "policies" / "warranty.md").write_text("# Warranty\n\nThe warranty lasts seven years on every kettle.")
    next(p for p in (docs / "policies").iterdir() if p.name != "warranty.md").unlink()
    shutil.copy(DOCS / "products" / "aurora-kettle.md", docs / "policies" / "aurora-kettle.md")
    for root in (remote, local):
        result = run("ingest", str(docs), "-p", str(root))
        assert result.exit_code == 0 and "1 changed" in result.text and "1 removed" in result.text, result.output
    on_s3, here = rows(Project(remote)), rows(Project(local))
    assert on_s3.keys() == here.keys()
    for chunk_id, (chunk_hash, text, vector) in here.items():
        assert on_s3[chunk_id][:2] == (chunk_hash, text)
        assert float(on_s3[chunk_id][2] @ vector) > 0.999

    answer = run("ask", "How long is the warranty?", "--variant", "rag", "--json", "-p", str(remote))
    assert answer.exit_code == 0, answer.output
    passages = json.loads(answer.output)["passages"]
    assert any("seven years" in p["text"] for p in passages)

    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"id": "w", "question": "How long is the warranty?", "answers": ["ten years"],
                                     "old_answers": ["seven years"], "sources": ["policies/warranty.md"]}) + "\n")
    (docs / "policies" / "warranty.md").write_text("# Warranty\n\nThe warranty lasts ten years on every kettle.")
    fresh = run("eval", "-q", str(questions), "--variants", "base,rag", "--freshness", str(docs), "--run", "f",
                "-p", str(remote))
    assert fresh.exit_code == 0, fresh.output
    update = json.loads((remote / "runs" / "f" / "freshness.json").read_text())
    assert update["changed"] == ["policies/warranty.md"] and update["version_after"] > update["version_before"]
    rag = [json.loads(line) for line in (remote / "runs" / "f" / "results.jsonl").read_text().splitlines()
           if json.loads(line)["variant"] == "rag"][0]
    assert rag["retrieved"] and rag["retrieved"][0]["doc_id"] == "policies/warranty.md"


def test_credentials_in_the_project_file_are_refused_without_echoing_them(tmp_path):
    (tmp_path / "ragtune.toml").write_text('[index]\nuri = "s3://b/x"\nstorage_options = { aws_secret_access_key = '
                                           '"hunter2-secret" }\n')
    result = run("status", "-p", str(tmp_path))
    assert result.exit_code == 2 and "environment" in result.text and "hunter2" not in result.output
