"""HTML -> the corpus's markdown-like text: `#` headings, blank-line paragraphs, `- ` lists, pipe tables.

Uses BeautifulSoup with the builtin parser (no lxml needed). Page furniture (scripts, styles,
navigation) is dropped; every other visible text ends up in some block, so nothing is lost silently.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, CData, NavigableString, Tag

DROPPED = ["script", "style", "nav", "noscript", "template", "title", "svg", "iframe", "object", "canvas", "meta", "link"]
HEADINGS = {f"h{i}": i for i in range(1, 7)}
LISTS = {"ul", "ol", "menu"}
BLOCKS = {
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div", "dl",
    "dt", "fieldset", "figcaption", "figure", "footer", "form", "head", "header", "hgroup", "hr", "html", "li", "main",
    "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
} | set(HEADINGS) | LISTS
_SPACES = re.compile(r"\s+")


def html_to_markdown(html: str) -> tuple[str, str]:
    """Return (text, title): title from `<title>`, else the first `<h1>`, else ""."""
    soup = BeautifulSoup(html, "html.parser")
    title = _collapse(soup.title.get_text(" ")) if soup.title else ""
    for tag in soup.find_all(DROPPED):
        tag.decompose()
    if not title and (h1 := soup.find("h1")):
        title = _collapse(_inline_text(h1))
    blocks: list[str] = []
    _emit_blocks(soup, blocks)
    return "\n\n".join(blocks), title


def _emit_blocks(node: Tag, out: list[str]) -> None:
    """Append the blocks of `node`'s children; runs of inline content become one paragraph."""
    inline: list[str] = []
    for child in node.children:
        if isinstance(child, NavigableString):
            if _is_text(child):
                inline.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name == "br":
            inline.append("\n")
        elif name not in BLOCKS and child.find(BLOCKS) is None:
            inline.append(_inline_text(child))
        else:
            _flush_paragraph(inline, out)
            _emit_block(child, out)
    _flush_paragraph(inline, out)


def _emit_block(tag: Tag, out: list[str]) -> None:
    name = tag.name
    if name in HEADINGS:
        text = _collapse(_inline_text(tag))
        if text:
            out.append("#" * HEADINGS[name] + " " + text)
    elif name in LISTS:
        lines = _list_lines(tag, 0)
        if lines:
            out.append("\n".join(lines))
    elif name == "table":
        out.extend(_table_blocks(tag))
    elif name == "pre":
        code = tag.get_text().strip("\n")
        if code.strip():
            out.append(f"```\n{code}\n```")
    else:
        _emit_blocks(tag, out)


def _flush_paragraph(inline: list[str], out: list[str]) -> None:
    lines = (_collapse(line) for line in "".join(inline).split("\n"))
    # a paragraph line that starts with '#' would read as a heading to the chunker
    text = "\n".join("\\" + line if line.startswith("#") else line for line in lines if line)
    if text:
        out.append(text)
    inline.clear()


def _list_lines(lst: Tag, depth: int) -> list[str]:
    """`- item` lines, nested lists indented two spaces per level."""
    lines: list[str] = []
    for child in lst.children:
        if isinstance(child, NavigableString):
            if _is_text(child) and child.strip():
                lines.append("  " * depth + "- " + _collapse(str(child)))
            continue
        if not isinstance(child, Tag):
            continue
        if child.name in LISTS:
            lines.extend(_list_lines(child, depth + 1))
            continue
        own: list[str] = []
        nested: list[str] = []
        for part in child.children:
            if isinstance(part, Tag) and part.name in LISTS:
                nested.extend(_list_lines(part, depth + 1))
            elif isinstance(part, Tag):
                text = _inline_text(part)
                own.append(f" {text} " if part.name in BLOCKS else text)
            elif isinstance(part, NavigableString) and _is_text(part):
                own.append(str(part))
        text = _collapse("".join(own))
        if text:
            lines.append("  " * depth + "- " + text)
        lines.extend(nested)
    return lines


def _table_blocks(table: Tag) -> list[str]:
    """A markdown pipe table (header row: the `<thead>` row, else the first row), preceded by its caption."""
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    grid: list[list[str]] = []
    header_at: int | None = None
    for row in rows:
        cells = [_collapse(_inline_text(c)).replace("|", "\\|") for c in row.find_all(["td", "th"], recursive=False)]
        if any(cells):
            if header_at is None and row.find_parent(["thead", "table"]).name == "thead":
                header_at = len(grid)
            grid.append(cells)
    blocks = []
    caption = table.find("caption")
    if caption is not None and (text := _collapse(_inline_text(caption))):
        blocks.append(text)
    if not grid:
        return blocks
    grid.insert(0, grid.pop(header_at or 0))
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    lines = ["| " + " | ".join(grid[0]) + " |", "|" + " --- |" * width]
    lines += ["| " + " | ".join(r) + " |" for r in grid[1:]]
    blocks.append("\n".join(lines))
    return blocks


def _inline_text(tag: Tag) -> str:
    """Text of all descendants, `<br>` as a newline; comments and doctypes skipped."""
    parts = []
    for node in tag.descendants:
        if isinstance(node, NavigableString):
            if _is_text(node):
                parts.append(str(node))
        elif isinstance(node, Tag) and node.name == "br":
            parts.append("\n")
    return "".join(parts)


def _is_text(node: NavigableString) -> bool:
    return type(node) is NavigableString or isinstance(node, CData)


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
