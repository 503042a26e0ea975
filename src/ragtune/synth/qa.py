"""Teacher Q/A generation: ask a `Generator` for question/answer pairs about each chunk, as JSON."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Sequence

from ragtune.corpus.document import Chunk
from ragtune.models.protocols import Generator, Message
from ragtune.synth.calls import Done, Request, TeacherCalls
from ragtune.synth.pairs import QAPair, StrategyYield, count_reasons, dedupe
from ragtune.synth.parse import parse_qa_output
from ragtune.synth.pilot import PilotRule, run_piloted
from ragtune.synth.validate import DEFAULT_LIMITS, Limits, check_pair

Progress = Callable[[int, int], None]  # (prompts done, prompts in all)

QA_SYSTEM = "You write quiz questions about a text. Reply with a JSON array only."
# The example fixes the keys; asking for answers "copied from the text" keeps them checkable against the chunk.
QA_USER = (
    "Text:\n{text}\n\n"
    "Write {n} different questions that the text answers. Each answer must be a few words copied from the text. "
    'Reply as JSON: [{{"question": "...", "answer": "..."}}]'
)


def qa_messages(chunk: Chunk, n: int) -> list[Message]:
    title = f"{chunk.title}\n" if chunk.title and chunk.title not in chunk.text[:200] else ""
    return [{"role": "system", "content": QA_SYSTEM},
            {"role": "user", "content": QA_USER.format(text=title + chunk.text.strip(), n=n)}]


def teacher_pairs(chunks: Sequence[Chunk], teacher: Generator, *, pairs_per_chunk: int = 3,
                  limits: Limits = DEFAULT_LIMITS, max_new_tokens: int | None = None,
                  calls: TeacherCalls | None = None, pilot: PilotRule | None = None,
                  progress: Progress | None = None) -> tuple[list[QAPair], StrategyYield]:
    """Valid, deduplicated teacher pairs for every chunk (at most `pairs_per_chunk` each) and the yield.

    `calls` batches and saves the teacher's completions (default: batches of 4, nothing saved); with
    `pilot`, chunks after the pilot are asked only if the pilot's yield was worth its time (`synth/pilot.py`).
    """
    t0 = time.perf_counter()
    budget = max_new_tokens or 48 * pairs_per_chunk + 32
    calls = calls or TeacherCalls(teacher)

    def requests_of(chunk: Chunk) -> list[Request]:
        return [Request(chunk.id, tuple(qa_messages(chunk, pairs_per_chunk)), budget)]

    def score(done: list[Chunk], texts: list[Done]) -> StrategyYield:
        return _score(done, texts, pairs_per_chunk, limits)[1]

    done, texts, verdict = run_piloted("teacher", chunks, requests_of, calls, score, pilot, progress)
    kept, y = _score(done, texts, pairs_per_chunk, limits)
    reused = [t for t in texts if t.reused]
    return kept, replace(y, seconds=round(time.perf_counter() - t0 + sum(t.seconds for t in reused), 3),
                         resumed=len(reused), pilot=verdict.to_dict() if verdict else None)


def _score(chunks: Sequence[Chunk], texts: Sequence[Done], pairs_per_chunk: int,
           limits: Limits) -> tuple[list[QAPair], StrategyYield]:
    """The pairs kept from the teacher's reply about each chunk, in order, and their yield."""
    kept: list[QAPair] = []
    seen: set[str] = set()
    parsed = valid = 0
    reasons: list[str] = []
    for chunk, done in zip(chunks, texts):
        candidates = parse_qa_output(done.text)
        parsed += len(candidates)
        good = []
        for question, answer in candidates:
            reason = check_pair(question, answer, chunk.text, limits)
            if reason:
                reasons.append(reason)
                continue
            good.append(QAPair(_as_question(question), answer.strip(), chunk.doc_id, chunk.id, "teacher"))
        valid += len(good)
        unique = dedupe(good, seen)
        reasons.extend(["duplicate question"] * (len(good) - len(unique)))
        kept.extend(unique[:pairs_per_chunk])
    return kept, StrategyYield("teacher", asked=pairs_per_chunk * len(chunks), parsed=parsed, valid=valid,
                               kept=len(kept), rejected=count_reasons(reasons))


def _as_question(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith("?") else text.rstrip(".") + "?"
