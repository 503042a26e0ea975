"""Scoped keys and documents per team, against a real server on 127.0.0.1: the Bearer scheme is required,
a read key may not write or read metrics, and each team's key, asking about the other team's document, gets
nothing of it in any route (answers, passages, citations, retrieval, the documents' list, the report)."""

from __future__ import annotations

import json
import os

import httpx
import pytest

from ragtune.config import ServeSettings
from ragtune.project import Project
from ragtune.serve import create_app
from serve_helpers import serving, small_project

ENV = "RAGTUNE_TEST_SCOPED_KEYS"
KEYS = {"admin-key": {}, "reader": {"scopes": ["read"]},
        "team-a": {"scopes": ["read", "write"], "documents": "doc_id^=team-a/"},
        "team-b": {"scopes": ["read", "write"], "documents": "doc_id^=team-b/"}}
A_FACT = "The quokka feeding schedule of team alpha is every ninety minutes."
B_FACT = "The quokka feeding schedule of team bravo is every forty minutes."


@pytest.fixture(scope="module")
def url(tmp_path_factory, tiny_llama_path):
    root = tmp_path_factory.mktemp("scopes")
    docs = small_project(root, tiny_llama_path)
    for team, fact in (("team-a", A_FACT), ("team-b", B_FACT)):
        (docs / team).mkdir()
        (docs / team / "quokka.md").write_text(f"# Quokka feeding\n\n{fact}\n")
    proj = Project(root)
    proj.ingest(docs)
    os.environ[ENV] = json.dumps(KEYS)
    try:
        app = create_app(proj, ServeSettings(api_key_env=ENV, max_tokens=16), ["base", "rag"])
    finally:
        del os.environ[ENV]
    with serving(app) as base:
        yield base


def client(url: str, key: str, scheme: str = "Bearer ") -> httpx.Client:
    return httpx.Client(base_url=url, timeout=120, headers={"Authorization": scheme + key})


def test_the_bearer_scheme_is_required(url):
    assert client(url, "admin-key", scheme="").get("/v1/models").status_code == 401  # `Authorization: k1`
    assert client(url, "admin-key", scheme="Basic ").get("/v1/models").status_code == 401
    assert client(url, "admin-key").get("/v1/models").status_code == 200


def test_a_read_key_asks_but_may_not_write_or_read_metrics(url):
    reader = client(url, "reader")
    assert reader.post("/v1/retrieve", json={"question": "quokka feeding"}).status_code == 200
    deleted = reader.delete("/v1/documents/team-a/quokka.md")
    assert deleted.status_code == 403 and deleted.json()["error"]["code"] == "insufficient_scope"
    assert reader.put("/v1/documents/x.md", json={"text": "x"}).status_code == 403
    assert reader.get("/metrics").status_code == 403
    assert client(url, "admin-key").get("/metrics").status_code == 200


@pytest.mark.parametrize("team, mine, theirs, other", [("team-a", A_FACT, B_FACT, "team-b"),
                                                      ("team-b", B_FACT, A_FACT, "team-a")])
def test_each_team_sees_only_its_documents_in_every_route(url, team, mine, theirs, other):
    http = client(url, team)
    hits = http.post("/v1/retrieve", json={"question": "quokka feeding schedule team", "k": 10}).json()["data"]
    assert hits and all(h["doc_id"].startswith(team + "/") for h in hits)
    assert any(mine in h["text"] for h in hits) and not any(theirs in h["text"] for h in hits)
    reply = http.post("/v1/chat/completions", json={"model": "rag", "max_tokens": 8, "messages": [
        {"role": "user", "content": f"What is the quokka feeding schedule of {other}?"}]}).json()
    extra = reply["ragtune"]
    assert all(p["doc_id"].startswith(team + "/") for p in extra["passages"])
    assert all(c["doc_id"].startswith(team + "/") for c in extra["citations"])
    assert theirs not in json.dumps(reply)
    listed = {d["id"] for d in http.get("/v1/documents").json()["data"]}
    assert listed == {f"{team}/quokka.md"}
    assert http.get("/report").status_code == 403
    assert http.delete(f"/v1/documents/{other}/quokka.md").status_code == 403  # not its document
    models = {m["id"] for m in http.get("/v1/models").json()["data"]}
    assert models == {"base", "rag"}  # no weights model: they learned from every document
    assert http.post("/v1/chat/completions", json={"model": "weights-base", "messages": [
        {"role": "user", "content": "hi"}]}).status_code == 403


def test_a_team_writes_under_its_prefix_and_the_other_team_never_sees_it(url):
    a, b = client(url, "team-a"), client(url, "team-b")
    put = a.put("/v1/documents/team-a/notes.md", json={"text": "# Notes\n\nThe alpha pantry code is 5512."})
    assert put.status_code == 200, put.text
    assert a.put("/v1/documents/notes.md", json={"text": "x"}).status_code == 403  # outside its prefix
    seen_by_b = b.post("/v1/retrieve", json={"question": "alpha pantry code", "k": 10}).json()["data"]
    assert not any("5512" in h["text"] for h in seen_by_b)
    assert any("5512" in h["text"] for h in a.post("/v1/retrieve", json={"question": "alpha pantry code",
                                                                         "k": 10}).json()["data"])
    assert a.delete("/v1/documents/team-a/notes.md").status_code == 200


def test_malformed_key_settings_are_refused(monkeypatch):
    from ragtune.errors import ConfigError, FilterError
    from ragtune.serve.guard import api_keys

    monkeypatch.setenv(ENV, '{"k": {"scopes": ["root"]}}')
    with pytest.raises(ConfigError, match="scopes"):
        api_keys(ENV)
    monkeypatch.setenv(ENV, '{"k": {"documents": "no filter here"}}')
    with pytest.raises(FilterError):
        api_keys(ENV)
    monkeypatch.setenv(ENV, "k1, k2")
    assert set(api_keys(ENV)) == {"k1", "k2"}  # plain keys keep every scope


def test_the_api_describes_itself_behind_the_key(url):
    assert httpx.get(url + "/openapi.json").status_code == 401
    schema = client(url, "reader").get("/openapi.json").json()
    paths = schema["paths"]
    assert {"/v1/chat/completions", "/v1/retrieve", "/v1/documents/{doc_id}", "/metrics"} <= set(paths)
    for operations in paths.values():
        for operation in operations.values():
            assert {"400", "401", "403", "413", "429", "503"} <= set(operation["responses"])
            assert "422" not in operation["responses"]
    upload = paths["/v1/documents/{doc_id}"]["put"]["requestBody"]["content"]
    assert {"application/json", "application/octet-stream"} == set(upload)
    assert "text/plain" in paths["/metrics"]["get"]["responses"]["200"]["content"]
