"""The HTTP backends against a tiny real OpenAI-compatible server on 127.0.0.1."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from ragtune.models import Completion, Embedder, Generator, ModelError
from ragtune.models.openai_http import OpenAIChatGenerator, OpenAIEmbedder, estimate_tokens


class FakeOpenAI(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[str, dict, dict]] = []
        self.failures: list[int] = []  # status codes to answer before answering normally
        self.delay_s = 0.0  # each answer takes this long (requests in flight overlap in it)
        self.in_flight = self.most_in_flight = 0
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class Handler(BaseHTTPRequestHandler):
    server: FakeOpenAI

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        srv = self.server
        with srv.lock:
            srv.requests.append((self.path, dict(self.headers), body))
            srv.in_flight += 1
            srv.most_in_flight = max(srv.most_in_flight, srv.in_flight)
            failure = srv.failures.pop(0) if srv.failures else None
        try:
            time.sleep(srv.delay_s)
            self._route(body, failure)
        finally:
            with srv.lock:
                srv.in_flight -= 1

    def _route(self, body, failure):
        if failure is not None:
            self._answer(failure, {"error": {"message": "try again"}}, {"Retry-After": "0"})
        elif self.path == "/v1/chat/completions":
            question = body["messages"][-1]["content"]
            self._answer(200, {"model": body["model"], "choices": [{"message": {"role": "assistant", "content": f" echo: {question} "}}],
                               "usage": {"prompt_tokens": 11, "completion_tokens": 3}})
        elif self.path == "/v1/embeddings":
            # Unnormalised vectors, listed in reverse order: the client must sort by index and normalise.
            rows = [{"index": i, "embedding": [float(len(t)), 1.0, 0.0, 2.0]} for i, t in enumerate(body["input"])]
            self._answer(200, {"data": rows[::-1]})
        else:
            self._answer(404, {"error": "no such route"})

    def _answer(self, status, payload, headers=None):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def server():
    srv = FakeOpenAI()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_chat_generation_uses_usage_and_sends_the_key(server):
    gen = OpenAIChatGenerator("tiny-chat", server.url, api_key="sk-test", backoff_s=0.01)
    assert isinstance(gen, Generator)
    result = gen.generate([{"role": "user", "content": "ping"}], max_new_tokens=5)
    assert isinstance(result, Completion)
    assert (result.text, result.prompt_tokens, result.completion_tokens) == ("echo: ping", 11, 3)
    assert result.model == "tiny-chat" and result.total_s > 0 and result.prefill_s == 0.0
    path, headers, body = server.requests[-1]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == "Bearer sk-test"
    assert body["max_tokens"] == 5 and body["temperature"] == 0.0


@pytest.mark.parametrize("status", [500, 429, 503])
def test_retries_transient_failures(server, status):
    server.failures = [status]
    gen = OpenAIChatGenerator("m", server.url, backoff_s=0.01)
    assert gen.generate([{"role": "user", "content": "x"}]).text == "echo: x"
    assert len(server.requests) == 2


def test_gives_up_after_retries_with_the_status(server):
    server.failures = [500, 500, 500]
    gen = OpenAIChatGenerator("m", server.url, retries=2, backoff_s=0.01)
    with pytest.raises(ModelError, match="500"):
        gen.generate([{"role": "user", "content": "x"}])
    assert len(server.requests) == 3


def test_unauthorised_points_at_the_key_variable(server):
    server.failures = [401]
    with pytest.raises(ModelError, match="api_key_env"):
        OpenAIChatGenerator("m", server.url).generate([{"role": "user", "content": "x"}])


def test_connection_refused_names_the_endpoint():
    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    gen = OpenAIChatGenerator("m", url, retries=1, backoff_s=0.01)
    with pytest.raises(ModelError, match=f"could not reach {url}/chat/completions.*api_base"):
        gen.generate([{"role": "user", "content": "x"}])


def test_embeddings_are_ordered_normalised_batched(server):
    emb = OpenAIEmbedder("tiny-emb", server.url, batch_size=2, backoff_s=0.01)
    vectors = emb.embed(["a", "bbb", "cc", "dddd", "e"])
    assert vectors.shape == (5, 4) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    raw = np.array([[n, 1.0, 0.0, 2.0] for n in (1, 3, 2, 4, 1)])
    np.testing.assert_allclose(vectors, raw / np.linalg.norm(raw, axis=1, keepdims=True), atol=1e-6)
    assert sorted(len(body["input"]) for _, _, body in server.requests) == [1, 2, 2]
    assert emb.dim == 4
    assert isinstance(emb, Embedder)


def test_embedder_learns_dim_lazily_or_takes_it(server):
    assert OpenAIEmbedder("e", server.url).dim == 4
    assert len(server.requests) == 1
    assert OpenAIEmbedder("e", server.url, dim=4).dim == 4
    assert len(server.requests) == 1


def test_token_estimate_is_conservative():
    from transformers import AutoTokenizer

    from ragtune.models.packaged import packaged_embedder_path

    tokenizer = AutoTokenizer.from_pretrained(packaged_embedder_path(), local_files_only=True)
    texts = ["How long is the warranty of the Zephyr 9?", "a, b; c: d!", "Lorem ipsum " * 50, "1234567890 " * 20]
    for text in texts:
        assert estimate_tokens(text) >= len(tokenizer(text, add_special_tokens=False)["input_ids"])
    assert estimate_tokens("") == 0
    assert estimate_tokens("word " * 100) < 200  # not absurdly high for plain English


def conversation(n: int) -> list[dict]:
    return [{"role": "user", "content": f"question {n}"}]


def test_a_batch_is_sent_concurrency_requests_at_a_time_and_kept_in_order(server):
    server.delay_s = 0.2
    gen = OpenAIChatGenerator("m", server.url, backoff_s=0.01, concurrency=4)
    start = time.perf_counter()
    done = gen.generate_batch([conversation(n) for n in range(8)], max_new_tokens=4)
    wall = time.perf_counter() - start
    assert [c.text for c in done] == [f"echo: question {n}" for n in range(8)]
    assert server.most_in_flight == 4 and wall < 8 * 0.2 * 0.75  # two waves of four, not eight one by one
    assert all(c.batch_size == 8 and c.total_s == pytest.approx(wall / 8, rel=0.2) for c in done)
    alone = gen.generate_batch([conversation(9)])[0]  # a batch of one is the latency a user sees
    assert alone.batch_size == 1 and alone.total_s >= 0.2


def test_requests_in_flight_retry_on_their_own(server):
    server.failures = [429, 503, 500]
    gen = OpenAIChatGenerator("m", server.url, backoff_s=0.01, concurrency=4)
    done = gen.generate_batch([conversation(n) for n in range(6)])
    assert [c.text for c in done] == [f"echo: question {n}" for n in range(6)]
    assert len(server.requests) == 9  # six answers, three retried


def test_one_request_at_a_time_when_concurrency_is_one(server):
    server.delay_s = 0.05
    gen = OpenAIChatGenerator("m", server.url, concurrency=1)
    assert len(gen.generate_batch([conversation(n) for n in range(4)])) == 4
    assert server.most_in_flight == 1


def test_embeddings_are_requested_concurrently_in_order(server):
    server.delay_s = 0.1
    emb = OpenAIEmbedder("e", server.url, batch_size=1, concurrency=3)
    texts = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff", "g"]
    vectors = emb.embed(texts)
    raw = np.array([[len(t), 1.0, 0.0, 2.0] for t in texts])
    np.testing.assert_allclose(vectors, raw / np.linalg.norm(raw, axis=1, keepdims=True), atol=1e-6)
    assert server.most_in_flight == 3


def test_multiple_choice_without_prompt_logprobs_is_unscored_and_asked_once(server):
    """An endpoint that returns no prompt log-probabilities (not vLLM): None, remembered, never a guess."""
    gen = OpenAIChatGenerator("m", server.url, backoff_s=0.01)
    assert gen.option_logprobs(conversation(1), ["yes", "no"]) is None
    asked = len(server.requests)
    assert gen.option_logprobs(conversation(2), ["yes", "no"]) is None
    assert len(server.requests) == asked and gen.logprobs is False


def test_the_first_failure_stops_the_batch_without_sending_the_rest(server):
    server.failures = [400]  # not retried: the request itself is wrong
    server.delay_s = 0.1
    gen = OpenAIChatGenerator("m", server.url, backoff_s=0.01, concurrency=2)
    with pytest.raises(ModelError, match="400"):
        gen.generate_batch([conversation(n) for n in range(20)])
    time.sleep(0.3)  # what was in flight finishes; nothing after it is sent
    assert len(server.requests) < 20
