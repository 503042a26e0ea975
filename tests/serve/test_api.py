"""`ragtune serve` against OpenAI's own Python client, on a real server bound to 127.0.0.1 (tiny random llama
as the generator, the packaged MiniLM as the embedder, examples/docs indexed): wiring, not answer quality."""

import os

import httpx
import openai
import pytest

from cli_helpers import run
from ragtune.config import ServeSettings
from ragtune.project import Project
from ragtune.serve import create_app
from ragtune.serve.answers import cut_at_stop
from serve_helpers import serving, small_project

KEYS_ENV = "RAGTUNE_TEST_SERVE_KEYS"
KEY = "test-key-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_llama_path):
    root = tmp_path_factory.mktemp("serve")
    docs = small_project(root, tiny_llama_path)
    proj = Project(root)
    proj.ingest(docs)
    os.environ[KEYS_ENV] = f"{KEY}, second-key"
    try:
        app = create_app(proj, ServeSettings(api_key_env=KEYS_ENV, max_body_bytes=200_000, max_tokens=16),
                         ["base", "rag"])
    finally:
        del os.environ[KEYS_ENV]
    with serving(app) as url:
        yield url, proj


@pytest.fixture
def client(server):
    return openai.OpenAI(base_url=server[0] + "/v1", api_key=KEY, max_retries=0, timeout=60)


def test_models_are_the_variants_with_what_they_are_made_of(client):
    models = {m.id: m for m in client.models.list()}
    assert set(models) == {"base", "rag", "weights-base"}  # both variants answer with the base weights
    assert models["rag"].model_extra["ragtune"]["retriever"] == "hybrid"
    assert models["base"].model_extra["ragtune"]["retriever"] is None
    assert models["rag"].model_extra["ragtune"]["endpoint"] is None  # a local model
    assert models["weights-base"].model_extra["ragtune"] == {"weights": True,
                                                             "generator": models["rag"].model_extra["ragtune"]["generator"]}


def test_a_weights_model_answers_the_messages_as_given(client, server):
    """No retrieval and no prompt of ours: the client's own system message reaches the model, as with vLLM."""
    messages = [{"role": "system", "content": "Reply in French."}, {"role": "user", "content": "Warranty?"}]
    reply = client.chat.completions.create(model="weights-base", max_tokens=6, messages=messages)
    local = server[1].generator.with_adapter(None).generate(messages, max_new_tokens=6)
    assert reply.choices[0].message.content == local.text
    assert reply.usage.prompt_tokens == local.prompt_tokens and "ragtune" not in reply.model_extra
    rag = client.chat.completions.create(model="rag", max_tokens=6, messages=messages)
    assert rag.usage.prompt_tokens != local.prompt_tokens  # the variant prompts with its passages instead


def test_a_weights_model_scores_a_prompt_as_vllm_does(client, server):
    """prompt_logprobs (vLLM's extra field): None, then each prompt token's own log-probability, so a client can
    score an open assistant reply (multiple choice) without generating."""
    messages = [{"role": "user", "content": "Colour?"}, {"role": "assistant", "content": "Blue"}]
    reply = client.chat.completions.create(model="weights-base", max_tokens=1, messages=messages, extra_body={
        "prompt_logprobs": 0, "continue_final_message": True, "add_generation_prompt": False})
    rows = reply.model_extra["prompt_logprobs"]
    assert rows[0] is None and len(rows) == reply.usage.prompt_tokens
    expected = server[1].generator.with_adapter(None).prompt_token_logprobs(messages, continue_final=True)
    got = [(int(k), v["logprob"]) for row in rows[1:] for k, v in row.items()]
    assert [t for t, _ in got] == [t for t, *_ in expected]
    assert [lp for _, lp in got] == pytest.approx([lp for _, _, lp, _ in expected], abs=1e-4)
    assert all(lp <= 0 for _, lp in got) and reply.choices[0].message.content == ""
    with pytest.raises(openai.BadRequestError, match="continue_final_message"):
        client.chat.completions.create(model="weights-base", max_tokens=1, messages=messages,
                                       extra_body={"continue_final_message": True})
    with pytest.raises(openai.BadRequestError, match="tool"):
        client.chat.completions.create(model="weights-base", max_tokens=1, messages=[
            {"role": "tool", "content": "x", "tool_call_id": "1"}])


