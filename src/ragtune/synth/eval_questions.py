"""Evaluation questions from the indexed chunks: several generators, filters that record what they drop.

Generators (docs/metrics.md, Evaluation questions):
- `teacher`: the teacher's questions on held-out facts (synth's validation pairs, where the teacher passed
  the pilot); `extractive`: a fact-bearing sentence turned into a wh-question;
- `bridge` / `multi-chunk`: the fact's entity named by a description from another sentence or another
  document (`synth/bridge.py`), and facts two documents both state;
- `unanswerable`: a kept question with its rarest name swapped for a word the corpus never uses (the
  right answer is to decline).
Filters, in order: `held-out` (the fact is one synth never trains on: `synth/heldout.py`, and no training
pair carries it), `answerable` (the answer is in the source chunk and not given away by the question:
`synth/validate.check_pair`), `specific` (at least 3 content words besides the wh-phrase), `not-a-copy`
(no training question shares most of its word trigrams), `unique`, and for unanswerable ones `entity-absent`.
"""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping, Sequence

from ragtune.corpus.document import Chunk
from ragtune.synth.bridge import ByWord, bridged_questions, chunks_by_word
from ragtune.synth.extractive import _UNITS, _question, sentence_facts, table_questions
from ragtune.synth.heldout import held_out
from ragtune.synth.pairs import QAPair
from ragtune.synth.sentences import split_sentences
from ragtune.synth.validate import check_pair
from ragtune.text import STOPWORDS, content_words, normalize_text, tokens

GENERATORS = ("teacher", "extractive", "bridge", "multi-chunk", "unanswerable")
MIN_ASKED_WORDS = 3  # "There is what?" names nothing to look for
MAX_COPY_SHARE = 0.6  # a question whose word trigrams are this much in one training question is a copy
SHARED_SUPPORT = 0.6  # a fact stated in another document: its answer and this share of the question's words
WH_WORDS = frozenset("many much which whose whom long often year percentage number time".split())  # the asking


def asked_words(question: str) -> list[str]:
    """The question's content words without the wh-phrase the generators write ("how many", "which year")."""
    return [w for w in content_words(question) if w not in WH_WORDS]


@dataclass(frozen=True)
class EvalQuestion:
    question: str
    answers: tuple[str, ...]  # () = unanswerable
    chunks: tuple[Chunk, ...]  # the source chunk(s): the answer's first
    generator: str
    filters: tuple[str, ...] = ()  # the filters it passed

    @property
    def fact_key(self) -> tuple[str, str]:
        return (self.chunks[0].id, normalize_text(self.answers[0])) if self.answers and self.chunks else ("", "")

    def record(self, qid: str) -> dict:
        docs = list(dict.fromkeys(c.doc_id for c in self.chunks)) if self.answers else []
        return {"id": qid, "question": self.question, "answers": list(self.answers), "sources": docs,
                "tags": [self.generator], "generator": self.generator,
                "chunk_id": self.chunks[0].id if self.answers and self.chunks else "",
                "chunk_ids": [c.id for c in self.chunks] if self.answers else [], "filters": list(self.filters)}


@dataclass
class Tally:
    """Per generator: candidates made, dropped per filter, kept after the filters, chosen for the set."""

    candidates: Counter = field(default_factory=Counter)
    dropped: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    kept: Counter = field(default_factory=Counter)
    chosen: Counter = field(default_factory=Counter)

    def to_json(self) -> dict:
        gens = sorted(set(self.candidates) | set(self.chosen), key=lambda g: GENERATORS.index(g)
                      if g in GENERATORS else 99)
        return {g: {"candidates": self.candidates[g], "dropped": dict(self.dropped[g]), "kept": self.kept[g],
                    "chosen": self.chosen[g]} for g in gens}


@dataclass(frozen=True)
class Training:
    """What synth trains on, for the filters: fact keys and questions of its training pairs."""

    facts: frozenset[tuple[str, str]] = frozenset()
    questions: tuple[str, ...] = ()


def candidates(chunks: Sequence[Chunk], teacher_pairs: Iterable[QAPair] = (),
               by_word: ByWord | None = None) -> list[EvalQuestion]:
    """Every answerable candidate of the deterministic generators, plus the teacher's given pairs."""
    by_id = {c.id: c for c in chunks}
    out = [EvalQuestion(p.question, (p.answer,), (by_id[p.chunk_id],), "teacher")
           for p in teacher_pairs if p.chunk_id in by_id]
    boilerplate = _boilerplate(chunks)
    for chunk in chunks:
        out += [EvalQuestion(q, (a,), (chunk,), "extractive") for q, a in extractive_questions(chunk, boilerplate)]
    out += [EvalQuestion(clean(b.question), (b.answer,), (b.answer_chunk,) + ((b.described_in,) if b.generator ==
                         "multi-chunk" else ()), b.generator) for b in bridged_questions(chunks, by_word=by_word)]
    return out


