"""A document as format-free blocks plus the fact keys it states, and the writer the prose modules use.

Blocks (headings, paragraphs, lists, tables, page breaks) are written out as markdown, text, HTML
or PDF by `page_formats`; the fact keys make every question's `sources` exact instead of guessed.
Each page draws its wording from its own RNG (seeded by the page path), so a page whose facts did
not change between versions comes out byte for byte the same.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence, TypeVar, Union

T = TypeVar("T")


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class PageBreak:
    """A new page in a PDF; nothing in the other formats."""


Block = Union[Heading, Para, Bullets, Table, PageBreak]


@dataclass(frozen=True)
class Page:
    path: str  # the file path under the version folder, or the record id inside a JSONL file
    title: str
    blocks: tuple[Block, ...]
    facts: frozenset[str]  # fact keys this page states

    @property
    def words(self) -> int:
        return sum(len(_block_text(b).split()) for b in self.blocks) + len(self.title.split())


def _block_text(block: Block) -> str:
    if isinstance(block, (Heading, Para)):
        return block.text
    if isinstance(block, Bullets):
        return " ".join(block.items)
    if isinstance(block, Table):
        return " ".join(" ".join(r) for r in (block.header, *block.rows))
    return ""


class PageWriter:
    """Collects blocks and the facts they state; `say` picks one phrasing and records its facts."""

    def __init__(self, path: str, title: str, seed: int) -> None:
        self.path, self.title = path, title
        self.rng = random.Random(f"{seed}/{path}")
        self.blocks: list[Block] = []
        self.facts: set[str] = set()

    def say(self, keys: str | Sequence[str], *phrasings: str) -> str:
        self.know(*([keys] if isinstance(keys, str) else keys))
        return self.rng.choice(phrasings)

    def know(self, *keys: str) -> None:
        self.facts.update(keys)

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(list(options))

    def shuffled(self, items: Sequence[T]) -> list[T]:
        out = list(items)
        self.rng.shuffle(out)
        return out

    def heading(self, text: str, level: int = 2) -> None:
        self.blocks.append(Heading(text, level))

    def para(self, *sentences: str) -> None:
        text = " ".join(s.strip() for s in sentences if s.strip())
        if text:
            self.blocks.append(Para(text))

    def bullets(self, items: Sequence[str], ordered: bool = False) -> None:
        self.blocks.append(Bullets(tuple(items), ordered))

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.blocks.append(Table(tuple(header), tuple(tuple(r) for r in rows)))

    def page_break(self) -> None:
        self.blocks.append(PageBreak())

    def page(self) -> Page:
        return Page(self.path, self.title, tuple(self.blocks), frozenset(self.facts))
