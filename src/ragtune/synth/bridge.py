"""Questions whose words and answer come from different sentences: the `bridge` and `multi-chunk` generators.

A description sentence ("The Zephyr is our lightest city bike.", "tar is an archiving program ...") names an
entity and says what it is. Another sentence about the same entity holds a fact ("The Zephyr costs 1,299
euros."). The question asks for that fact with the entity replaced by its description ("Our lightest city
bike costs how many euros?"), so its words are not the answer sentence's: finding the answer needs the
description too. Both sentences in one chunk make a `bridge` question; in chunks of two documents, a
`multi-chunk` question whose sources are both documents. Deterministic: the chunks decide the output.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

from ragtune.corpus.document import Chunk
from ragtune.synth.extractive import _question, sentence_facts
from ragtune.synth.sentences import split_sentences
from ragtune.text import content_words, tokens

_DESCRIPTION = re.compile(
    r"^(?P<subj>(?:[Tt]he\s+)?[\w][\w.+-]*(?:\s+[A-Z][\w'-]*){0,2})\s+(?:is|are|was|were)\s+"
    r"(?P<desc>(?:a|an|the|one|our|its|their)\s+[^,;:()\"]{3,80}?)\s*(?:[,;:(]|\bthat\b|\bwhich\b|\.\s*$|$)")
_VAGUE = frozenset("it this that there these those which he she they we you what who here each every all "
                   "one option default value result file output command function".split())
_PRONOUN = re.compile(r"^(?:He|She|It|They)(?=\s)")
MAX_DESCRIPTION_WORDS = 10
PER_CHUNK = 2  # questions per answer chunk and generator: many chunks, not one chatty chunk


@dataclass(frozen=True)
class Bridged:
    """A question about a fact in `answer_chunk` that names its entity by a description from `described_in`."""

    question: str
    answer: str
    answer_chunk: Chunk
    described_in: Chunk
    generator: str  # "bridge" (one chunk) or "multi-chunk" (two documents)


@dataclass(frozen=True)
class _Description:
    entity: str  # as written, without a leading "the"
    text: str  # "the city bike", "our lightest bike"
    chunk: Chunk
    sentence: str


ByWord = Mapping[str, Sequence[Chunk]]  # word (`text.tokens`) -> the chunks that hold it


def chunks_by_word(chunks: Sequence[Chunk]) -> dict[str, list[Chunk]]:
    """Each word's chunks: the one pass over the corpus that every generator's frequencies and look-ups use."""
    by_word: dict[str, list[Chunk]] = defaultdict(list)
    for chunk in chunks:
        for word in set(tokens(chunk.text)):
            by_word[word].append(chunk)
    return by_word


def descriptions(chunks: Sequence[Chunk], max_df: int, by_word: ByWord) -> list[_Description]:
    """Every "X is a/the ..." sentence whose X is specific: at most `max_df` chunks mention it."""
    df = {w: len(cs) for w, cs in by_word.items()}
    out = []
    for chunk in chunks:
        for sentence in _sentences(chunk):
            m = _DESCRIPTION.match(sentence)
            if not m:
                continue
            entity = re.sub(r"^[Tt]he\s+", "", m.group("subj")).strip()
            words = tokens(entity)
            if not words or words[0] in _VAGUE or len(entity) < 3 or not content_words(entity) \
                    or not _named(m.group("subj")):
                continue
            if max(df.get(w, 0) for w in words) > max_df and min(df.get(w, 0) for w in words) > max_df:
                continue  # every word of it is common: "the file is ..." describes nothing specific
            desc = m.group("desc").strip()
            if len(desc.split()) > MAX_DESCRIPTION_WORDS or entity.lower() in desc.lower():
                continue
            out.append(_Description(entity, re.sub(r"^(?:a|an|one)\s+", "the ", desc), chunk, sentence))
    return out


def bridged_questions(chunks: Sequence[Chunk], *, max_df: int | None = None,
                      by_word: ByWord | None = None) -> Iterator[Bridged]:
    """Candidate `bridge` and `multi-chunk` questions, in chunk order (filters come later)."""
    max_df = max_df if max_df is not None else max(5, len(chunks) // 50)
    by_word = chunks_by_word(chunks) if by_word is None else by_word
    made: dict[tuple[str, str], int] = defaultdict(int)
    for d in descriptions(chunks, max_df, by_word):
        mention = re.compile(r"(?<!\b[Aa] )(?<!\b[Aa]n )(?:\b[Tt]he\s+)?(?<![\w./-])" + re.escape(d.entity)
                             + r"(?![\w/-])")
        rarest = min(tokens(d.entity), key=lambda w: len(by_word.get(w, ())))
        for chunk in by_word.get(rarest, ()):
            generator = "bridge" if chunk.id == d.chunk.id else "multi-chunk"
            if generator == "multi-chunk" and chunk.doc_id == d.chunk.doc_id:
                continue  # two chunks of one document: neither one-chunk nor a second source
            if made[(generator, chunk.id)] >= PER_CHUNK:
                continue
            for q in _about(chunk, d, mention, generator):
                made[(generator, chunk.id)] += 1
                yield q
                break


def _about(chunk: Chunk, d: _Description, mention: re.Pattern, generator: str) -> Iterator[Bridged]:
    """Facts of `chunk`'s other sentences that mention the entity (by name, or as "He"/"It"/... opening
    the sentence after one that names it), asked through its description."""
    previous = ""
    for sentence in _sentences(chunk):
        names_it = previous == d.sentence or bool(mention.search(previous))
        previous = sentence
        if sentence == d.sentence or len(sentence.split()) < 4:
            continue
        found = mention.search(sentence) or (_PRONOUN.match(sentence) if names_it else None)
        if not found:
            continue
        for fact in sentence_facts(sentence):
            if fact.start < found.end() and found.start() < fact.end or d.entity in fact.answer \
                    or fact.wh == "what":  # "what" replaces a name or a phrase: too often not a question
                continue
            question = _question(fact)
            named = mention.search(question) or (_PRONOUN.match(question) if found.re is _PRONOUN else None)
            if not named:
                continue
            text = question[:named.start()] + d.text + question[named.end():]
            yield Bridged(text[0].upper() + text[1:], fact.answer, chunk, d.chunk, generator)


def _sentences(chunk: Chunk) -> list[str]:
    """Prose sentences with whitespace runs collapsed; " - " lines (a manual page's NAME line) left out."""
    out = (" ".join(s.split()) for s in split_sentences(chunk.text))
    return [s for s in out if " - " not in s]


def _named(subject: str) -> bool:
    """A name, not a common noun: capitalised after "The" ("The Zephyr"), a multi-word capitalised name
    ("Elif Arslan"), a lower-case word opening a sentence (a command: "tar is ..."), or a code (digits,
    hyphens, dots: "lz4cat", "systemd-sysctl")."""
    words = subject.split()
    if words[0].lower() == "the":
        return len(words) > 1 and words[1][:1].isupper()
    return words[0][:1].islower() or len(words) > 1 and words[1][:1].isupper() or bool(re.search(r"[\d_.+-]", subject))
