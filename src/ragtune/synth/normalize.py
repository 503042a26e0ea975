"""Text normalisation for matching answers against chunks: SQuAD-style, with numbers compared as numbers.

"4 weeks", "four weeks" and "4.0 weeks" must all match the same chunk text, and "1,000" must
equal "1000", so numbers become canonical tokens before any comparison.
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+", re.UNICODE)
_ARTICLES = frozenset({"a", "an", "the"})
STOPWORDS = frozenset(
    "a an and are as at be been by for from has have i in is it its of on or that the this to was were which with "
    "you your what who whom whose when where why how does do did can will would should could about into than then "
    "there their they them these those he she his her our we not no yes if but so also".split()
)
NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
}


def canonical_number(token: str) -> str | None:
    """"1,000" -> "1000", "1.50" -> "1.5", "four" -> "4", "8:00" -> "8:00"; None for a non-number."""
    if token in NUMBER_WORDS:
        return str(NUMBER_WORDS[token])
    if not token[:1].isdigit():
        return None
    if ":" in token:  # a time of day stays as written
        return token
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", token):
        token = token.replace(",", "")
    token = token.replace(",", ".")
    try:
        value = float(token)
    except ValueError:
        return token
    return str(int(value)) if value.is_integer() else repr(value)


def tokens(text: str) -> list[str]:
    """Lower-cased, accent-folded word tokens with articles dropped and numbers canonical (SQuAD-style)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("’", "'")
    out = []
    for tok in _TOKEN.findall(text):
        if tok in _ARTICLES:
            continue
        out.append(canonical_number(tok) or tok)
    return out


def normalize_text(text: str) -> str:
    """One string per meaning: used to deduplicate questions and compare answers."""
    return " ".join(tokens(text))


def numbers(text: str) -> set[str]:
    """The canonical numbers in `text` (digits only; number words count too once normalised)."""
    return {t for t in tokens(text) if t[:1].isdigit()}


def content_words(text: str) -> list[str]:
    """Tokens that carry meaning: no stop words, numbers kept."""
    return [t for t in tokens(text) if t not in STOPWORDS]


def longest_common_run(a: list[str], b: list[str]) -> int:
    """Length of the longest run of tokens that `a` and `b` share (the copy detector)."""
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, start=1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


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
