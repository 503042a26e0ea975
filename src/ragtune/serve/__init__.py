"""`ragtune serve`: the project's variants behind an OpenAI-compatible HTTP API (FastAPI), a thin layer over
the variant seam: a request names a variant as its `model`, and its `Answerer` answers (`app.py`)."""

from ragtune.serve.app import create_app

__all__ = ["create_app"]