def test_chat_completion_answers_with_the_variants_passages(client, server):
    reply = client.chat.completions.create(model="rag", max_tokens=6, messages=[
        {"role": "system", "content": "ignored: the variant's own prompt is used"},
        {"role": "user", "content": "How long is the warranty?"}])
    choice = reply.choices[0]
    assert choice.message.role == "assistant" and isinstance(choice.message.content, str)
    assert choice.finish_reason in ("stop", "length") and reply.model == "rag"
    assert 0 < reply.usage.completion_tokens <= 6 and reply.usage.prompt_tokens > 50  # passages in the prompt
    extra = reply.model_extra["ragtune"]
    assert extra["passages"] and all(p["doc_id"].startswith("policies/") and p["text"] for p in extra["passages"])
    closed = client.chat.completions.create(model="base", max_tokens=6,
                                            messages=[{"role": "user", "content": "How long is the warranty?"}])
    assert closed.model_extra["ragtune"]["passages"] == []


def test_streaming_sends_the_same_answer_in_chunks(client):
    messages = [{"role": "user", "content": "What does the warranty cover?"}]
    whole = client.chat.completions.create(model="rag", max_tokens=8, messages=messages)
    chunks = list(client.chat.completions.create(model="rag", max_tokens=8, messages=messages, stream=True))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert text == whole.choices[0].message.content  # greedy: the same answer
    assert chunks[-1].choices[0].finish_reason == whole.choices[0].finish_reason


def test_stop_cuts_the_answer(client):
    # The tiny random model's answers can be empty, so the cut itself is checked on a known text, and the
    # request with `stop` through the client.
    assert cut_at_stop("Three years. Kind regards", ["Kind", "zzz"], True) == ("Three years. ", "stop")
    assert cut_at_stop("Three years.", "zzz", True) == ("Three years.", "length")
    assert cut_at_stop("Three years.", None, False) == ("Three years.", "stop")
    reply = client.chat.completions.create(model="rag", max_tokens=8, stop=["\n"],
                                           messages=[{"role": "user", "content": "How long is the warranty?"}])
    assert "\n" not in reply.choices[0].message.content


def test_embeddings_are_the_projects_embedder(client, server):
    out = client.embeddings.create(model="minilm", input=["warranty", "returns policy"])
    assert [d.index for d in out.data] == [0, 1] and len(out.data[0].embedding) == 384
    expected = server[1].embedder.embed(["warranty"])[0]
    assert max(abs(a - b) for a, b in zip(out.data[0].embedding, expected.tolist())) < 1e-5


def test_retrieve_returns_ranked_passages(server):
    url, _ = server
    r = httpx.post(url + "/v1/retrieve", json={"question": "warranty", "retriever": "hybrid", "k": 2},
                   headers={"Authorization": f"Bearer {KEY}"})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert [p["rank"] for p in data] == [1, 2] and all(p["doc_id"].startswith("policies/") for p in data)


def test_keys_are_required_and_checked(server):
    url, _ = server
    for key in ("wrong-key", ""):
        bad = openai.OpenAI(base_url=url + "/v1", api_key=key or "x", max_retries=0)
        with pytest.raises(openai.AuthenticationError) as e:
            bad.models.list()
        assert e.value.status_code == 401 and e.value.body["code"] == "invalid_api_key"
    assert httpx.get(url + "/v1/models").status_code == 401  # no header at all
    assert httpx.get(url + "/health").json()["status"] == "ok"  # open: for load balancers
    second = openai.OpenAI(base_url=url + "/v1", api_key="second-key", max_retries=0)
    assert {m.id for m in second.models.list()} == {"base", "rag", "weights-base"}


def test_errors_have_openais_shape_and_status(client, server):
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="ft", messages=[{"role": "user", "content": "hi"}])
    assert e.value.body["code"] == "model_not_found" and "base, rag" in e.value.body["message"]
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="rag", max_tokens=999, messages=[{"role": "user", "content": "hi"}])
    assert e.value.body["param"] == "max_tokens"
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="rag", messages=[])
    url, _ = server
    big = httpx.post(url + "/v1/embeddings", headers={"Authorization": f"Bearer {KEY}"},
                     json={"input": ["x" * 300_000]})
    assert big.status_code == 413 and big.json()["error"]["code"] == "request_too_large"
    broken = httpx.post(url + "/v1/chat/completions", headers={"Authorization": f"Bearer {KEY}",
                                                               "Content-Type": "application/json"}, content=b"{nope")
    assert broken.status_code == 400 and "Traceback" not in broken.text and "/" not in broken.json()["error"]["code"]


def test_the_cli_refuses_a_public_address_without_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("RAGTUNE_API_KEYS", raising=False)
    (tmp_path / "ragtune.toml").write_text("")
    out = run("serve", "--host", "0.0.0.0", "--project", str(tmp_path))
    assert out.exit_code == 2 and "loopback" in out.text and "RAGTUNE_API_KEYS" in out.text
