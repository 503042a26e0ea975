"""`ragtune serve`: the project's variants behind an OpenAI-compatible API (README, Serve)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

import typer

from ragtune.cli.terminal import ProjectOpt, console, fail, open_project


def serve(
    host: Optional[str] = typer.Option(None, "--host", help="Address to listen on (default: [serve] host, "
                                                            "127.0.0.1). Without API keys, loopback only."),
    port: Optional[int] = typer.Option(None, "--port", min=1, max=65535, help="Port (default: [serve] port, 8000)."),
    variants: Optional[str] = typer.Option(None, "--variants", help="Comma-separated variants to serve as models "
                                                                    "(default: every one the project can run)."),
    documents: Optional[Path] = typer.Option(None, "--documents", help="The folder behind /v1/documents (default: "
                                             "[serve] documents, else the folder last ingested)."),
    project: Path = ProjectOpt,
) -> None:
    """Serve every variant as a model of an OpenAI-compatible API (/v1/chat/completions, /v1/models,
    /v1/embeddings), plus /v1/retrieve, /v1/documents (live updates), /metrics and a web page at /.
    API keys: the variable named by [serve] api_key_env."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from ragtune.serve.app import create_app, run_server
    from ragtune.serve.guard import api_keys, check_binding

    proj = open_project(project)
    s = proj.settings.serve
    host, port = host or s.host, port or s.port
    keys = api_keys(s.api_key_env)
    check_binding(host, keys, s.api_key_env)
    names = [v.strip() for v in variants.split(",") if v.strip()] if variants else None
    if documents is not None and not documents.is_dir():
        fail(f"--documents {documents}: no such folder")
    console.print("Loading the variants and syncing the documents folder ...")
    app = create_app(proj, s, names, documents)
    served = app.state.served
    console.print(f"ragtune serve: the page at http://{host}:{port}/ , the API at http://{host}:{port}/v1 "
                  + (f"({len(keys)} API key(s) from ${s.api_key_env})" if keys else
                     f"(no API keys: loopback only; set ${s.api_key_env} to require keys)"))
    console.print(f"Variants: {', '.join(served.answerers)}. Documents: "
                  + (str(served.documents.folder) if served.documents else served.documents_off))
    run_server(app, host, port)
