"""Writing a `Page` as a file: markdown, plain text, HTML, PDF (fpdf2) or lines of a JSONL file.

All output is deterministic: no timestamps except the PDF creation date, which is fixed.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Sequence

from page import Block, Bullets, Heading, Page, PageBreak, Para, Table

PDF_DATE = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
SITE_NAV = ("Bikes", "Accessories", "Support", "About us")


def to_markdown(page: Page) -> str:
    parts = [f"# {page.title}"]
    for block in page.blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Para):
            parts.append(block.text)
        elif isinstance(block, Bullets):
            parts.append(_list_lines(block))
        elif isinstance(block, Table):
            lines = [_pipe_row(block.header), _pipe_row(["---"] * len(block.header))]
            parts.append("\n".join(lines + [_pipe_row(r) for r in block.rows]))
    return "\n\n".join(parts) + "\n"


def to_text(page: Page) -> str:
    parts: list[str] = []
    for block in page.blocks:
        if isinstance(block, Heading):
            parts.append(block.text.upper() if block.level <= 2 else block.text)
        elif isinstance(block, Para):
            parts.append(block.text)
        elif isinstance(block, Bullets):
            parts.append(_list_lines(block))
        elif isinstance(block, Table):
            parts.append("\n".join(_text_row(block.header, r) for r in block.rows))
    return f"{page.title}\n{'=' * len(page.title)}\n\n" + "\n\n".join(parts) + "\n"


def to_html(page: Page) -> str:
    e = html.escape
    nav = "".join(f'<li><a href="#">{e(item)}</a></li>' for item in SITE_NAV)
    body = [f"<h1>{e(page.title)}</h1>"]
    for block in page.blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{e(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            body.append(f"<p>{e(block.text)}</p>")
        elif isinstance(block, Bullets):
            tag = "ol" if block.ordered else "ul"
            body.append(f"<{tag}>" + "".join(f"<li>{e(i)}</li>" for i in block.items) + f"</{tag}>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{e(h)}</th>" for h in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in block.rows)
            body.append(f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{rows}</tbody>\n</table>")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>{e(page.title)} | Quellmoor Cycles</title>\n<style>body{{font-family:sans-serif;max-width:48em}}"
        "</style>\n</head>\n<body>\n"
        f"<nav><ul>{nav}</ul></nav>\n<main>\n" + "\n".join(body) + "\n</main>\n"
        "<footer><p>Quellmoor Cycles, Ghent</p></footer>\n</body>\n</html>\n"
    )


def to_pdf(page: Page) -> bytes:
    """A multi-page PDF: a `PageBreak` block starts a new page. Core fonts are latin-1 only."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(_latin1(page.title))
    pdf.set_author("Quellmoor Cycles")
    pdf.set_creation_date(PDF_DATE)
    pdf.set_producer("examples/kb/generate.py")  # not fpdf2's version string: same bytes across fpdf2 releases
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 10, _latin1(page.title), new_x="LMARGIN", new_y="NEXT")
    for block in page.blocks:
        _pdf_block(pdf, block)
    return bytes(pdf.output())


def to_jsonl(records: Sequence[Page]) -> str:
    """One `{"id", "text", "title"}` line per record; the record's path is its document id."""
    lines = []
    for rec in records:
        text = to_markdown(rec).split("\n\n", 1)[1].strip()  # the title travels in its own field
        lines.append(json.dumps({"id": rec.path, "text": text, "title": rec.title}, ensure_ascii=False))
    return "\n".join(lines) + "\n"


def _pdf_block(pdf, block: Block) -> None:
    if isinstance(block, PageBreak):
        pdf.add_page()
        return
    if isinstance(block, Heading):
        pdf.set_font("Helvetica", "B", 14 if block.level <= 2 else 12)
        pdf.ln(2)
        pdf.multi_cell(0, 8, _latin1(block.text), new_x="LMARGIN", new_y="NEXT")
        return
    pdf.set_font("Helvetica", size=11)
    if isinstance(block, Para):
        lines = [block.text]
    elif isinstance(block, Bullets):
        lines = [f"- {item}" for item in block.items]
    else:
        lines = [_text_row(block.header, r) for r in block.rows]
    for line in lines:
        pdf.multi_cell(0, 6, _latin1(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _latin1(text: str) -> str:
    text = text.replace("€", "EUR ").replace("–", "-").replace("’", "'").replace("—", "-")
    text.encode("latin-1")  # fails loudly rather than writing a broken glyph
    return text


def _list_lines(block: Bullets) -> str:
    return "\n".join(f"{n}. {i}" if block.ordered else f"- {i}" for n, i in enumerate(block.items, start=1))


def _pipe_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _text_row(header: Sequence[str], row: Sequence[str]) -> str:
    pairs = "; ".join(f"{h.lower()} {c}" for h, c in zip(header[1:], row[1:]))
    return f"{row[0]}: {pairs}"
