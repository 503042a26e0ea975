"""JSONL corpora: one document per line, `{"id", "text", "title"?, "metadata"?}`.

A bad line is reported by its line number and the other lines are still loaded, so one stray
line in a million-line export does not lose the rest. A file in another encoding than UTF-8 is read
whole in the one `ragtune.corpus.encoding` detects, as a text file is.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from ragtune.corpus.document import Document
from ragtune.corpus.encoding import UTF8, decode
from ragtune.errors import UnreadableDocument

LINE_FORMAT = 'expected {"id": ..., "text": ..., "title"?: ..., "metadata"?: {...}}'


def read_jsonl(data: bytes, rel_path: str) -> tuple[list[Document], list[tuple[int, str]], str]:
    """The documents, the problems as (line number, reason) and the encoding the file was read as; the file's
    own path goes in metadata."""
    data, encoding = _as_utf8(data)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UnreadableDocument(f"binary file (NUL byte at offset {nul}), not JSON lines")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    docs: list[Document] = []
    problems: list[tuple[int, str]] = []
    first_line: dict[str, int] = {}
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            doc = _parse_line(raw, rel_path)
        except ValueError as e:
            problems.append((lineno, str(e)))
            continue
        if doc.id in first_line:
            problems.append((lineno, f"duplicate id {doc.id!r} (first on line {first_line[doc.id]}); line skipped"))
            continue
        first_line[doc.id] = lineno
        docs.append(doc)
    if not docs and not problems:
        raise UnreadableDocument("empty file (no JSON lines)")
    return docs, problems, encoding


def _as_utf8(data: bytes) -> tuple[bytes, str]:
    """The file as UTF-8 bytes and the encoding it was read as. UTF-8 stays as it is; bytes no encoding reads
    confidently stay too, so each line that is not UTF-8 is reported by its number, as before detection."""
    try:
        decoded = decode(data)
    except UnreadableDocument:
        return data, UTF8
    if decoded.encoding == UTF8:
        return data, UTF8
    return decoded.text.encode(UTF8), decoded.encoding


def _parse_line(raw: bytes, rel_path: str) -> Document:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"invalid UTF-8 at byte {e.start} of the line: save the file as UTF-8") from None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f"malformed JSON ({e.msg} at column {e.colno}); {LINE_FORMAT}") from None
    if not isinstance(obj, dict):
        raise ValueError(f"a JSON {type(obj).__name__}, not an object; {LINE_FORMAT}")
    doc_id = obj.get("id")
    if doc_id is None or (isinstance(doc_id, str) and not doc_id.strip()):
        raise ValueError(f'missing "id"; {LINE_FORMAT}')
    if isinstance(doc_id, bool) or not isinstance(doc_id, (str, int)):
        raise ValueError(f'"id" must be a string or an integer, got {type(doc_id).__name__}')
    text = obj.get("text")
    if text is None:
        raise ValueError(f'missing "text"; {LINE_FORMAT}')
    if not isinstance(text, str):
        raise ValueError(f'"text" must be a string, got {type(text).__name__}')
    if not text.strip():
        raise ValueError('empty "text"')
    title = obj.get("title") or ""
    if not isinstance(title, str):
        raise ValueError(f'"title" must be a string, got {type(title).__name__}')
    metadata: Any = obj.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise ValueError(f'"metadata" must be an object, got {type(metadata).__name__}')
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # `path` and `source` are ours (filters rely on them); every other metadata key is the user's
    return Document(
        id=str(doc_id),
        text=text,
        title=title.strip(),
        metadata={**metadata, "path": rel_path, "source": "jsonl"},
    )
