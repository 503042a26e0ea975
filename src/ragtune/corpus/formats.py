"""One reader per file format: raw bytes -> normalised markdown-like text, a title and PDF page offsets.

Every reader returns the same shape (`Parsed`) so the loader and the chunker never care about formats;
a file that cannot become a document raises `UnreadableDocument` with the reason the user will see.
"""

from __future__ import annotations

import codecs
import io
import logging
import re
from dataclasses import dataclass
from typing import Callable

from ragtune.errors import UnreadableDocument
from ragtune.corpus.html_markdown import html_to_markdown

MAX_TITLE_CHARS = 120
_UTF8_BOM = codecs.BOM_UTF8
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_ATX_H1 = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
_SETEXT = re.compile(r"^([^\s#>|\-*+=][^\n]*)\n(=+|-{3,})[ \t]*$", re.MULTILINE)
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


@dataclass(frozen=True)
class Parsed:
    """What a reader extracts from one file."""

    text: str
    title: str
    page_starts: tuple[int, ...] = ()


def decode_text(data: bytes, fallback_encoding: str | None = None) -> str:
    """Bytes -> str with `\\n` line ends; refuses binary data and invalid UTF-8 with a reason that names the byte."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _normalise_newlines(data.decode("utf-16"))
        except UnicodeDecodeError as e:
            raise UnreadableDocument(f"invalid UTF-16 at byte offset {e.start}: save the file as UTF-8") from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise UnreadableDocument(
            f"binary file (NUL byte at offset {nul}): only text, markdown, HTML, PDF and JSONL files are read"
        )
    skip = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as e:
        if fallback_encoding:
            try:
                return _normalise_newlines(data.decode(fallback_encoding))
            except (LookupError, UnicodeDecodeError):
                pass
        raise UnreadableDocument(f"invalid UTF-8 at byte offset {e.start + skip}: save the file as UTF-8") from None
    return _normalise_newlines(text)


def read_text(data: bytes, stem: str) -> Parsed:
    text = _require_text(decode_text(data), "empty file (no text)")
    return Parsed(text, first_line_title(text, stem))


def read_markdown(data: bytes, stem: str) -> Parsed:
    """Markdown is the normal form already; setext headings become `#` headings so the chunker sees them."""
    text = decode_text(data)
    text = _SETEXT.sub(lambda m: ("# " if m.group(2)[0] == "=" else "## ") + m.group(1).strip(), text)
    text = _require_text(text, "empty file (no text)")
    h1 = _ATX_H1.search(text)
    return Parsed(text, h1.group(1).strip() if h1 else stem)


def read_html(data: bytes, stem: str) -> Parsed:
    """HTML -> markdown via BeautifulSoup; a non-UTF-8 page is decoded with the charset its <meta> declares."""
    declared = _META_CHARSET.search(data[:4096])
    text, title = html_to_markdown(decode_text(data, declared.group(1).decode("ascii") if declared else None))
    text = _require_text(text, "no visible text in the HTML page")
    return Parsed(text, title or stem)


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
