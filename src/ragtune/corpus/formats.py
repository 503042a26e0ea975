"""One reader per file format: raw bytes -> normalised markdown-like text, a title and PDF page offsets.

Every reader returns the same shape (`Parsed`) so the loader and the chunker never care about formats;
a file that cannot become a document raises `UnreadableDocument` with the reason the user will see.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Callable

from ragtune.errors import UnreadableDocument
from ragtune.corpus.encoding import UTF8, Decoded, decode
from ragtune.corpus.html_markdown import html_to_markdown

MAX_TITLE_CHARS = 120
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_ATX_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_SETEXT = re.compile(r"^([^\s#>|\-*+=][^\n]*)\n(=+|-{3,})[ \t]*$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


@dataclass(frozen=True)
class Parsed:
    """What a reader extracts from one file; `encoding` is what a text file was read as (a PDF: UTF-8)."""

    text: str
    title: str
    page_starts: tuple[int, ...] = ()
    encoding: str = UTF8


def decode_text(data: bytes, fallback_encoding: str | None = None) -> Decoded:
    """Bytes -> text with `\\n` line ends and the encoding it was read as (`ragtune.corpus.encoding`: UTF-8
    first, then `fallback_encoding`, then detection); binary or undecidable bytes are refused with the reason."""
    decoded = decode(data, fallback_encoding)
    return Decoded(_normalise_newlines(decoded.text), decoded.encoding)


def read_text(data: bytes, stem: str) -> Parsed:
    decoded = decode_text(data)
    text = _require_text(decoded.text, "empty file (no text)")
    return Parsed(text, first_line_title(text, stem), encoding=decoded.encoding)


def read_markdown(data: bytes, stem: str) -> Parsed:
    """Markdown is the normal form already; setext headings become `#` headings so the chunker sees them."""
    decoded = decode_text(data)
    text = _SETEXT.sub(lambda m: ("# " if m.group(2)[0] == "=" else "## ") + m.group(1).strip(), decoded.text)
    text = _require_text(text, "empty file (no text)")
    h1 = _ATX_H1.search(text)
    return Parsed(text, h1.group(1).strip() if h1 else stem, encoding=decoded.encoding)


def read_html(data: bytes, stem: str) -> Parsed:
    """HTML -> markdown via BeautifulSoup; a non-UTF-8 page is decoded with the charset its <meta> declares."""
    declared = _META_CHARSET.search(data[:4096])
    decoded = decode_text(data, declared.group(1).decode("ascii") if declared else None)
    text, title = html_to_markdown(decoded.text)
    text = _require_text(text, "no visible text in the HTML page")
    return Parsed(text, title or stem, encoding=decoded.encoding)


def read_pdf(data: bytes, stem: str) -> Parsed:
    """Text per page via pypdf; `page_starts` records where each page begins in the joined text."""
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # pypdf logs every recoverable oddity as a warning
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument("encrypted PDF: save an unencrypted copy")
        pages = [_clean_pdf_page(page.extract_text() or "") for page in reader.pages]
        meta_title = reader.metadata.title if reader.metadata is not None else None
    except UnreadableDocument:
        raise
    except Exception as e:  # pypdf raises many types (PdfReadError, ValueError, KeyError...) on broken files
        raise UnreadableDocument(f"not a valid PDF ({type(e).__name__}: {e}); the file may be corrupt or truncated") from None
    starts, parts, offset = [], [], 0
    for page in pages:
        starts.append(offset)
        parts.append(page)
        offset += len(page) + 2
    text = "\n\n".join(parts)
    if not text.strip():
        raise UnreadableDocument("PDF has no extractable text (a scanned PDF? run OCR on it first)")
    title = str(meta_title).strip() if meta_title else ""
    return Parsed(text, title if 0 < len(title) <= MAX_TITLE_CHARS else first_line_title(text, stem), tuple(starts))


def first_line_title(text: str, fallback: str) -> str:
    """The first non-empty line when it is short enough to be a title, else `fallback` (the file stem)."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= MAX_TITLE_CHARS else fallback
    return fallback


def _clean_pdf_page(text: str) -> str:
    text = _normalise_newlines(text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip()


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _require_text(text: str, reason: str) -> str:
    if not text.strip():
        raise UnreadableDocument(reason)
    return text


Reader = Callable[[bytes, str], Parsed]

# extension -> (metadata `source`, reader); JSONL holds many documents and has its own module.
READERS: dict[str, tuple[str, Reader]] = {
    ".txt": ("txt", read_text),
    ".md": ("md", read_markdown),
    ".markdown": ("md", read_markdown),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
    ".pdf": ("pdf", read_pdf),
}
