"""Who may call, and how much: API keys compared in constant time, loopback-only without keys, and a body
size limit enforced while the body arrives (a missing or false Content-Length does not get past it)."""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
from dataclasses import dataclass

from ragtune.errors import ConfigError
from ragtune.retrieve.filters import parse_filter
from ragtune.serve.errors import error_response


SCOPES = ("read", "write", "admin")  # read: models, chat, retrieve, embeddings, the documents' list; write:
# documents; admin: metrics


@dataclass(frozen=True)
class Key:
    """What a key may do: its scopes, and the documents it may see (one filter, as `ragtune ask --filter`
    takes it, e.g. "doc_id^=team-a/" or "team=a"; None: every document)."""

    scopes: frozenset[str] = frozenset(SCOPES)
    documents: str | None = None


def api_keys(env: str) -> dict[str, Key]:
    """The accepted keys from the environment variable named `env`: comma-separated keys (each with every
    scope), or JSON `{"<key>": {"scopes": ["read"], "documents": "doc_id^=team-a/"}, ...}`; empty: no keys.
    The keys live only in the environment, never in a file of the project."""
    raw = os.environ.get(env, "").strip()
    if not raw.startswith("{"):
        return {k.strip(): Key() for k in raw.split(",") if k.strip()}
    try:
        given = json.loads(raw)
        keys = {str(k): Key(frozenset(v.get("scopes", SCOPES)), v.get("documents") or None) for k, v in given.items()}
    except (ValueError, AttributeError, TypeError) as e:
        raise ConfigError(f"{env}: not a JSON object of keys, each {{\"scopes\": [...], \"documents\": "
                          "\"filter\"}; or give comma-separated keys.") from e
    for key in keys.values():
        if not key.scopes or not key.scopes <= set(SCOPES):
            raise ConfigError(f"{env}: each key's scopes are some of {', '.join(SCOPES)}.")
        if key.documents is not None:
            parse_filter(key.documents)  # a FilterError says what is wrong with it
    return keys


def key_of(header: str | None, keys: dict[str, Key]) -> Key | None:
    """The key `Authorization: Bearer <key>` names (the scheme is required), compared with every key in
    constant time; None for a missing or unknown key."""
    scheme, _, given = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return None
    found = None
    for key, what in keys.items():
        if hmac.compare_digest(given.strip().encode(), key.encode()):
            found = what
    return found


def scope_of(method: str, path: str) -> str:
    """The scope a request needs."""
    if path.startswith("/v1/documents/") and method in ("PUT", "DELETE"):
        return "write"
    if path == "/metrics":
        return "admin"
    return "read"


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


class BodyLimit:
    """ASGI middleware: 413 for a request body over `limit` bytes (`upload_limit` under `upload_prefix`, where
    documents are uploaded), by its Content-Length or, chunked or lying, as it arrives: the body is read here
    up to the limit before the app sees any of it, so no route (nor FastAPI's body parser, which would answer
    400 or 500) ever meets a body cut short."""

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
        parts, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: let the app see it as it would
                return await self.app(scope, _replay([], message, receive), send)
            parts.append(message.get("body", b""))
            seen += len(parts[-1])
            if seen > limit:
                return await self._refuse(limit, scope, receive, send)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(parts, None, receive), send)

    async def _refuse(self, limit: int, scope, receive, send):
        setting = "max_upload_bytes" if limit != self.default else "max_body_bytes"
        response = error_response(413, f"the request body is over {limit} bytes ([serve] {setting}).",
                                  "request_too_large")
        await response(scope, receive, send)


def _replay(parts: list[bytes], first: dict | None, receive):
    """The body read so far as one message, then the connection's own messages (a disconnect, later)."""
    pending = [first] if first is not None else [{"type": "http.request", "body": b"".join(parts), "more_body": False}]

    async def replayed():
        return pending.pop(0) if pending else await receive()
    return replayed
