"""Paraphrase augmentation: the teacher rewrites each chunk k ways, as plain-text training documents.

Ovadia et al. (2023) found that fine-tuning absorbs facts far better when each fact is seen in several
wordings. A paraphrase is kept only if it keeps the chunk's facts: every number, most capitalised names.
Each of the k requests uses a different instruction, so greedy decoding still gives k different texts.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import Callable, Sequence

from ragtune.corpus.document import Chunk
from ragtune.models.protocols import Generator, Message
from ragtune.synth.calls import Done, Request, TeacherCalls
from ragtune.synth.pairs import StrategyYield, count_reasons
from ragtune.synth.pilot import PilotRule, run_piloted
from ragtune.text import normalize_text, numbers, tokens

Progress = Callable[[int, int], None]

PARAPHRASE_SYSTEM = "You rewrite texts. Keep every name, number and date exactly. Reply with the rewritten text only."
STYLES = (
    "Rewrite the text in your own words.",
    "Rewrite the text as a short list of facts, one per line.",
    "Explain the text to a customer in plain language.",
    "Summarise the text in a few sentences.",
)
_NAME = re.compile(r"\b[A-Z][\w'-]*[a-z][\w'-]*")


@dataclass(frozen=True)
class Paraphrase:
    text: str
    doc_id: str
    chunk_id: str
    title: str
    style: int


def paraphrase_messages(chunk: Chunk, style: int) -> list[Message]:
    instruction = STYLES[style % len(STYLES)]
    return [{"role": "system", "content": PARAPHRASE_SYSTEM},
            {"role": "user", "content": f"{instruction}\n\nText:\n{chunk.text.strip()}"}]


def key_names(text: str) -> set[str]:
    """Capitalised words that are not sentence-initial: names of products, people, places."""
    names = set()
    for m in _NAME.finditer(text):
        before = text[:m.start()].rstrip(" \t*_\"'(")
        if before and before[-1] not in ".!?:#|\n":  # not the first word of a sentence, line or heading
            names.add(m.group(0).lower())
    return names


def check_paraphrase(paraphrase: str, source: str, *, min_names: float = 0.7) -> str | None:
    """None if `paraphrase` keeps every number and at least `min_names` of the names of `source`."""
    if not paraphrase.strip():
        return "empty"
    if normalize_text(paraphrase) == normalize_text(source):
        return "copy of the chunk"
    n_src, n_par = len(tokens(source)), len(tokens(paraphrase))
    if n_par < 0.3 * n_src or n_par > 3 * n_src + 20:
        return "length out of range"
    if not numbers(source) <= numbers(paraphrase):
        return "lost a number"
    names = key_names(source)
    if names:
        kept = {w for w in tokens(paraphrase)}
        if sum(any(t in kept for t in tokens(n)) for n in names) / len(names) < min_names:
            return "lost names"
    return None


def paraphrases(chunks: Sequence[Chunk], teacher: Generator, *, k: int = 1, max_new_tokens: int | None = None,
                calls: TeacherCalls | None = None, pilot: PilotRule | None = None,
                progress: Progress | None = None) -> tuple[list[Paraphrase], StrategyYield]:
    """Up to k valid paraphrases of every chunk, with the yield (asked = k x chunks asked).

    `calls` and `pilot` as in `ragtune.synth.qa.teacher_pairs`.
    """
    t0 = time.perf_counter()
    calls = calls or TeacherCalls(teacher)

    def requests_of(chunk: Chunk) -> list[Request]:
        budget = max_new_tokens or min(512, int(len(chunk.text.split()) * 2) + 32)
        return [Request(chunk.id, tuple(paraphrase_messages(chunk, style)), budget) for style in range(k)]

    def score(done: list[Chunk], texts: list[Done]) -> StrategyYield:
        return _score(done, texts, k)[1]

    done, texts, verdict = run_piloted("paraphrase", chunks, requests_of, calls, score, pilot, progress)
    out, y = _score(done, texts, k)
    reused = [t for t in texts if t.reused]
    return out, replace(y, seconds=round(time.perf_counter() - t0 + sum(t.seconds for t in reused), 3),
                        resumed=len(reused), pilot=verdict.to_dict() if verdict else None)


def _score(chunks: Sequence[Chunk], texts: Sequence[Done], k: int) -> tuple[list[Paraphrase], StrategyYield]:
    """The valid paraphrases among the k completions of each chunk, in order, and their yield."""
    out: list[Paraphrase] = []
    parsed = 0
    reasons: list[str] = []
    for i, chunk in enumerate(chunks):
        seen: set[str] = set()
        for style, done in enumerate(texts[i * k:(i + 1) * k]):
            text = _clean(done.text)
            parsed += bool(text)
            reason = check_paraphrase(text, chunk.text)
            if reason is None and normalize_text(text) in seen:
                reason = "duplicate"
            if reason:
                reasons.append(reason)
                continue
            seen.add(normalize_text(text))
            out.append(Paraphrase(text, chunk.doc_id, chunk.id, chunk.title, style))
    return out, StrategyYield("paraphrase", asked=k * len(chunks), parsed=parsed, valid=len(out), kept=len(out),
                              rejected=count_reasons(reasons))


def _clean(text: str) -> str:
    """Drop a chatty preface ("Sure! Here is the rewritten text:") the instruction did not ask for."""
    text = text.strip()
    first, _, rest = text.partition("\n")
    if rest and re.match(r"^(sure|here|certainly|okay|ok)\b.*:?\s*$", first.strip(), re.IGNORECASE):
        text = rest.strip()
    return text
