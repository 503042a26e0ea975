"""The API: OpenAI's chat completions, models and embeddings, plus retrieval, over a project's variants.

A request's `model` names a variant; its `Answerer` (resolved once at start, like `ragtune eval` does)
retrieves, prompts and generates exactly as `ragtune ask` would. The last user message is the question
(earlier turns are not sent to the variant: its prompt is the one it was measured with). The response has
OpenAI's fields plus `ragtune`: the citations (document, title, passage text) and the timings.

Local models are not safe to call from two threads at once (adapters are swapped in and out of shared
weights), so answers and embeddings take one lock; a batching queue is the next step (issue 18).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import replace
from typing import Iterator

from fastapi import FastAPI, Request
from fastapi.responses import StreamingResponse

from ragtune.config import ServeSettings
from ragtune.project import Project
from ragtune.serve.errors import ApiError, error_response, install_handlers
from ragtune.serve.guard import BodyLimit, api_keys, key_ok
from ragtune.serve.schemas import ChatRequest, EmbeddingRequest, RetrieveRequest
from ragtune.variants import Answerer, answerers, available_variants, search_with

OPEN_PATHS = ("/health",)  # answered without a key


def create_app(proj: Project, settings: ServeSettings | None = None, names: list[str] | None = None) -> FastAPI:
    """The app for `proj`: every variant in `names` (else `[serve] variants`, else all the project can run)."""
    settings = settings or proj.settings.serve
    served = answerers(proj, names or settings.variants or available_variants(proj))
    keys = api_keys(settings.api_key_env)
    lock = threading.Lock()
    app = FastAPI(title="ragtune", docs_url=None, redoc_url=None)
    install_handlers(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)

    @app.middleware("http")
    async def authenticate(request: Request, call_next):
        if keys and request.url.path not in OPEN_PATHS and not key_ok(request.headers.get("authorization"), keys):
            return error_response(401, "a valid API key is required: send `Authorization: Bearer <key>`.",
                                  "invalid_api_key")
        return await call_next(request)

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "variants": list(served), "index_version": proj.index.version}

    @app.get("/v1/models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": name, "object": "model", "created": 0, "owned_by": "ragtune",
                                            "ragtune": a.describe()} for name, a in served.items()]}

    @app.post("/v1/chat/completions")
    def chat(body: ChatRequest):
        who = _variant(served, body.model)
        question = next((m.text() for m in reversed(body.messages) if m.role == "user"), "").strip()
        if not question:
            raise ApiError(400, "messages: the last user message is empty; it is the question.", "invalid_request",
                           "messages")
        asked = body.max_completion_tokens or body.max_tokens or who.max_new_tokens
        if asked > settings.max_tokens:
            raise ApiError(400, f"max_tokens: at most {settings.max_tokens} ([serve] max_tokens).", "invalid_request",
                           "max_tokens")
        who = replace(who, max_new_tokens=asked,
                      temperature=who.temperature if body.temperature is None else body.temperature)
        with lock:
            answer = who.answer([question])[0]
        text, finish = cut_at_stop(answer.text, body.stop, answer.completion.completion_tokens >= asked)
        reply = _completion(body.model, answer, text, finish)
        return StreamingResponse(_events(reply), media_type="text/event-stream") if body.stream else reply

    @app.post("/v1/embeddings")
    def embeddings(body: EmbeddingRequest) -> dict:
        texts = [body.input] if isinstance(body.input, str) else list(body.input)
        if not texts or any(not t for t in texts):
            raise ApiError(400, "input: give one or more non-empty texts.", "invalid_request", "input")
        with lock:
            vectors = proj.embedder.embed(texts)
        words = sum(len(t.split()) for t in texts)
        return {"object": "list", "model": proj.settings.models.embedder,
                "data": [{"object": "embedding", "index": i, "embedding": v.tolist()} for i, v in enumerate(vectors)],
                "usage": {"prompt_tokens": words, "total_tokens": words}}

    @app.post("/v1/retrieve")
    def retrieve(body: RetrieveRequest) -> dict:
        search = search_with(proj, body.retriever, body.k, body.filters)
        with lock:
            hits = search(body.question)
        return {"object": "list", "data": [{"rank": n, "chunk_id": h.chunk_id, "doc_id": h.doc_id, "title": h.title,
                                            "text": h.text, "score": h.score} for n, h in enumerate(hits, start=1)]}

    return app


def _variant(served: dict[str, Answerer], name: str) -> Answerer:
    if name not in served:
        raise ApiError(404, f"no variant {name!r} here; GET /v1/models lists them ({', '.join(served)}).",
                       "model_not_found", "model")
    return served[name]


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
                        "timings": answer.timings}}


def _cited(citation, passages) -> dict:
    """A `[n]` of the answer with the passage it names (title and text), so a client can show the source."""
    hit = passages[citation.number - 1] if 0 < citation.number <= len(passages) else None
    return {"n": citation.number, "doc_id": citation.doc_id, "chunk_id": citation.chunk_id,
            "title": hit.title if hit else None, "text": hit.text if hit else None, "page": citation.page}


def _events(reply: dict) -> Iterator[str]:
    """The answer as server-sent `chat.completion.chunk` events: the role, the text word by word (the answer is
    generated whole first; token-by-token streaming comes with the batching queue), the finish, `[DONE]`."""
    head = {k: reply[k] for k in ("id", "created", "model")} | {"object": "chat.completion.chunk"}
    choice = reply["choices"][0]

    def event(delta: dict, finish: str | None = None, **extra) -> str:
        return "data: " + json.dumps(head | {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
                                     | extra) + "\n\n"

    yield event({"role": "assistant", "content": ""})
    words = choice["message"]["content"].split(" ")
    for i, word in enumerate(words):
        yield event({"content": word if i == 0 else " " + word})
    yield event({}, choice["finish_reason"], usage=reply["usage"], ragtune=reply["ragtune"])
    yield "data: [DONE]\n\n"


def run_server(app: FastAPI, host: str, port: int) -> None:
    """Serve until Ctrl-C or SIGTERM; uvicorn lets requests in flight finish before it stops."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False, timeout_graceful_shutdown=30)
