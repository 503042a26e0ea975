"""Cut a document's text into counted pieces, the units the chunker packs.

A piece is a sentence, a table row or a heading line (a word, or a run of characters, when a
sentence alone exceeds the token limit). Each records the strength of the boundary before it, so
the packer can prefer to end chunks at sections, then paragraphs, then sentences. Pieces are
spans of the original text without surrounding whitespace; together they hold every
non-whitespace character of the document. Each piece is counted once, in batches.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Sequence

CountBatch = Callable[[Sequence[str]], list[int]]

# boundary strengths, strongest first
SECTION, PARAGRAPH, SENTENCE, WORD, NONE = 4, 3, 2, 1, 0

_HEADING = re.compile(r"(#{1,6})[ \t]+(\S.*?)[ \t#]*$")
_FENCE = re.compile(r"(```|~~~)")
_TABLE_SEP = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_LIST_ITEM = re.compile(r"([-*+]|\d{1,3}[.)])[ \t]")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=\S)|[。！？]+\s*(?=\S)")
_ENDS_SENTENCE = re.compile(r"[.!?…:;。！？][\"'”’)\]]*$")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Piece:
    start: int
    end: int
    tokens: int
    brk: int  # strength of the boundary before this piece
    table: bool = False  # a table row or header: overlap takes it whole or not at all


@dataclass(frozen=True, slots=True)
class Table:
    """A markdown table: its header (header row + separator row) and where its body rows lie."""

    header: str
    body_start: int
    end: int
    tokens: int = 0


@dataclass(frozen=True)
class Layout:
    """A document cut for packing: its pieces in order, its headings and its tables."""

    pieces: list[Piece]
    headings: list[tuple[int, str]]  # (offset, heading text), in order
    tables: list[Table]


def split_pieces(text: str, count_batch: CountBatch, max_tokens: int) -> Layout:
    """Pieces of `text`, each at most `max_tokens` by `count_batch`, plus its headings and tables."""
    spans, headings, tables = _sentence_spans(text)
    texts = [text[s:e] for s, e, _, _ in spans] + [t.header for t in tables]
    counts = count_batch(texts) if texts else []
    tables = [Table(t.header, t.body_start, t.end, n) for t, n in zip(tables, counts[len(spans) :])]
    pieces: list[Piece] = []
    for (start, end, brk, table), tokens in zip(spans, counts):
        if tokens <= max_tokens:
            pieces.append(Piece(start, end, tokens, brk, table))
        else:
            pieces.extend(_split_words(text, start, end, brk, count_batch, max_tokens))
    return Layout(pieces, headings, tables)


def _sentence_spans(text: str) -> tuple[list[tuple[int, int, int, bool]], list[tuple[int, str]], list[Table]]:
    """(start, end, boundary, is table) of every sentence, heading line and table row; headings and tables found on the way."""
    lines = _lines(text)
    spans: list[tuple[int, int, int, bool]] = []
    headings: list[tuple[int, str]] = []
    tables: list[Table] = []
    in_fence = False
    prev_end = -1  # index into `lines` of the previous non-blank line, -1 at a paragraph start
    prev_text = ""
    i = 0
    while i < len(lines):
        start, end = lines[i]
        if start == end:  # blank line: next line starts a paragraph
            prev_end, i = -1, i + 1
            continue
        line = text[start:end]
        para_start = prev_end < 0
        if _FENCE.match(line):
            in_fence = not in_fence
        heading = None if in_fence else _HEADING.match(line)
        if heading:
            headings.append((start, heading.group(2)))
            spans.append((start, end, SECTION, False))
        elif not in_fence and "|" in line and i + 1 < len(lines) and _is_table_sep(text, lines[i + 1]):
            i = _table_spans(text, lines, i, para_start, spans, tables)
            prev_end, prev_text = i, "|"
            continue
        else:
            first = PARAGRAPH if para_start else _line_boundary(line, prev_text)
            _split_sentences(text, start, end, first, spans)
        prev_end, prev_text = i, line
        i += 1
    return spans, headings, tables


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line without its surrounding whitespace; blank lines as (x, x)."""
    out = []
    pos = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        lead = raw.find(stripped[0]) if stripped else 0
        out.append((pos + lead, pos + lead + len(stripped)))
        pos += len(raw) + 1
    return out


