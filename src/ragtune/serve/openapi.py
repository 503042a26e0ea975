"""The API's own description at /openapi.json (behind the key, like every route but the page): FastAPI's
schema with what the server really answers added, so a client generator or a fuzzer (schemathesis) knows
every status: OpenAI's error body on each error status, the document upload's two bodies (JSON text, or a
file's bytes), and /metrics as Prometheus text."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

ERROR_BODY = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["message", "type"],
    "properties": {"message": {"type": "string"}, "type": {"type": "string"},
                   "param": {"type": ["string", "null"]}, "code": {"type": ["string", "null"]}}}}}
ERRORS = {"400": "the request is malformed, or names something that does not exist in it",
          "401": "no valid API key (`Authorization: Bearer <key>`)", "403": "the key lacks the scope",
          "404": "no such variant, document or file", "405": "the method is not allowed here",
          "409": "documents cannot be changed here", "413": "the body is over the size limit",
          "429": "the queue is full: retry after `Retry-After` seconds", "503": "overloaded or shutting down"}
UPLOAD = {"required": True, "content": {
    "application/json": {"schema": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}},
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}


def describe_api(app: FastAPI) -> dict[str, Any]:
    """The schema, built once: every operation declares the error statuses with OpenAI's error body."""
    if app.openapi_schema is None:
        schema = get_openapi(title="ragtune", version="1", routes=app.routes,
                             description="OpenAI-compatible answers over a ragtune project (README, Serve).")
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_BODY
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                responses.pop("422", None)  # validation errors are answered 400, in OpenAI's shape
                for status, why in ERRORS.items():
                    responses.setdefault(status, {"description": why, "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
                if method == "put" and path.startswith("/v1/documents/"):
                    operation["requestBody"] = UPLOAD
                if path == "/metrics":
                    responses["200"] = {"description": "Prometheus text format",
                                        "content": {"text/plain": {"schema": {"type": "string"}}}}
        app.openapi_schema = schema
    return app.openapi_schema
