"""The OpenAI-compatible routes: /v1/models, /v1/chat/completions, /v1/embeddings, and /v1/retrieve.

A request's `model` names a variant; its `Answerer` (resolved once at start, like `ragtune eval` does)
retrieves, prompts and generates exactly as `ragtune ask` would, through the batching queue. The last user
message is the question (earlier turns are not sent to the variant: its prompt is the one it was measured
with). The response has OpenAI's fields plus `ragtune`: the citations (document, title, passage text), the
passages and the timings (README, Serve).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import replace
from typing import Iterator

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from ragtune.serve.batcher import Busy
from ragtune.serve.errors import ApiError
from ragtune.serve.schemas import ChatRequest, EmbeddingRequest, RetrieveRequest
from ragtune.models.protocols import Completion
from ragtune.serve.scope import documents_of, scoped_answerer, visible_answerers
from ragtune.serve.state import Served
from ragtune.serve.weights import conversation, prompt_logprobs
from ragtune.variants import Answerer, search_with


def add_answer_routes(app: FastAPI, s: Served) -> None:
    @app.get("/v1/models")
    def models(request: Request) -> dict:
        documents = documents_of(request)
        variants = [{"id": name, "object": "model", "created": 0, "owned_by": "ragtune", "ragtune": a.describe()}
                    for name, a in visible_answerers(s, documents).items()]
        weights = [{"id": name, "object": "model", "created": 0, "owned_by": "ragtune",
                    "ragtune": {"weights": True, "generator": g.name}} for name, g in s.weights.items()]
        return {"object": "list", "data": variants + (weights if documents is None else [])}

    @app.post("/v1/chat/completions")
    async def chat(body: ChatRequest, request: Request):
        request.state.variant = body.model
        documents = documents_of(request)
        if body.model in s.weights:
            if documents is not None:
                raise ApiError(403, "a weights model learned from every document; this key sees only some of them.",
                               "insufficient_scope", "model")
            return await _weights_chat(s, body)
        _variant(s.answerers, body.model)
        who = scoped_answerer(s, body.model, documents)
        question = next((m.text() for m in reversed(body.messages) if m.role == "user"), "").strip()
        if not question:
            raise ApiError(400, "messages: the last user message is empty; it is the question.", "invalid_request",
                           "messages")
        asked = body.max_completion_tokens or body.max_tokens or who.max_new_tokens
        if asked > s.settings.max_tokens:
            raise ApiError(400, f"max_tokens: at most {s.settings.max_tokens} ([serve] max_tokens).",
                           "invalid_request", "max_tokens")
        who = replace(who, max_new_tokens=asked,
                      temperature=who.temperature if body.temperature is None else body.temperature)
        answer = await queued(s, (body.model, documents, who.max_new_tokens, who.temperature), question, who.answer)
        s.metrics.answered(body.model, answer.completion.prompt_tokens, answer.completion.completion_tokens)
        text, finish = cut_at_stop(answer.text, body.stop, answer.completion.completion_tokens >= asked)
        reply = _completion(body.model, answer, text, finish)
        return StreamingResponse(_events(reply), media_type="text/event-stream") if body.stream else reply

    @app.post("/v1/embeddings")
    def embeddings(body: EmbeddingRequest) -> dict:
        texts = [body.input] if isinstance(body.input, str) else list(body.input)
        if not texts or any(not t for t in texts):
            raise ApiError(400, "input: give one or more non-empty texts.", "invalid_request", "input")
        vectors = s.proj.embedder.embed(texts)
        words = sum(len(t.split()) for t in texts)
        return {"object": "list", "model": s.proj.settings.models.embedder,
                "data": [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)],
                "usage": {"prompt_tokens": words, "total_tokens": words}}

    @app.post("/v1/retrieve")
    async def retrieve(body: RetrieveRequest, request: Request) -> dict:
        documents = documents_of(request)
        search = search_with(s.proj, body.retriever, body.k, body.filters + ([documents] if documents else []))
        hits = await run_in_threadpool(search, body.question)
        return {"object": "list", "index_version": s.proj.index.version,
                "data": [{"rank": n, "chunk_id": h.chunk_id, "doc_id": h.doc_id, "title": h.title, "text": h.text,
                          "score": h.score} for n, h in enumerate(hits, start=1)]}


async def queued(s: Served, key: tuple, payload, work):
    """`work` applied to `payload` in a batch of the queue (`serve/batcher.py`): 429 when the queue is full, 503
    when no answer comes within `[serve] request_timeout_s`."""
    try:
        future = s.batcher.submit_work(key, payload, work)
    except Busy as e:
        raise ApiError(e.status, str(e), "busy", None, {"Retry-After": str(e.retry_after)}) from None
    try:
        return await asyncio.wait_for(asyncio.wrap_future(future), s.settings.request_timeout_s)
    except asyncio.TimeoutError:
        future.cancel()
        raise ApiError(503, f"no answer within {s.settings.request_timeout_s:g} s ([serve] request_timeout_s);"
                       " the server is overloaded, retry later.", "timeout", None,
                       {"Retry-After": str(s.batcher.retry_after())}) from None


def _variant(served: dict[str, Answerer], name: str) -> Answerer:
    if name not in served:
        raise ApiError(404, f"no variant {name!r} here; GET /v1/models lists them ({', '.join(served)}).",
                       "model_not_found", "model")
    return served[name]


async def _weights_chat(s: Served, body: ChatRequest):
    """A weights model answers the messages as given (serve/weights.py), through the same queue."""
    gen, messages = s.weights[body.model], conversation(body.messages)
    asked = body.max_completion_tokens or body.max_tokens or s.proj.settings.generation.max_new_tokens
    if asked > s.settings.max_tokens:
        raise ApiError(400, f"max_tokens: at most {s.settings.max_tokens} ([serve] max_tokens).", "invalid_request",
                       "max_tokens")
    continued = body.continue_final_message or not body.add_generation_prompt
    if continued and body.prompt_logprobs is None:
        raise ApiError(400, "continue_final_message: a weights model here only scores an open reply (with "
                            "prompt_logprobs); it does not continue one.", "invalid_request", "continue_final_message")
    temperature = s.proj.settings.generation.temperature if body.temperature is None else body.temperature
    if continued:  # scoring only: nothing is generated
        completion = Completion("", 0, 0, 0.0, 0.0, gen.name)
    else:
        completion = await queued(s, (body.model, asked, temperature), messages, lambda convs: gen.generate_batch(
            convs, max_new_tokens=asked, temperature=temperature))
    s.metrics.answered(body.model, completion.prompt_tokens, completion.completion_tokens)
    text, finish = cut_at_stop(completion.text, body.stop, continued or completion.completion_tokens >= asked)
    reply = {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
             "model": body.model,
             "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
             "usage": {"prompt_tokens": completion.prompt_tokens, "completion_tokens": completion.completion_tokens,
                       "total_tokens": completion.prompt_tokens + completion.completion_tokens}}
    if body.prompt_logprobs is not None:
        scored = await queued(s, (body.model, "prompt_logprobs", continued), messages,  # the worker owns the weights
                              lambda convs: [prompt_logprobs(gen, m, continued) for m in convs])
        reply["prompt_logprobs"] = scored
        reply["usage"]["prompt_tokens"] = len(scored)
        reply["usage"]["total_tokens"] = len(scored) + completion.completion_tokens
    return StreamingResponse(_events(reply), media_type="text/event-stream") if body.stream else reply


def cut_at_stop(text: str, stop: str | list[str] | None, at_limit: bool) -> tuple[str, str]:
    """The text up to the first stop string (OpenAI's `stop`, applied to the finished answer), and why it ended."""
    stops = [stop] if isinstance(stop, str) else list(stop or ())
    cuts = [text.index(s) for s in stops if s and s in text]
    if cuts:
        return text[:min(cuts)], "stop"
    return text, "length" if at_limit else "stop"


def _completion(model: str, answer, text: str, finish: str) -> dict:
    c = answer.completion
    return {"id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
            "usage": {"prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens,
                      "total_tokens": c.prompt_tokens + c.completion_tokens},
            "ragtune": {"citations": [_cited(ci, answer.passages) for ci in answer.citations],
                        "passages": [{"n": n, "chunk_id": h.chunk_id, "doc_id": h.doc_id, "title": h.title,
                                      "text": h.text} for n, h in enumerate(answer.passages, start=1)],
                        "timings": answer.timings, "batch_size": c.batch_size}}


def _cited(citation, passages) -> dict:
    """A `[n]` of the answer with the passage it names (title and text), so a client can show the source."""
    hit = passages[citation.number - 1] if 0 < citation.number <= len(passages) else None
    return {"n": citation.number, "doc_id": citation.doc_id, "chunk_id": citation.chunk_id,
            "title": hit.title if hit else None, "text": hit.text if hit else None, "page": citation.page}


def _events(reply: dict) -> Iterator[str]:
    """The answer as server-sent `chat.completion.chunk` events: the role, the text word by word, the finish,
    `[DONE]`. The answer is generated whole first (in a batch with others): a client sees OpenAI's stream
    format, but the first word arrives with the last."""
    head = {k: reply[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
    choice = reply["choices"][0]

    def event(delta: dict, finish: str | None = None, **extra) -> str:
        return "data: " + json.dumps(head | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                                     | extra) + "\n\n"

    yield event({"role": "assistant", "content": ""})
    words = choice["message"]["content"].split(" ")
    for i, word in enumerate(words):
        yield event({"content": word if i == 0 else " " + word})
    yield event({}, choice["finish_reason"], usage=reply["usage"],
                **({"ragtune": reply["ragtune"]} if "ragtune" in reply else {}))
    yield "data: [DONE]\n\n"
