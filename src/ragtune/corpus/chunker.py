"""Documents -> chunks that never exceed the embedder's token limit.

Pieces (sentences, table rows, headings; see `pieces.py`) are counted once and packed greedily by
their summed counts; a chunk ends at the strongest boundary in its second half (section, then
paragraph, then sentence). Every chunk is then counted once as a whole: subword merges can make
a chunk longer than its parts, so one over the limit gives back pieces until it fits (the **hard
cap**). The next chunk starts with about `overlap` tokens of the previous one's tail, at sentence
or word boundaries. A chunk that starts inside a table repeats the table's header rows.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, Callable, Sequence

from ragtune.corpus.document import Chunk, Document
from ragtune.corpus.pieces import SECTION, Layout, Table, split_pieces

_SPACE = re.compile(r"\s+")


def chunk_document(
    doc: Document,
    count_tokens: Callable[[str], int],
    max_tokens: int = 256,
    overlap: int = 32,
    *,
    count_tokens_batch: Callable[[Sequence[str]], list[int]] | None = None,
) -> list[Chunk]:
    """Cut `doc` into chunks of at most `max_tokens` tokens by `count_tokens` (special tokens excluded).

    `count_tokens_batch`, when given, counts many texts in one call (faster with a Rust tokenizer).
    `overlap` is capped at half of `max_tokens`. An empty document gives no chunks.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {max_tokens}")
    if overlap < 0:
        raise ValueError(f"overlap must be 0 or more, got {overlap}")
    batch = count_tokens_batch or (lambda texts: [count_tokens(t) for t in texts])
    layout = split_pieces(doc.text, batch, max_tokens)
    if not layout.pieces:
        return []
    spans = _pack(doc.text, layout, count_tokens, batch, max_tokens, min(overlap, max_tokens // 2))
    heading_starts = [offset for offset, _ in layout.headings]
    return [_make_chunk(doc, layout, heading_starts, i, span) for i, span in enumerate(spans)]


def make_chunker(embedder: Any, max_tokens: int = 256, overlap: int = 32) -> Callable[[Document], list[Chunk]]:
    """A document -> chunks function counting with `embedder.count_tokens` (and `count_tokens_batch` if it has one)."""
    count = embedder.count_tokens
    batch = getattr(embedder, "count_tokens_batch", None)

    def chunker(doc: Document) -> list[Chunk]:
        return chunk_document(doc, count, max_tokens, overlap, count_tokens_batch=batch)

    return chunker


@dataclass(frozen=True, slots=True)
class _Span:
    """One chunk: `header + "\\n" + text[start:end]` (no header: just the slice); `first` is its first new piece."""

    start: int
    end: int
    header: str
    first: int
    tail: tuple[int, int] | None  # the overlap it starts with: (offset, estimated tokens)


def _pack(text: str, layout: Layout, count, batch, max_tokens: int, overlap: int) -> list[_Span]:
    """Pack by summed counts and verify all chunks in one batch; from the first one over the limit, pack again
    verifying each chunk as it is made (rare: only subword merges across piece boundaries get there)."""
    spans = _greedy(text, layout, None, max_tokens, overlap, 0, None)
    counts = batch([_span_text(text, s) for s in spans])
    bad = next((n for n, c in enumerate(counts) if c > max_tokens), None)
    if bad is None:
        return spans
    return spans[:bad] + _greedy(text, layout, count, max_tokens, overlap, spans[bad].first, spans[bad].tail)


def _greedy(text, layout: Layout, count, max_tokens: int, overlap: int, i: int, tail) -> list[_Span]:
    """Chunks from piece `i` on; with `count`, each is counted and shrunk until it fits."""
    pieces = layout.pieces
    cum = [0, *accumulate(p.tokens for p in pieces)]
    table_starts = [t.body_start for t in layout.tables]
    out: list[_Span] = []
    while i < len(pieces):
        start, header, j, budget = _plan(layout, table_starts, cum, max_tokens, i, tail)
        end = best = _best_break(pieces, cum, i, j, budget)
        if count is not None:
            end = _fit(text, pieces, count, max_tokens, i, best, start, header)
            while end == i and start < pieces[i].start:  # not even one piece fits: shrink the overlap by a word
                gap = _SPACE.search(text, start, pieces[i].start)
                start = gap.end() if gap else pieces[i].start
                end = _fit(text, pieces, count, max_tokens, i, best, start, header)
            if end == i and header:
                header = ""
                end = _fit(text, pieces, count, max_tokens, i, best, start, header)
            if end == i:
                raise ValueError("count_tokens gave different counts for the same text; it must be deterministic")
        out.append(_Span(start, pieces[end - 1].end, header, i, tail))
        tail = None
        if end < len(pieces) and pieces[end].brk < SECTION:  # a new section starts at its heading, no overlap
            # leave room for the next piece (and its table header): a smaller overlap beats none
            header_tokens = _header_options(layout.tables, table_starts, pieces[end].start, max_tokens)[0][1]
            room = min(overlap, max_tokens - pieces[end].tokens - header_tokens)
            tail = _overlap_tail(text, pieces, i, end, room)
        i = end
    return out


def _span_text(text: str, span: _Span) -> str:
    body = text[span.start : span.end]
    return f"{span.header}\n{body}" if span.header else body


def _plan(layout: Layout, table_starts, cum, max_tokens: int, i: int, tail) -> tuple[int, str, int, int]:
    """Start, header, the greedy end by summed counts, and the token budget for new pieces.

    Tries overlap + table header, then fewer of them, until at least one new piece fits.
    """
    starts = ([tail] if tail else []) + [(layout.pieces[i].start, 0)]
    for start, start_tokens in starts:
        for header, header_tokens in _header_options(layout.tables, table_starts, start, max_tokens):
            budget = max_tokens - start_tokens - header_tokens
            j = bisect.bisect_right(cum, cum[i] + budget, lo=i + 1) - 1
            if j > i:
                return start, header, j, budget
    raise AssertionError("unreachable: split_pieces caps every piece at max_tokens")


def _header_options(tables: list[Table], table_starts: list[int], start: int, max_tokens: int) -> list[tuple[str, int]]:
    """With the table header (if `start` is inside a table body and the header is at most half the limit), then without."""
    k = bisect.bisect_right(table_starts, start) - 1
    if k >= 0 and start < tables[k].end and tables[k].tokens <= max_tokens // 2:
        return [(tables[k].header, tables[k].tokens + 1), ("", 0)]
    return [("", 0)]


def _best_break(pieces, cum, i: int, j: int, budget: int) -> int:
    """End the chunk before the strongest boundary among the pieces that fill its second half."""
    if j >= len(pieces):
        return j
    best, best_brk = j, pieces[j].brk
    half = cum[i] + budget // 2
    for k in range(j - 1, i, -1):
        if cum[k] < half:
            break
        if pieces[k].brk > best_brk:
            best, best_brk = k, pieces[k].brk
    return best


def _fit(text, pieces, count, max_tokens: int, i: int, end: int, start: int, header: str) -> int:
    """The largest end <= `end` whose chunk really counts at most `max_tokens`; `i` if none does."""

    def fits(e: int) -> bool:
        body = text[start : pieces[e - 1].end]
        return count(f"{header}\n{body}" if header else body) <= max_tokens

    if fits(end):
        return end
    lo, hi = i, end - 1  # invariant: lo fits (or is i), hi + 1 does not
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _overlap_tail(text: str, pieces, i: int, end: int, overlap: int) -> tuple[int, int] | None:
    """Start offset and tokens of about `overlap` tokens ending the chunk pieces[i:end]: whole pieces, then words.

    Words are not counted: their tokens are estimated from their share of their piece's characters
    (the chunk is counted as a whole anyway). The chunk's first piece is at most partly repeated.
    """
    if overlap <= 0:
        return None
    k, tokens = end, 0
    while k - 1 > i and tokens + pieces[k - 1].tokens <= overlap:
        k -= 1
        tokens += pieces[k].tokens
    start = pieces[k].start if k < end else None
    p = pieces[k - 1]
    if tokens < overlap and k - 1 >= i and not p.table and p.end > p.start:
        chars = (overlap - tokens) * (p.end - p.start) // max(p.tokens, 1)  # characters worth the missing tokens
        cut = text.find(" ", max(p.end - chars, p.start) - 1, p.end)  # next word boundary
        if cut >= 0:
            while cut < p.end and text[cut].isspace():
                cut += 1
            if p.start < cut < p.end:
                tokens += math.ceil(p.tokens * (p.end - cut) / (p.end - p.start))
                start = cut
    return (start, tokens) if start is not None else None


def _make_chunk(doc: Document, layout: Layout, heading_starts: list[int], index: int, span: _Span) -> Chunk:
    start = span.start
    metadata = dict(doc.metadata)
    h = bisect.bisect_right(heading_starts, start) - 1
    if h >= 0:
        metadata["heading"] = layout.headings[h][1]
    if doc.page_starts:
        metadata["page"] = max(1, bisect.bisect_right(doc.page_starts, start))
    return Chunk(
        id=f"{doc.id}#{index}",
        doc_id=doc.id,
        index=index,
        text=_span_text(doc.text, span),
        title=doc.title,
        metadata=metadata,
    )
