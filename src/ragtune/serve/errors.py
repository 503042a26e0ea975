"""Errors in OpenAI's shape (`{"error": {"message", "type", "param", "code"}}`) with the right status, so
OpenAI's clients raise their usual exceptions; nothing of a stack trace, a path or a key reaches a client."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ragtune.errors import DocumentNotFound, RagtuneError

log = logging.getLogger("ragtune.serve")
TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error", 404: "not_found_error",
         405: "invalid_request_error",
         409: "invalid_request_error", 413: "invalid_request_error", 429: "rate_limit_error", 503: "service_unavailable"}


class ApiError(Exception):
    """An error the API answers with: status, message and OpenAI's `code` and `param`."""

    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.headers = status, message, code, param, headers


def error_response(status: int, message: str, code: str | None = None, param: str | None = None,
                   headers: dict | None = None) -> JSONResponse:
    body = {"error": {"message": message, "type": TYPES.get(status, "server_error"), "param": param, "code": code}}
    return JSONResponse(body, status_code=status, headers=headers)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, e: ApiError) -> JSONResponse:
        return error_response(e.status, e.message, e.code, e.param, e.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, e: RequestValidationError) -> JSONResponse:
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        return error_response(400, f"{where or 'body'}: {first.get('msg', 'invalid request')}", "invalid_request",
                              where or None)

    @app.exception_handler(HTTPException)
    async def http(_: Request, e: HTTPException) -> JSONResponse:
        return error_response(e.status_code, str(e.detail), headers=dict(e.headers or {}) or None)  # 405: Allow

    @app.exception_handler(DocumentNotFound)
    async def no_document(_: Request, e: DocumentNotFound) -> JSONResponse:
        return error_response(404, str(e), "document_not_found")

    @app.exception_handler(RagtuneError)
    async def user_error(_: Request, e: RagtuneError) -> JSONResponse:
        return error_response(400, str(e))

    @app.exception_handler(Exception)
    async def unexpected(_: Request, e: Exception) -> JSONResponse:
        log.exception("request failed")  # the trace goes to the server's log, never to the client
        return error_response(500, "the server could not answer this request; see its log.", "internal_error")