def extractive_questions(chunk: Chunk, boilerplate: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Wh-questions from the chunk's prose sentences and two-column tables (`synth/extractive.py`), less
    what reads badly as a question: layout (runs of spaces: columns, option lists), fragments (a sentence that
    starts lower case is a wrapped line's tail), "one" as a determiner, quoted literals, sentences many documents
    repeat (`boilerplate`: a licence, a footer), and a lone capitalised word asked as "what" (usually a
    sentence's first verb: "Copy standard input ...")."""
    out = list(table_questions(chunk))
    for sentence in split_sentences(chunk.text):
        if len(sentence.split()) < 4 or re.search(r"\S {3,}\S", sentence) or not sentence[:1].isupper() \
                or normalize_text(sentence) in boilerplate:
            continue  # layout, a fragment (a wrapped line starts lower case) or boilerplate
        for fact in sentence_facts(clean(sentence)):
            if fact.wh == "what" and " " not in fact.answer and fact.answer[:1].isupper() or _determiner(fact.answer) \
                    or _quoted(fact):
                continue
            out.append((clean(_question(fact)), fact.answer))
    return out


def _quoted(fact) -> bool:
    """The span sits inside a quoted literal (`b'ABC'`, `'CDATA', 'ID'`): code, not a fact to ask about."""
    start = fact.answer_start if fact.answer_start >= 0 else fact.start
    return fact.sentence[start - 1:start] in ("'", '"', "`") or fact.sentence[:start].count("'") % 2 == 1


def _determiner(answer: str) -> bool:
    """"one", "one action", "one or more": "one" as a determiner, not a count (a time or money unit after it
    is a count: "one year")."""
    words = answer.lower().split()
    return bool(words) and words[0] in ("one", "a", "an") and (len(words) == 1 or words[-1].rstrip("s") not in _UNITS)


def _boilerplate(chunks: Sequence[Chunk], most_documents: int = 2) -> frozenset[str]:
    """Sentences (normalised) that more than `most_documents` documents contain."""
    docs: dict[str, set[str]] = defaultdict(set)
    for chunk in chunks:
        for sentence in split_sentences(chunk.text):
            docs[normalize_text(sentence)].add(chunk.doc_id)
    return frozenset(s for s, d in docs.items() if len(d) > most_documents)


def clean(question: str) -> str:
    """One space between words, and words re-joined where a line break hyphenated them ("de‐ fined")."""
    return " ".join(re.sub(r"(\w)[\u2010\u00ad]\s+(\w)", r"\1\2", question).split())


def shared_facts(kept: Sequence[EvalQuestion], chunks: Sequence[Chunk], limit: int,
                 by_word: ByWord | None = None) -> list[EvalQuestion]:
    """`multi-chunk` questions from facts two documents both state: an extractive question whose answer and
    most of whose words another document's chunk also holds; its sources are both documents."""
    by_word = chunks_by_word(chunks) if by_word is None else by_word
    out = []
    for q in kept:
        if q.generator != "extractive" or len(out) >= limit:
            continue
        words = set(asked_words(q.question)) | set(content_words(q.answers[0]))
        shared = [w for w in words if len(by_word.get(w, ())) > 1]  # in another chunk too
        rarest = min(shared, key=lambda w: (len(by_word[w]), w), default=None)
        stating = [other for other in (by_word.get(rarest, ()) if rarest else ()) if other.doc_id != q.chunks[0].doc_id
                   and _states(other, q.answers[0], words)]
        if len({c.doc_id for c in stating}) == 1:  # more: boilerplate many pages share (a licence, a footer)
            out.append(replace(q, chunks=q.chunks + (stating[0],), generator="multi-chunk"))
    return out


def _states(chunk: Chunk, answer: str, words: set[str]) -> bool:
    """The chunk holds the answer and most of the question's words."""
    if f" {normalize_text(answer)} " not in f" {normalize_text(chunk.text)} ":
        return False
    have = set(tokens(chunk.text))
    return sum(w in have for w in words) >= SHARED_SUPPORT * len(words)


def keep(questions: Sequence[EvalQuestion], training: Training, fraction: float, seed: int,
         tally: Tally) -> list[EvalQuestion]:
    """The candidates that pass every filter, each with the filters it passed; drops counted in `tally`."""
    copies = _TrigramIndex(training.questions)
    seen: set[str] = set()
    out = []
    for q in questions:
        tally.candidates[q.generator] += 1
        failed = _first_failure(q, training, fraction, seed, copies, seen)
        if failed:
            tally.dropped[q.generator][failed] += 1
            continue
        seen.add(normalize_text(q.question))
        tally.kept[q.generator] += 1
        out.append(replace(q, filters=("held-out", "answerable", "specific", "not-a-copy", "unique")))
    return out


def _first_failure(q: EvalQuestion, training: Training, fraction: float, seed: int, copies: _TrigramIndex,
                   seen: set[str]) -> str | None:
    key = q.fact_key
    if not held_out(key, fraction, seed) or key in training.facts:
        return "held-out"
    source = "\n".join(c.text for c in q.chunks)
    if check_pair(q.question, q.answers[0], source, allow_echo=True):
        return "answerable"
    if len(set(asked_words(q.question))) < MIN_ASKED_WORDS:
        return "specific"
    if copies.is_copy(q.question):
        return "not-a-copy"
    if normalize_text(q.question) in seen:
        return "unique"
    return None


def unanswerable(kept: Sequence[EvalQuestion], chunks: Sequence[Chunk], n: int, seed: int,
                 tally: Tally, by_word: ByWord | None = None) -> list[EvalQuestion]:
    """Up to `n` questions made unanswerable: a kept question's rarest word swapped for an invented one,
    drawn until no chunk contains it (`entity-absent`), so a faithful variant should decline."""
    by_word = chunks_by_word(chunks) if by_word is None else by_word
    df = {w: len(cs) for w, cs in by_word.items()}
    rng = random.Random(seed)
    pool = list(kept)
    rng.shuffle(pool)
    out: list[EvalQuestion] = []
    for q in pool:
        if len(out) >= n:
            break
        target = _entity(q.question, df)
        if target is None:
            continue
        tally.candidates["unanswerable"] += 1
        invented = _invented_word(rng, df)
        if target[0].isupper():
            invented = invented.capitalize()
        text = re.sub(rf"(?<![\w-]){re.escape(target)}(?![\w-])", invented, q.question)
        tally.kept["unanswerable"] += 1
        out.append(EvalQuestion(text, (), q.chunks, "unanswerable", ("entity-absent", "unique")))
    return out


def _entity(question: str, df: Mapping[str, int]) -> str | None:
    """The word that names what the question is about: the rarest name-like one (capitalised inside the
    sentence, or with digits or underscores: a product, a person, an identifier); never a function word or
    the wh-phrase ("how many" must stay a question). None: nothing named (swapping a verb asks nonsense)."""
    def chunks_with(word: str) -> int:  # as the corpus was counted: "Vela1" may be two tokens
        return min((df.get(t, 0) for t in tokens(word)), default=0)

    words = [w for w in re.findall(r"[A-Za-z][\w-]{2,}", question) if chunks_with(w)
             and w.lower() not in STOPWORDS and w.lower() not in WH_WORDS]
    named = [w for w in words if (w[0].isupper() and not question.startswith(w)) or re.search(r"[\d_]", w)]
    return min(named, key=lambda w: (chunks_with(w), w)) if named else None


def _invented_word(rng: random.Random, vocabulary: Mapping[str, int]) -> str:
    """A pronounceable word the corpus does not use ("valdrin", "kestor")."""
    onsets, vowels = "b d f g k l m n p r s t v z br dr kr st tr".split(), "a e i o u".split()
    codas = "n r l s x".split()
    while True:
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(2)) + rng.choice(codas)
        if word not in vocabulary:
            return word


def choose(kept: Sequence[EvalQuestion], count: int, unanswerable_share: float, seed: int,
           extra_unanswerable: Sequence[EvalQuestion] = ()) -> list[EvalQuestion]:
    """`count` questions, the generators taking turns (seeded order within each), about one chunk per
    fact; `unanswerable_share` of them unanswerable."""
    rng = random.Random(seed)
    n_unanswerable = min(len(extra_unanswerable), round(count * unanswerable_share))
    pools: dict[str, list[EvalQuestion]] = defaultdict(list)
    for q in kept:
        pools[q.generator].append(q)
    for pool in pools.values():
        rng.shuffle(pool)
    order = [g for g in GENERATORS if pools.get(g)]
    chosen: list[EvalQuestion] = []
    while len(chosen) < count - n_unanswerable and any(pools[g] for g in order):
        for g in order:
            if pools[g] and len(chosen) < count - n_unanswerable:
                chosen.append(pools[g].pop())
    return chosen + list(extra_unanswerable[:n_unanswerable])


class _TrigramIndex:
    """Training questions by word trigram: is a question mostly one training question's trigrams?"""

    def __init__(self, questions: Sequence[str]):
        self.by_gram: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i, q in enumerate(questions):
            for gram in set(_trigrams(q)):
                self.by_gram[gram].append(i)

    def is_copy(self, question: str) -> bool:
        grams = set(_trigrams(question))
        if not grams:
            return False
        hits = Counter(i for g in grams for i in self.by_gram.get(g, ()))
        return bool(hits) and hits.most_common(1)[0][1] >= MAX_COPY_SHARE * len(grams)


def _trigrams(text: str) -> list[tuple[str, ...]]:
    words = tokens(text)
    return [tuple(words[i:i + 3]) for i in range(len(words) - 2)] or ([tuple(words)] if words else [])
