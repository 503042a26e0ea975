"""What a report page is made of: sections holding text, charts and tables, as plain data for the template."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup


@dataclass(frozen=True)
class Cell:
    """One table cell; `cls` is a CSS class (`ok` green, `bad` red, `num` right-aligned)."""

    text: str
    cls: str = ""


@dataclass(frozen=True)
class Table:
    id: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class Chart:
    id: str
    svg: Markup
    caption: str


@dataclass(frozen=True)
class Section:
    """A numbered report section; `missing` says why its data is absent (then it shows only that)."""

    id: str
    title: str
    paragraphs: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = ()
    missing: str | None = None
    details: tuple[tuple[str, str], ...] = ()  # collapsible blocks: (summary line, preformatted text)


def row(*cells: Cell | str) -> tuple[Cell, ...]:
    return tuple(c if isinstance(c, Cell) else Cell(c) for c in cells)
