"""The columns of the `chunks` table and the build settings (embedder, chunking) recorded with it.

The settings live in the Arrow schema's metadata, so they are written in the same atomic commit
that creates (or rebuilds) the table: there is no sidecar file that could disagree with the data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any, Mapping

import pyarrow as pa

from ragtune.corpus.document import Chunk, Document
from ragtune.errors import CorruptIndexError

FORMAT = 1  # bump when the columns change; an older index then asks for a rebuild
META_KEY = b"ragtune"
# Columns a filter can name directly (everything else is looked up in the JSON `metadata`).
FILTER_COLUMNS = {"doc_id": "str", "path": "str", "title": "str", "heading": "str", "page": "int"}


@dataclass(frozen=True)
class IndexMeta:
    """What an index was built with; vectors are only comparable under the same embedder, and
    incremental sync only equals a clean rebuild under the same chunking."""

    embedder: str
    dim: int
    chunking: str = ""
    format: int = FORMAT

    def to_bytes(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True).encode()

    @classmethod
    def from_schema(cls, schema: pa.Schema) -> IndexMeta:
        raw = (schema.metadata or {}).get(META_KEY)
        if raw is None:
            raise CorruptIndexError("the table `chunks` has no ragtune settings: it was not made by ragtune. "
                                    "Point ragtune at another directory, or delete this one and ingest again.")
        try:
            data = json.loads(raw)
            return cls(embedder=str(data["embedder"]), dim=int(data["dim"]),
                       chunking=str(data.get("chunking", "")), format=int(data.get("format", 0)))
        except (ValueError, KeyError, TypeError) as e:
            raise CorruptIndexError(f"unreadable ragtune settings in the index ({e}); rebuild it "
                                    "(`ragtune ingest --rebuild`).") from e


def chunk_schema(meta: IndexMeta) -> pa.Schema:
    fields = [
        pa.field("id", pa.string(), nullable=False),
        pa.field("doc_id", pa.string(), nullable=False),
        pa.field("doc_hash", pa.string(), nullable=False),
        pa.field("chunk_hash", pa.string(), nullable=False),
        pa.field("n_chunks", pa.int32(), nullable=False),
        pa.field("idx", pa.int32(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("path", pa.string()),
        pa.field("heading", pa.string()),
        pa.field("page", pa.int32()),
        pa.field("text", pa.string()),
        pa.field("metadata", pa.string()),  # JSON object: the chunk's metadata
        pa.field("vector", pa.list_(pa.float32(), meta.dim)),
    ]
    return pa.schema(fields, metadata={META_KEY: meta.to_bytes()})


def _page(value: Any) -> int | None:
    try:
        return int(value) if value is not None and str(value).strip() != "" else None
    except (TypeError, ValueError):
        return None


def chunk_row(chunk: Chunk, doc: Document, n_chunks: int) -> dict[str, Any]:
    """The row of one chunk, vector excluded (added column-wise when the batch is written)."""
    meta: Mapping[str, Any] = chunk.metadata
    heading = meta.get("heading")
    return {
        "id": chunk.id,
        "doc_id": doc.id,
        "doc_hash": doc.hash,
        "chunk_hash": chunk.hash,
        "n_chunks": n_chunks,
        "idx": chunk.index,
        "title": chunk.title or doc.title,
        "path": str(meta.get("path") or doc.metadata.get("path") or doc.id),
        "heading": str(heading) if heading not in (None, "") else None,
        "page": _page(meta.get("page")),
        "text": chunk.text,
        "metadata": json.dumps(dict(meta), sort_keys=True, default=str, ensure_ascii=False),
    }


def rows_to_table(rows: list[dict[str, Any]], vectors, schema: pa.Schema) -> pa.Table:
    """An Arrow table of `rows` with `vectors` (float32, shape (len(rows), dim)) as the vector column."""
    columns = {name: [row[name] for row in rows] for name in schema.names if name != "vector"}
    dim = schema.field("vector").type.list_size
    flat = pa.array(vectors.astype("float32", copy=False).reshape(-1), pa.float32())
    columns["vector"] = pa.FixedSizeListArray.from_arrays(flat, dim)
    return pa.table(columns, schema=schema)
