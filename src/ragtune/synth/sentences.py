"""Splitting chunk text into prose sentences, the unit extractive questions and RAFT quotes are made from."""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|Mr|Mrs|Ms|Dr|St|vs|No|approx)\.$", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Sentences of prose; markdown headings and table rows are dropped, wrapped lines re-joined."""
    paragraphs: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        heading = not current and len(stripped.split()) <= 6 and not stripped.endswith((".", "!", "?", ";", ",", ":"))
        if not stripped or stripped.startswith(("#", "|")) or heading:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        current.append(re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", stripped))
    if current:
        paragraphs.append(" ".join(current))
    sentences: list[str] = []
    for para in paragraphs:
        pieces = _SENTENCE_END.split(para)
        merged: list[str] = []
        for piece in pieces:
            if merged and _ABBREV.search(merged[-1]):
                merged[-1] += " " + piece
            else:
                merged.append(piece)
        sentences.extend(s.strip() for s in merged if s.strip())
    return sentences
