"""`create_app`: the server over a project, assembled once at start.

Read top to bottom: the variants are resolved (the variant seam, as `ragtune eval` does), the queue that
answers them starts, the documents folder is synced into the index (what a killed write left is undone),
then the middlewares (keys, body limits, metrics, optional CORS) and the routes: `answers.py` (OpenAI's
API and retrieval), `documents_api.py` (documents, the page, the report). The app takes the project over:
its embedder is wrapped so one thread at a time uses it (`state.SerializedEmbedder`).
"""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response

from ragtune.config import ServeSettings
from ragtune.models import load_embedder
from ragtune.project import Project
from ragtune.serve.answers import add_answer_routes
from ragtune.serve.batcher import Batcher
from ragtune.serve.documents import DocumentStore
from ragtune.serve.documents_api import add_document_routes, add_page_routes
from ragtune.serve.errors import error_response, install_handlers
from ragtune.serve.guard import BodyLimit, api_keys, key_of, scope_of
from ragtune.serve.metrics import Metrics
from ragtune.serve.openapi import describe_api
from ragtune.serve.state import Served, SerializedEmbedder
from ragtune.serve.weights import weights_models
from ragtune.variants import answerers, available_variants

OPEN_PATHS = ("/health", "/", "/static/")  # answered without a key: nothing of the project is in them


def create_app(proj: Project, settings: ServeSettings | None = None, names: list[str] | None = None,
               documents: Path | None = None) -> FastAPI:
    """The app for `proj`: every variant in `names` (else `[serve] variants`, else all the project can run);
    `documents` (else `[serve] documents`, else the folder last ingested) is the folder behind /v1/documents."""
    settings = settings or proj.settings.serve
    guarded = SerializedEmbedder(proj.embedder)
    proj.__dict__["embedder"] = guarded
    proj.index.embedder = guarded
    served = answerers(proj, names or settings.variants or available_variants(proj))
    store, off = _documents(proj, settings, documents)
    batcher = Batcher(settings.max_batch, settings.queue_size)
    metrics = Metrics(lambda: batcher.depth, lambda: proj.index.version)
    batcher.on_batch = lambda variant, size, _: metrics.batch_size.labels(variant).observe(size)
    keys = api_keys(settings.api_key_env)
    s = Served(proj, settings, served, batcher, metrics, store, off, bool(keys), weights_models(served))

    @asynccontextmanager
    async def lifespan(_: FastAPI):
        yield
        batcher.close()  # uvicorn has let the requests in flight finish; answer what is queued, then stop

    app = FastAPI(title="ragtune", docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=lifespan)
    app.openapi = lambda: describe_api(app)  # serve/openapi.py: every status the server answers
    app.state.served = s
    install_handlers(app)

    @app.middleware("http")
    async def authenticate_and_count(request: Request, call_next):
        start, path = time.perf_counter(), request.url.path
        key = key_of(request.headers.get("authorization"), keys) if keys else None
        request.state.key = key
        needed = scope_of(request.method, path)
        if keys and not _open(path) and key is None:
            response = error_response(401, "a valid API key is required: send `Authorization: Bearer <key>`.",
                                      "invalid_api_key")
        elif key is not None and needed not in key.scopes:
            response = error_response(403, f"this key may not do this: it needs the {needed} scope (the key has "
                                      f"{', '.join(sorted(key.scopes))}).", "insufficient_scope")
        else:
            response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        metrics.request(route, getattr(request.state, "variant", ""), response.status_code,
                        time.perf_counter() - start)
        return response

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes,
                       upload_prefix="/v1/documents/")
    if settings.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["authorization", "content-type"])

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "variants": list(served), "weights": list(s.weights), "index_version": proj.index.version,
                "queue_depth": batcher.depth, "auth_required": bool(keys)}

    @app.get("/metrics")
    def prometheus() -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    add_answer_routes(app, s)
    add_document_routes(app, s)
    add_page_routes(app, s)
    return app


def _open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith("/static/")


def _documents(proj: Project, settings: ServeSettings, folder: Path | None) -> tuple[DocumentStore | None, str]:
    """The documents store over the chosen folder, synced to it now; or None and why."""
    folder = folder or (proj.path(settings.documents) if settings.documents else proj.ingested_folder())
    if folder is None:
        return None, ("no documents folder: ingest a folder (`ragtune ingest FOLDER`), or set [serve] documents "
                      "or `ragtune serve --documents FOLDER`.")
    if not Path(folder).is_dir():
        return None, f"the documents folder {folder} does not exist; create it or set [serve] documents."
    store = DocumentStore(proj, Path(folder), load_embedder(proj.settings.models))
    store.recover()
    return store, ""


def run_server(app: FastAPI, host: str, port: int) -> None:
    """Serve until Ctrl-C or SIGTERM; uvicorn lets requests in flight finish (30 s at most) before it stops."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="info", server_header=False, timeout_graceful_shutdown=30)
