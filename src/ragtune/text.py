"""Text normalisation, shared by answers, metrics and synthesis: tokens, numbers, stop words, SQuAD's normalize.

"4 weeks", "four weeks" and "4.0 weeks" must all match the same chunk text, and "1,000" must
equal "1000", so numbers become canonical tokens before any comparison. Nothing here imports ragtune.
"""

from __future__ import annotations

import re
import string
import unicodedata

_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[^\W\d_]+", re.UNICODE)
_WORD = re.compile(r"\w+")
_ARTICLES = frozenset({"a", "an", "the"})
_ARTICLE_WORDS = re.compile(r"\b(a|an|the)\b")
_PUNCT = set(string.punctuation)

# Function words only: what citation attribution ignores when it compares an answer with a passage.
CITATION_STOPWORDS = frozenset(
    "a an and are as at be by for from has have i in is it its of on or that the this to was were which with "
    "you your what who when where how does do did can will".split()
)
# Those plus pronouns, modals, negations and connectives: what support, copy and groundedness checks ignore.
STOPWORDS = CITATION_STOPWORDS | frozenset(
    "been whom whose why would should could about into than then there their they them these those "
    "he she his her our we not no yes if but so also".split()
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


def content_tokens(text: str) -> set[str]:
    """The set of lower-cased words that are not function words: what citation attribution compares."""
    return {w for w in _WORD.findall(text.lower()) if w not in CITATION_STOPWORDS}


def squad_normalize(text: str) -> str:
    """The SQuAD v1.1 evaluation script's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLE_WORDS.sub(" ", text).split())