def _is_table_sep(text: str, span: tuple[int, int]) -> bool:
    line = text[span[0] : span[1]]
    return "|" in line and _TABLE_SEP.fullmatch(line) is not None


def _table_spans(
    text: str, lines: list[tuple[int, int]], i: int, para_start: bool, spans: list, tables: list[Table]
) -> int:
    """Header (2 lines) as one span, then one span per row; returns the index of the first line after it."""
    header_start, sep_end = lines[i][0], lines[i + 1][1]
    spans.append((header_start, sep_end, PARAGRAPH if para_start else SENTENCE, True))
    j = i + 2
    while j < len(lines) and lines[j][0] < lines[j][1] and "|" in text[lines[j][0] : lines[j][1]]:
        spans.append((lines[j][0], lines[j][1], SENTENCE, True))
        j += 1
    if j > i + 2:
        header = text[header_start:lines[i][1]] + "\n" + text[lines[i + 1][0] : sep_end]
        tables.append(Table(header, lines[i + 2][0], lines[j - 1][1]))
    return j


def _line_boundary(line: str, prev_line: str) -> int:
    """A line break inside a paragraph is a sentence boundary after a full stop or before a list item."""
    if _LIST_ITEM.match(line) or line.startswith("|") or _ENDS_SENTENCE.search(prev_line):
        return SENTENCE
    return WORD


def _split_sentences(text: str, start: int, end: int, first_brk: int, spans: list) -> None:
    """Sentence spans of one line: a split after . ! ? (and CJK full stops) followed by more text."""
    brk, pos = first_brk, start
    for m in _SENTENCE_END.finditer(text, start, end):
        stop = m.start() + len(m.group().rstrip())
        spans.append((pos, stop, brk, False))
        pos, brk = m.end(), SENTENCE
    spans.append((pos, end, brk, False))


def _split_words(text: str, start: int, end: int, brk: int, count_batch: CountBatch, max_tokens: int) -> list[Piece]:
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]
    counts = count_batch([text[s:e] for s, e in words])
    pieces = []
    for n, ((s, e), tokens) in enumerate(zip(words, counts)):
        b = brk if n == 0 else WORD
        if tokens <= max_tokens:
            pieces.append(Piece(s, e, tokens, b))
        else:
            pieces.extend(_split_chars(text, s, e, tokens, b, count_batch, max_tokens))
    return pieces


def _split_chars(text: str, start: int, end: int, tokens: int, brk: int, count_batch: CountBatch, max_tokens: int) -> list[Piece]:
    """A pathological word (no spaces, thousands of tokens) cut into runs of characters under the limit."""
    if end - start <= 1:
        raise ValueError(
            f"the character {text[start:end]!r} alone is {tokens} tokens, more than max_tokens={max_tokens}; "
            "raise max_tokens"
        )
    parts = min(end - start, max(2, math.ceil(tokens / (0.9 * max_tokens))))
    cuts = [start + (end - start) * k // parts for k in range(parts + 1)]
    bounds = [(a, b) for a, b in zip(cuts, cuts[1:]) if a < b]
    counts = count_batch([text[a:b] for a, b in bounds])
    pieces = []
    for n, ((a, b), t) in enumerate(zip(bounds, counts)):
        b_brk = brk if n == 0 else NONE
        if t <= max_tokens:
            pieces.append(Piece(a, b, t, b_brk))
        else:
            pieces.extend(_split_chars(text, a, b, t, b_brk, count_batch, max_tokens))
    return pieces
