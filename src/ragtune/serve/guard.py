"""Who may call, and how much: API keys compared in constant time, loopback-only without keys, and a body
size limit enforced while the body arrives (a missing or false Content-Length does not get past it)."""

from __future__ import annotations

import hmac
import ipaddress
import os

from ragtune.errors import ConfigError
from ragtune.serve.errors import error_response


def api_keys(env: str) -> tuple[str, ...]:
    """The accepted keys from the environment variable named `env` (comma-separated; empty: no keys)."""
    return tuple(k.strip() for k in os.environ.get(env, "").split(",") if k.strip())


def key_ok(header: str | None, keys: tuple[str, ...]) -> bool:
    """`Authorization: Bearer <key>` names one of `keys`; every key is compared, in constant time."""
    given = (header or "").removeprefix("Bearer ").strip().encode()
    return bool(given) and any([hmac.compare_digest(given, k.encode()) for k in keys])


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_binding(host: str, keys: tuple[str, ...], env: str) -> None:
    """Without API keys the server may listen on a loopback address only."""
    if not keys and not is_loopback(host):
        raise ConfigError(f"no API keys, so ragtune serve listens on a loopback address only (not {host}): set "
                          f"{env} to one or more comma-separated keys, or use --host 127.0.0.1.")


class TooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: 413 for a request body over `limit` bytes (`upload_limit` under `upload_prefix`, where
    documents are uploaded), by its Content-Length or as it streams in."""

    def __init__(self, app, limit: int, upload_limit: int | None = None, upload_prefix: str | None = None):
        self.app, self.default, self.upload_limit, self.upload_prefix = app, limit, upload_limit, upload_prefix

    def _limit(self, scope) -> int:
        if self.upload_prefix and self.upload_limit and scope.get("path", "").startswith(self.upload_prefix):
            return self.upload_limit
        return self.default

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self._limit(scope)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            return await self._refuse(limit, scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except TooLarge:
            await self._refuse(limit, scope, receive, send)

    async def _refuse(self, limit: int, scope, receive, send):
        setting = "max_upload_bytes" if limit != self.default else "max_body_bytes"
        response = error_response(413, f"the request body is over {limit} bytes ([serve] {setting}).",
                                  "request_too_large")
        await response(scope, receive, send)
