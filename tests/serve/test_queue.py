"""The batching queue under concurrent requests on a real server: questions of one variant are answered in
one batch, a full queue answers 429 with Retry-After at once, a slow answer 503, and CORS is off unless
origins are configured."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from ragtune.config import ServeSettings
from ragtune.project import Project
from ragtune.serve import create_app
from serve_helpers import serving, small_project

ASK = {"model": "rag", "max_tokens": 8, "messages": [{"role": "user", "content": "How long is the warranty?"}]}


@pytest.fixture(scope="module")
def proj(tmp_path_factory, tiny_llama_path):
    root = tmp_path_factory.mktemp("serve-queue")
    docs = small_project(root, tiny_llama_path)
    proj = Project(root)
    proj.ingest(docs)
    return proj


def burst(url: str, n: int, body: dict = ASK) -> list[httpx.Response]:
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda _: httpx.post(url + "/v1/chat/completions", json=body, timeout=120), range(n)))


def test_concurrent_questions_are_batched(proj):
    app = create_app(proj, ServeSettings(api_key_env="RAGTUNE_TEST_NO_KEYS", max_batch=8), ["rag"])
    with serving(app) as url:
        replies = burst(url, 12)
        assert all(r.status_code == 200 for r in replies), [r.text for r in replies if r.status_code != 200]
        sizes = [r.json()["ragtune"]["batch_size"] for r in replies]
        assert max(sizes) > 1 and max(sizes) <= 8
        alone = httpx.post(url + "/v1/chat/completions", json=ASK, timeout=120).json()
        assert alone["ragtune"]["batch_size"] == 1
        assert 'ragtune_batch_size_count{variant="rag"}' in httpx.get(url + "/metrics").text


def test_a_full_queue_answers_429_with_retry_after(proj):
    app = create_app(proj, ServeSettings(api_key_env="RAGTUNE_TEST_NO_KEYS", max_batch=1, queue_size=1), ["rag"])
    with serving(app) as url:
        replies = burst(url, 8)
    busy = [r for r in replies if r.status_code == 429]
    assert busy and all(r.status_code in (200, 429) for r in replies)
    assert all(int(r.headers["retry-after"]) >= 1 and r.json()["error"]["code"] == "busy" for r in busy)
    assert any(r.status_code == 200 for r in replies)


def test_a_question_not_answered_in_time_gets_503(proj):
    app = create_app(proj, ServeSettings(api_key_env="RAGTUNE_TEST_NO_KEYS", max_batch=1, request_timeout_s=0.001),
                     ["rag"])
    with serving(app) as url:
        r = httpx.post(url + "/v1/chat/completions", json=ASK, timeout=60)
        assert r.status_code == 503 and r.json()["error"]["code"] == "timeout" and "retry-after" in r.headers
        assert httpx.get(url + "/health").json()["status"] == "ok"  # the worker goes on


def test_cors_is_off_unless_origins_are_set(proj):
    preflight = {"Origin": "http://example.test", "Access-Control-Request-Method": "POST"}
    with serving(create_app(proj, ServeSettings(api_key_env="RAGTUNE_TEST_NO_KEYS"), ["base"])) as url:
        r = httpx.options(url + "/v1/chat/completions", headers=preflight)
        assert "access-control-allow-origin" not in r.headers
    settings = ServeSettings(api_key_env="RAGTUNE_TEST_NO_KEYS", cors_origins=["http://example.test"])
    with serving(create_app(proj, settings, ["base"])) as url:
        r = httpx.options(url + "/v1/chat/completions", headers=preflight)
        assert r.headers["access-control-allow-origin"] == "http://example.test"
        other = httpx.get(url + "/health", headers={"Origin": "http://evil.test"})
        assert "access-control-allow-origin" not in other.headers
