"""Teacher Q/A generation: ask a `Generator` for question/answer pairs about each chunk, as JSON."""

from __future__ import annotations

import time
from typing import Callable, Sequence

from ragtune.corpus.document import Chunk
from ragtune.models.protocols import Generator, Message
from ragtune.synth.pairs import QAPair, StrategyYield, count_reasons, dedupe
from ragtune.synth.parse import parse_qa_output
from ragtune.synth.validate import DEFAULT_LIMITS, Limits, check_pair

Progress = Callable[[int, int], None]  # (chunks done, chunks in all)

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
                  progress: Progress | None = None) -> tuple[list[QAPair], StrategyYield]:
    """Valid, deduplicated teacher pairs for every chunk (at most `pairs_per_chunk` each) and the yield."""
    t0 = time.perf_counter()
    budget = max_new_tokens or 48 * pairs_per_chunk + 32
    kept: list[QAPair] = []
    seen: set[str] = set()
    parsed = valid = 0
    reasons: list[str] = []
    for done, chunk in enumerate(chunks, start=1):
        completion = teacher.generate(qa_messages(chunk, pairs_per_chunk), max_new_tokens=budget)
        candidates = parse_qa_output(completion.text)
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
        if progress:
            progress(done, len(chunks))
    report = StrategyYield("teacher", asked=pairs_per_chunk * len(chunks), parsed=parsed, valid=valid,
                           kept=len(kept), seconds=round(time.perf_counter() - t0, 3),
                           rejected=count_reasons(reasons))
    return kept, report


def _as_question(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith("?") else text.rstrip(".") + "?"
