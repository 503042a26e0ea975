"""The deterministic fallback: Q/A pairs and cloze statements cut from fact-bearing sentences.

No model is needed, so a user whose local teacher is too small still gets training data. A fact is a
span of a sentence: a number with its unit, a date, a time, a code, a capitalised name, or the
complement of "X is/are/has ...". The question replaces the span with a wh-phrase ("The Zephyr costs
how many euros?"); the cloze replaces it with a blank. Two-column tables become "What is the <row> of
<subject>?". Output depends only on the chunks and the seed.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass
from typing import Sequence

from ragtune.corpus.document import Chunk
from ragtune.synth.pairs import QAPair, StrategyYield, count_reasons, dedupe
from ragtune.synth.sentences import split_sentences
from ragtune.synth.validate import DEFAULT_LIMITS, Limits, check_pair
from ragtune.text import STOPWORDS

BLANK = "____"
CLOZE_PROMPT = "Fill in the blank: "
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_NUM_WORD = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|hundred)"
_PREP = r"(?:(?P<prep>[Ii]n|[Ss]ince|[Oo]n|[Bb]y|[Ff]rom|[Uu]ntil|[Bb]efore|[Aa]fter)\s+)?"
# (pattern, wh-phrase builder) in priority order; earlier kinds win overlapping spans.
_SPANS: list[tuple[str, re.Pattern]] = [
    ("phone", re.compile(r"\+?\d[\d ]{6,}\d")),
    ("date", re.compile(_PREP + r"(?P<span>(?:\d{1,2}\s+)?" + _MONTH + r"(?:\s+\d{1,2},?)?\s+(?:19|20)\d{2})\b")),
    ("year", re.compile(_PREP + r"(?P<span>(?:1[5-9]|20)\d{2})\b(?![.,]\d)")),
    ("time", re.compile(r"\b\d{1,2}:\d{2}\b")),
    ("code", re.compile(r"\b[A-Z]{1,4}-?\d+[A-Z]?\b")),
    ("quantity", re.compile(r"(?<![\w-])(?P<span>(?:\d+(?:[.,]\d+)?|" + _NUM_WORD + r")(?:\s+and\s+a\s+half)?"
                            r"(?:\s*%|\s+(?P<unit>[a-z]+(?:\s+[a-z]+)?)))(?![\w-])")),
    ("name", re.compile(r"(?P<span>[A-Z][\w’'-]*\w(?:\s+(?:de|van|von|der|of|la|le)?\s*[A-Z][\w’'-]*\w)*)")),
]
_COPULA = re.compile(r"^(?P<subj>(?:The|A|An|Its|Their|Our|Every|Each|[A-Z][\w'-]+)(?:\s+[\w'’-]+){0,5}?)\s+"
                     r"(?P<verb>is|are|was|were|has|have)\s+(?P<rest>.{3,}?)[.!]?$")
_LEADING_COMMON = frozenset("The A An It Its This That These Those Every Each Our Their If When Let Fill Descale".split())


@dataclass(frozen=True)
class Fact:
    sentence: str
    start: int
    end: int
    answer: str
    wh: str  # replaces sentence[start:end] in the question
    answer_start: int = -1  # where the answer itself starts (the question may also replace a preposition)

    @property
    def cloze(self) -> str:
        start = self.start if self.answer_start < 0 else self.answer_start
        return self.sentence[:start] + BLANK + self.sentence[start + len(self.answer):]


def extractive_pairs(chunks: Sequence[Chunk], *, per_chunk: int | None = None, seed: int = 0,
                     limits: Limits = DEFAULT_LIMITS) -> tuple[list[QAPair], dict[str, StrategyYield]]:
    """A wh-question and a cloze for each fact found; at most `per_chunk` pairs a chunk (seeded choice)."""
    t0 = time.perf_counter()
    rng = random.Random(seed)
    out: list[QAPair] = []
    counts = {s: {"asked": 0, "valid": 0, "kept": 0, "reasons": []} for s in ("extractive", "cloze")}
    seen: set[str] = set()
    for chunk in chunks:
        candidates = list(chunk_pairs(chunk))
        valid = []
        for pair in candidates:
            c = counts[pair.strategy]
            c["asked"] += 1
            reason = check_pair(pair.question, pair.answer, chunk.text, limits, allow_echo=True)
            if reason:
                c["reasons"].append(reason)
            else:
                c["valid"] += 1
                valid.append(pair)
        unique = dedupe(valid, seen)
        if per_chunk is not None and len(unique) > per_chunk:
            order = sorted(rng.sample(range(len(unique)), per_chunk))
            unique = [unique[i] for i in order]
        for pair in unique:
            counts[pair.strategy]["kept"] += 1
        out.extend(unique)
    seconds = round(time.perf_counter() - t0, 3)
    yields = {s: StrategyYield(s, asked=c["asked"], parsed=c["asked"], valid=c["valid"], kept=c["kept"],
                               seconds=seconds, rejected=count_reasons(c["reasons"])) for s, c in counts.items()}
    return out, yields


def chunk_pairs(chunk: Chunk) -> list[QAPair]:
    """Every candidate pair of one chunk, in text order: per fact its question, then its cloze."""
    pairs: list[QAPair] = []
    for question, answer in table_questions(chunk):
        pairs.append(QAPair(question, answer, chunk.doc_id, chunk.id, "extractive"))
    for sentence in split_sentences(chunk.text):
        if len(sentence.split()) < 4:
            continue
        for fact in sentence_facts(sentence):
            pairs.append(QAPair(_question(fact), fact.answer, chunk.doc_id, chunk.id, "extractive"))
            pairs.append(QAPair(CLOZE_PROMPT + fact.cloze, fact.answer, chunk.doc_id, chunk.id, "cloze"))
    return pairs


def sentence_facts(sentence: str, max_facts: int = 3) -> list[Fact]:
    """Non-overlapping fact spans of one sentence, most specific kinds first, in sentence order."""
    facts: list[Fact] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _SPANS:
        for m in pattern.finditer(sentence):
            fact = _fact(kind, m, sentence)
            if fact and not any(fact.start < e and s < fact.end for s, e in taken):
                facts.append(fact)
                taken.append((fact.start, fact.end))
    copula = _COPULA.match(sentence)
    if copula and copula.group("verb") in ("is", "are", "was", "were") and len(copula.group("rest").split()) <= 12:
        start, end = copula.start("rest"), copula.end("rest")
        if not any(start < e and s < end for s, e in taken):
            facts.append(Fact(sentence, start, end, copula.group("rest"), "what"))
    return sorted(facts, key=lambda f: f.start)[:max_facts]


def _fact(kind: str, m: re.Match, sentence: str) -> Fact | None:
    groups = m.groupdict()
    span_start, span_end = (m.start("span"), m.end("span")) if "span" in groups else (m.start(), m.end())
    answer = sentence[span_start:span_end]
    prep = (groups.get("prep") or "").lower() or None
    start = m.start() if prep else span_start
    if kind == "phone":
        wh = "what number"
    elif kind in ("date", "year"):
        wh = {"since": "since when", "by": "by when", "until": "until when"}.get(prep or "", "when")
        if kind == "year" and prep in ("in", None):
            wh = "in which year"
    elif kind == "time":
        wh = "what time"
    elif kind == "code":
        wh = "what"
    elif kind == "quantity":
        unit = _unit(groups.get("unit"))
        if groups.get("unit") and unit != groups["unit"]:
            span_end = m.start("unit") + len(unit) if unit else span_start + len(sentence[span_start:m.start("unit")].rstrip())
            answer = sentence[span_start:span_end].strip()
        wh = f"how many {unit}" if unit else ("what percentage" if answer.endswith("%") else "how many")
        if unit:
            start = span_start
    else:  # name
        words = answer.split()
        if span_start == 0 and (words[0] in _LEADING_COMMON or len(words) == 1):
            return None
        before = sentence[:span_start].rstrip().split()[-1:] or [""]
        wh = "whom" if before[0] == "by" else "what"
        start = span_start
        after = re.match(r"['’](?!\w)", sentence[span_end:])  # "Brightwell Appliances' flagship"
        if after or re.search(r"['’]s$", answer):  # ... or "Brightwell's factory": ask "whose"
            span_end += 1 if after else 0
            answer = re.sub(r"['’]s?$", "", answer)
            wh = "whose"
    return Fact(sentence, start, span_end, answer.strip(), wh, span_start)


_UNITS = frozenset("second minute hour day week month year time euro dollar litre liter watt metre meter".split())


def _unit(words: str | None) -> str | None:
    """"browning levels" -> "browning levels", "days of" -> "days", "and" -> None: the counted noun phrase."""
    if not words:
        return None
    parts = [w for w in words.split()]
    if parts[0] in STOPWORDS:
        return None
    if len(parts) == 2 and parts[1] not in STOPWORDS and not parts[0].endswith("s") and \
            (parts[1].endswith("s") or parts[1] in _UNITS):
        return " ".join(parts)
    return parts[0]


def _question(fact: Fact) -> str:
    """Replace the span with its wh-phrase and cut the clause after it short, so the question stays readable."""
    head = fact.sentence[:fact.start]
    tail = fact.sentence[fact.end:]
    cut = re.search(r"[,;:](?=\s)|\s\(|\.\s*$", tail)
    if cut:
        tail = tail[:cut.start()]
    question = f"{head}{fact.wh}{tail}".strip().rstrip(".!") + "?"
    return question[0].upper() + question[1:] if not head else question


def table_questions(chunk: Chunk) -> list[tuple[str, str]]:
    """Two-column markdown table rows as questions: "What is the capacity of the Aurora Smart Kettle?"."""
    subject = chunk.title or str(chunk.metadata.get("heading") or "")
    rows = [line.strip().strip("|").split("|") for line in chunk.text.splitlines() if line.strip().startswith("|")]
    rows = [[cell.strip() for cell in row] for row in rows if len(row) == 2]
    rows = [row for row in rows if not set("".join(row)) <= set("-: ")]  # drop the |---|---| separator
    if len(rows) < 2:
        return []
    header, body = rows[0], rows[1:]
    out = []
    for key, value in body:
        if not key or not value:
            continue
        if header[1].lower() in ("value", "values", "") and subject:
            question = f"What is the {key.lower()} of the {subject}?"
        else:
            question = f"What is the {header[1].lower()} for {key}?"
        out.append((question, value))
    return out
