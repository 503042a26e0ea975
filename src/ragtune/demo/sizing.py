"""How big a demo fits this machine: a throughput probe of a few seconds, and the plan it buys.

A plan read from CPU flags or measured on one machine does not carry to the next one (a bf16 rule made a
15-minute demo take 26 minutes on another CPU), so the full demo measures before it plans: the packaged
generator answers a few real-sized prompts (closed-book and with three passages), and LoRA trains three
steps; from those times it picks the training steps and the question counts that fit the budget. The
plan and the figures are recorded in `runs/demo/stages.json`, so a re-run uses the same plan.
"""

from __future__ import annotations

import math
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable

from ragtune.answer import build_messages
from ragtune.retrieve.hit import Hit

BUDGET_S = 15 * 60
# What the stages cost besides answering and training, measured on 2 cores: ingest 12 s, synthesis 3 s,
# loading models and adapters, the v2 sync and the report about 45 s.
FIXED_S = 60.0
TRAIN_SHARE = 0.25  # of the budget left after FIXED_S: the full demo of issue 5 spent 23 % training
RAFT_PER_FT = 30 / 80  # raft steps per ft step (the full plan's ratio)
RAFT_STEP_COST = 2.2  # a raft step over an ft step: 3.07 s vs 1.41 s measured (longer, unpackable rows)
ANSWER_TOKENS = 40  # mean generated tokens of a demo answer (max 48; 38.5 measured in docs/benchmarks.md)
# Answers per question and variant kind: base and ft closed-book; rag, ft+rag and raft with passages.
CLOSED, WITH_PASSAGES = 2, 3
ADAPTER_OVERHEAD = 1.0  # adapters answer with merged weights at the base's cost (models/merged.py: 0.96-0.98x)
CALIBRATION = 1.0  # measured total / modelled total of the answers, on the machine that set the constants
PER_TAG_V1 = (10, 8, 6, 5, 4, 3, 2, 1)  # candidates, most first
PER_TAG_V2 = (None, 4, 3, 2)  # None: every v2 question
MIN_FT_STEPS = 8


@dataclass(frozen=True)
class Throughput:
    """Seconds per answer in a batch (closed-book, with 3 passages) and per LoRA step, and the probe's time."""

    closed_s: float
    passages_s: float
    ft_step_s: float
    probe_s: float

    def question_s(self) -> float:
        """One question through the five demo variants."""
        rag = self.passages_s * (1 + 2 * ADAPTER_OVERHEAD) / WITH_PASSAGES
        return CALIBRATION * (CLOSED * self.closed_s + WITH_PASSAGES * rag)


def measure(generator, train: Callable[[int], float], passages: list[str], question: str) -> Throughput:
    """Time the generator on 4 prompts of each kind (1 and 9 new tokens: prefill and decode apart) and
    `train(steps)` -> seconds per optimizer step; about 10 s on 2 cores."""
    t0 = time.perf_counter()
    hits = [Hit(f"p{i}", f"p{i}", text, "", {}, 0.0) for i, text in enumerate(passages[:3])]
    closed = [build_messages(question, None)] * 4
    rag = [build_messages(question, hits)] * 4
    generator.generate_batch(closed[:1], max_new_tokens=1)  # warm-up
    per_answer = {}
    for name, prompts in (("closed", closed), ("passages", rag)):
        one = _timed(lambda: generator.generate_batch(prompts, max_new_tokens=1))
        nine = _timed(lambda: generator.generate_batch(prompts, max_new_tokens=9))
        decode = max(nine - one, 0.0) / 8  # one decode step of the batch
        per_answer[name] = (one + ANSWER_TOKENS * decode) / len(prompts)
    step_s = train(3)
    return Throughput(per_answer["closed"], per_answer["passages"], step_s, time.perf_counter() - t0)


def _timed(work: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    work()
    return time.perf_counter() - t0


def train_step_seconds(base_model: Path, cfg, examples: list[list[dict]]) -> Callable[[int], float]:
    """`train(steps)`: seconds per optimizer step of a throwaway LoRA run on `examples` (steps after the first)."""
    from ragtune.tune.train import train_lora

    def train(steps: int) -> float:
        marks: list[float] = []
        with tempfile.TemporaryDirectory() as tmp:
            train_lora(base_model, examples, None, Path(tmp), replace(cfg, max_steps=steps, checkpoint_every=10_000,
                                                                       eval_every=10_000),
                       progress=lambda p: marks.append(time.perf_counter()))
        return (marks[-1] - marks[0]) / max(len(marks) - 1, 1) if len(marks) > 1 else math.inf

    return train


@dataclass(frozen=True)
class Sizing:
    """What the probe measured and the plan chosen from it, as recorded in stages.json."""

    budget_s: float
    throughput: Throughput
    per_tag_v1: int
    per_tag_v2: int | None
    questions_v1: int
    questions_v2: int
    ft_steps: int
    raft_steps: int
    estimated_s: float

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict) -> Sizing:
        return cls(**{**obj, "throughput": Throughput(**obj["throughput"])})


def choose(t: Throughput, counts: Callable[[int, int | None], tuple[int, int]],
           budget_s: float = BUDGET_S) -> Sizing | None:
    """The largest plan that fits `budget_s`: training gets `TRAIN_SHARE` of what the fixed stages leave, the
    questions the rest (every v2 question first, then as many v1 questions per tag as fit). None: not even
    the smallest plan (1 v1 question per tag, 2 v2 per tag, `MIN_FT_STEPS`) fits."""
    left = budget_s - FIXED_S - t.probe_s
    step_pair = t.ft_step_s * (1 + RAFT_PER_FT * RAFT_STEP_COST)  # one ft step and its share of raft steps
    ft_steps = max(MIN_FT_STEPS, min(200, int(TRAIN_SHARE * left / step_pair))) if step_pair > 0 else MIN_FT_STEPS
    train_s = ft_steps * step_pair
    per_question = t.question_s()
    best = None
    for v2 in PER_TAG_V2:
        for v1 in PER_TAG_V1:
            n1, n2 = counts(v1, v2)
            total = FIXED_S + t.probe_s + train_s + (n1 + n2) * per_question
            if total <= budget_s and (best is None or n1 + n2 > best.questions_v1 + best.questions_v2):
                best = Sizing(budget_s, t, v1, v2, n1, n2, ft_steps, max(1, round(ft_steps * RAFT_PER_FT)),
                              round(total, 1))
                break  # the most v1 questions per tag for this v2 setting
    return best
