"""The two units of the corpus: a loaded `Document` and the `Chunk`s cut from it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any


def content_hash(*parts: str) -> str:
    """A short, stable sha256 of the given strings (used to detect changed documents and chunks)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class Document:
    """One source document. `id` is stable: the path relative to the corpus root, or the JSONL `id`.

    `text` is normalised markdown-like text: headings as `# ...` lines and tables as markdown
    pipe tables whatever the source format, so one chunker serves every format.
    `page_starts[i]` is the character offset where page i+1 begins (PDF only), so chunks can cite pages.
    """

    id: str
    text: str
    title: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    page_starts: tuple[int, ...] = ()

    @property
    def hash(self) -> str:
        meta = json.dumps(self.metadata, sort_keys=True, default=str)
        return content_hash(self.id, self.title, meta, self.text)


@dataclass(frozen=True)
class Chunk:
    """A piece of a document small enough to embed (at most the chunker's token limit).

    `id` is `"{doc_id}#{index}"`. `metadata` holds the document's metadata plus `heading`
    (nearest heading above the chunk, if any) and `page` (first PDF page the chunk touches).
    """

    id: str
    doc_id: str
    index: int
    text: str
    title: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def hash(self) -> str:
        meta = json.dumps(self.metadata, sort_keys=True, default=str)
        return content_hash(self.title, meta, self.text)
