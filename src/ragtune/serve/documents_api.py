"""/v1/documents: list, put (text as JSON, or a file's bytes in any supported format) and delete, each
applied through `DocumentStore` (one writer at a time, acknowledged once the index holds it); and the web
page at `/` with its static files and the latest report."""

from __future__ import annotations

import json
import os
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, Response

from ragtune.runs import REPORT
from ragtune.serve.documents import DocumentStore, Written
from ragtune.serve.errors import ApiError
from ragtune.serve.scope import allowed_documents, check_writable, documents_of
from ragtune.serve.state import Served

STATIC = files("ragtune.serve") / "static"
STATIC_FILES = {"page.js": "text/javascript", "page.css": "text/css", "docs.js": "text/javascript"}


def add_document_routes(app: FastAPI, s: Served) -> None:
    @app.get("/v1/documents")
    async def list_documents(request: Request) -> dict:
        out = {"object": "list", "writable": s.documents is not None, "index_version": s.proj.index.version}
        if s.documents is None:
            return out | {"reason": s.documents_off, "data": []}
        data = await run_in_threadpool(s.documents.list)
        allowed = await run_in_threadpool(allowed_documents, s, documents_of(request))
        if allowed is not None:  # a team's key: its documents' names only
            data = [d for d in data if d["id"] in allowed]
        return out | {"folder": s.documents.folder.name, "data": data}

    @app.put("/v1/documents/{doc_id:path}")
    async def put_document(doc_id: str, request: Request) -> dict:
        store = _store(s)
        check_writable(documents_of(request), doc_id)
        body = await request.body()
        if request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
            body = _text_of(body)
        if not body.strip():
            raise ApiError(400, "the document is empty: send its bytes as the body, or JSON {\"text\": ...}.",
                           "invalid_request", "body")
        written = await run_in_threadpool(store.put, doc_id, body)
        s.metrics.writes.labels(written.action).inc()
        return _written(written) | {"encoding": written.encoding}

    @app.delete("/v1/documents/{doc_id:path}")
    async def delete_document(doc_id: str, request: Request) -> dict:
        check_writable(documents_of(request), doc_id)
        written = await run_in_threadpool(_store(s).delete, doc_id)
        s.metrics.writes.labels(written.action).inc()
        return _written(written) | {"deleted": True}


def add_page_routes(app: FastAPI, s: Served) -> None:
    @app.get("/", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    @app.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC_FILES:  # a fixed list: no path from the request reaches the file system
            raise ApiError(404, f"no file {name!r}.", "not_found")
        return Response((STATIC / name).read_bytes(), media_type=STATIC_FILES[name])

    @app.get("/report")
    def report(request: Request) -> FileResponse:
        if documents_of(request) is not None:
            raise ApiError(403, "the report quotes passages of every document; this key sees only some of them.",
                           "insufficient_scope")
        found = latest_report(s)
        if found is None:
            raise ApiError(404, "no report yet: run `ragtune eval`, then `ragtune report RUN`.", "not_found")
        return FileResponse(found, media_type="text/html")


def latest_report(s: Served) -> Path | None:
    """The newest report.html of the project: the demo's, or one in a run folder."""
    settings = s.proj.settings
    candidates = [settings.root / REPORT, *Path(settings.runs_dir).glob(f"*/{REPORT}")]
    found = [p for p in candidates if p.is_file() and not p.is_symlink()]
    return max(found, key=os.path.getmtime, default=None)


def _store(s: Served) -> DocumentStore:
    if s.documents is None:
        raise ApiError(409, f"documents cannot be changed here: {s.documents_off}", "documents_read_only")
    return s.documents


def _text_of(body: bytes) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        raise ApiError(400, "the body is not valid JSON.", "invalid_json") from None
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise ApiError(400, "send JSON {\"text\": \"...\"}, or the file's bytes with another Content-Type.",
                       "invalid_request", "text")
    return data["text"].encode("utf-8")


def _written(w: Written) -> dict:
    return {"object": "document", "id": w.id, "action": w.action, "index_version": w.index_version,
            "chunks": w.chunks, "seconds": round(w.seconds, 3)}
