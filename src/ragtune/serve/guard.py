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
    """ASGI middleware: 413 for a request body over `limit` bytes, by its Content-Length or as it streams in."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except TooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope, receive, send):
        response = error_response(413, f"the request body is over {self.limit} bytes ([serve] max_body_bytes).",
                                  "request_too_large")
        await response(scope, receive, send)
