"""The pilot: a generative strategy (teacher Q/A, paraphrases) runs first on a few chunks, and the rest of
the corpus only if what it kept there was worth the time it took.

The rule, with the `[synth]` settings it reads (defaults in `PilotRule`):
- the pilot covers the first `pilot_chunks` chunks, or fewer where another batch would end past
  `pilot_seconds` of generation (at the pilot's seconds per batch so far; always at least one batch);
- a strategy that kept nothing in the pilot is skipped for the other chunks;
- a strategy that kept something but spent more than `max_seconds_per_item` per kept item is skipped when
  the other chunks would take more than `slow_budget_seconds` (projected from the pilot's seconds per chunk);
- anything else runs on every chunk; so does everything with `pilot = false`.
The measurements are the generation times recorded with each completion, so a resumed synth reaches the
same verdict as the run it resumes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Sequence

from ragtune.corpus.document import Chunk
from ragtune.numbers import seconds_text
from ragtune.synth.calls import Done, Request, TeacherCalls
from ragtune.synth.pairs import StrategyYield

ITEMS = {"teacher": "pair", "paraphrase": "paraphrase"}


@dataclass(frozen=True)
class PilotRule:
    chunks: int = 8
    seconds: float = 20.0
    max_seconds_per_item: float = 10.0
    slow_budget_seconds: float = 120.0


@dataclass(frozen=True)
class PilotVerdict:
    """What the pilot measured for one strategy, and whether the strategy ran on the other chunks."""

    strategy: str
    chunks: int  # chunks in the pilot
    total_chunks: int
    asked: int
    kept: int
    seconds: float  # generation seconds the pilot took
    seconds_per_item: float | None  # per kept item; None when it kept nothing
    projected_seconds: float  # for the chunks after the pilot, at the pilot's seconds per chunk
    run: bool
    reason: str  # one line for the user

    def to_dict(self) -> dict:
        return asdict(self)


def decide(strategy: str, y: StrategyYield, chunks: int, total_chunks: int, seconds: float,
           rule: PilotRule) -> PilotVerdict:
    """The verdict on a strategy from its pilot's yield `y` over the first `chunks` chunks."""
    item = ITEMS.get(strategy, "item")
    rest = total_chunks - chunks
    projected = seconds / max(chunks, 1) * rest
    per_item = seconds / y.kept if y.kept else None
    head = (f"{strategy}: kept {y.kept} of {y.asked} {item}s asked on the first {chunks} chunks "
            f"in {seconds_text(seconds)}")
    later = f"the other {rest} chunks would take about {seconds_text(projected)}"
    if rest <= 0:
        run, reason = True, f"{head}; that was every chunk"
    elif per_item is None:
        top = max(y.rejected.items(), key=lambda kv: kv[1])[0] if y.rejected else "no output"
        run, reason = False, f"{head} (most often: {top}); skipped, {later}"
    elif per_item > rule.max_seconds_per_item and projected > rule.slow_budget_seconds:
        run, reason = False, (f"{head}, {seconds_text(per_item)} per {item} (over max_seconds_per_item = "
                              f"{rule.max_seconds_per_item:g}); skipped, {later}")
    elif per_item > rule.max_seconds_per_item:
        run, reason = True, (f"{head}, {seconds_text(per_item)} per {item}; running on the other {rest} chunks, "
                             f"about {seconds_text(projected)} (under slow_budget_seconds = "
                             f"{rule.slow_budget_seconds:g})")
    else:
        run, reason = True, (f"{head}, {seconds_text(per_item)} per {item}; running on the other {rest} chunks "
                             f"(about {seconds_text(projected)})")
    return PilotVerdict(strategy, chunks, total_chunks, y.asked, y.kept, round(seconds, 3),
                        None if per_item is None else round(per_item, 3), round(projected, 1), run, reason)


def run_piloted(strategy: str, chunks: Sequence[Chunk], requests_of: Callable[[Chunk], list[Request]],
                calls: TeacherCalls, score: Callable[[list[Chunk], list[Done]], StrategyYield],
                rule: PilotRule | None, progress: Callable[[int, int], None] | None = None,
                ) -> tuple[list[Chunk], list[Done], PilotVerdict | None]:
    """The chunks the strategy ran on, their completions (in order) and the pilot's verdict (None without one).

    `score(chunks, completions)` is the strategy's own validation, so the pilot counts exactly what it keeps.
    """
    per_chunk = [requests_of(c) for c in chunks]
    total = sum(len(r) for r in per_chunk)
    done_chunks: list[Chunk] = []
    dones: list[Done] = []

    def run(first: int, last: int) -> None:
        before = len(dones)
        tick = (lambda n: progress(before + n, total)) if progress else None
        dones.extend(calls.complete([r for rs in per_chunk[first:last] for r in rs], on_batch=tick))
        done_chunks.extend(chunks[first:last])

    if rule is None or not chunks:
        run(0, len(chunks))
        return done_chunks, dones, None
    step = max(1, calls.batch_size // max(1, len(per_chunk[0])))  # chunks per batch
    n, limit, batches = 0, min(rule.chunks, len(chunks)), 0
    while n < limit and (n == 0 or sum(d.seconds for d in dones) * (batches + 1) / batches <= rule.seconds):
        run(n, min(n + step, limit))  # the next batch only if it should end within the pilot's seconds
        n, batches = len(done_chunks), batches + 1
    verdict = decide(strategy, score(done_chunks, dones), n, len(chunks), sum(d.seconds for d in dones), rule)
    if verdict.run:
        run(n, len(chunks))
    elif progress:
        progress(len(dones), len(dones))
    return done_chunks, dones, verdict
