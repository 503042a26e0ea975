"""Documents per team: a key with a document scope (`guard.Key.documents`, one filter such as
"doc_id^=team-a/") sees only those documents, in every route: the passages and citations of an answer, the
hits of /v1/retrieve, the names in /v1/documents; it writes only under its prefix. Variants that learned
from every document (an adapter) and the raw weights models are not offered to it, and neither is the report
(it quotes every question's passages)."""

from __future__ import annotations

from fastapi import Request

from ragtune.retrieve.filters import parse_filter, prefilter
from ragtune.serve.errors import ApiError
from ragtune.serve.state import Served
from ragtune.variants import Answerer, answerer

WRITABLE_KEYS = ("doc_id", "path")  # a scope on these names a prefix a new document's id can be checked against


def documents_of(request: Request) -> str | None:
    """The document scope of the request's key (None: every document, or no keys at all)."""
    key = getattr(request.state, "key", None)
    return key.documents if key is not None else None


def visible_answerers(s: Served, documents: str | None) -> dict[str, Answerer]:
    """The variants a key with this scope may ask: all of them, or those whose weights learned nothing."""
    return s.answerers if documents is None else {n: a for n, a in s.answerers.items() if a.adapter is None}


def scoped_answerer(s: Served, name: str, documents: str | None) -> Answerer:
    """The variant `name` retrieving only within `documents` (built once per scope and variant)."""
    if documents is None:
        return s.answerers[name]
    if name not in visible_answerers(s, documents):
        raise ApiError(403, f"{name!r} learned from every document (a trained adapter); this key sees only some "
                            "of them, so it may ask variants without an adapter.", "insufficient_scope", "model")
    key = (name, documents)
    if key not in s.scoped:
        base = s.answerers[name]
        s.scoped[key] = base if not base.retrieval else answerer(s.proj, name, filters=[documents])
    return s.scoped[key]


def allowed_documents(s: Served, documents: str | None) -> set[str] | None:
    """The doc ids of the index this scope may see (None: all)."""
    if documents is None:
        return None
    where = prefilter(s.proj.index, [documents]).sql()
    return set(s.proj.index.scan(["doc_id"], where).column("doc_id").to_pylist())


def check_writable(documents: str | None, doc_id: str) -> None:
    """A scoped key writes only documents under its prefix."""
    if documents is None:
        return
    f = parse_filter(documents)
    if f.key not in WRITABLE_KEYS or f.op not in ("^=", "=") or not (
            doc_id.startswith(f.value) if f.op == "^=" else doc_id == f.value):
        raise ApiError(403, f"this key writes only documents it sees ({documents}); {doc_id!r} is not one of them.",
                       "insufficient_scope", "doc_id")
