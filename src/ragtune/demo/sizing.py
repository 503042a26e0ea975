"""How big a demo fits this machine: a throughput probe of a few seconds, and the plan it buys.

A plan read from CPU flags or measured on one machine does not carry to the next one (a bf16 rule made a
15-minute demo take 26 minutes on another CPU), so the full demo measures before it plans: the packaged
generator answers a few real-sized prompts (closed-book and with three passages), and LoRA trains three
steps; from those times it picks the training steps and the question counts that fit the budget, the
after-update questions the verdict rests on first (`MIN_DECIDING`). The plan and the figures are recorded
in `runs/demo/stages.json`, so a re-run uses the same plan.
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import asdict, dataclass, replace
from typing import Callable

from ragtune.answer import build_messages
from ragtune.demo.step_probe import Train
from ragtune.retrieve.hit import Hit

BUDGET_S = 15 * 60
# What the stages cost besides answering and training, measured on 2 cores: ingest 12 s, synthesis 3 s,
# loading models and adapters, the v2 sync and the report about 45 s.
FIXED_S = 60.0
TRAIN_SHARE = 0.25  # of the budget left after FIXED_S: the full demo of issue 5 spent 23 % training
RAFT_PER_FT = 30 / 80  # raft steps per ft step (the full plan's ratio)
ANSWER_TOKENS = 40  # mean generated tokens of a demo answer (max 48; 38.5 measured in docs/benchmarks.md)
BATCH_TOKENS = 48  # decode steps of a batch: until its longest answer stops, the demo's max_new_tokens
LATENCY_SAMPLE = 2  # questions per variant and eval answered alone (DemoPlan.latency_sample)
# Answers per question and variant kind: base and ft closed-book; rag, ft+rag and raft with passages.
CLOSED, WITH_PASSAGES = 2, 3
RAFT_STEP_FALLBACK = 3.0  # raft step / ft step where no raft rows were measured (see Throughput.raft_step_s)
ADAPTER_OVERHEAD = 1.0  # adapters answer with merged weights at the base's cost (models/merged.py: 0.96-0.98x)
CALIBRATION = 1.0  # measured total / modelled total of the answers, on the machine that set the constants
PER_TAG_V1 = (10, 8, 6, 5, 4, 3, 2, 1)  # candidates, most first
# The deciding set: the demo's documents change, so its verdict is decided on the after-update (v2) questions
# (docs/decision.md, rule 9), and they are sized first. 30, because a 95 % interval on one accuracy is then
# about +-17 points at 50 % (Wilson); at the 10 an EPYC's plan once gave them it was +-26, and the headline
# read "38 % [0-75]" (issue 28). Where a knowledge base has fewer v2 questions, all of them decide.
MIN_DECIDING = 30
PER_TAG_V2 = (None, 20, 16, 12, 10, 9, 8, 7, 6, 5, 4, 3, 2)  # None: every one; fine steps near 30 questions
MIN_FT_STEPS = 8
# The behaviour stage (demo/behaviour.py), where the knowledge base has a task: its share of the budget left
# after the fixed stages, split between training task-ft+rag and answering held-out tickets.
BEHAVIOUR_SHARE = 0.3
BEHAVIOUR_TRAIN_SHARE = 0.4  # of the behaviour share: task-ft+rag steps (rows like raft's: passages + reply)
BEHAVIOUR_FIXED_S = 15.0  # loading its adapter, embedding the few-shot pool, the style classifier
TASK_VARIANTS = 4  # base, rag, fewshot+rag, task-ft+rag
TASK_TOKENS = 80  # decode steps of a task batch: the stage's max_new_tokens (a house reply is 55-70 tokens)
STYLE_SAMPLES = 10  # base answers to training inputs for the style classifier ([behaviour] style_samples)
MIN_TASK_STEPS, MAX_TASK_STEPS = 8, 60
MIN_TASK_EXAMPLES = 8
SPARE_MARGIN = 0.93  # spare time is spent up to 93 % of the budget (a 2-core Xeon's demo ran 6 % over its plan)


@dataclass(frozen=True)
class Throughput:
    """Seconds per answer in a batch (closed-book, with 3 passages) and per LoRA step, and the probe's time."""

    closed_s: float
    passages_s: float
    ft_step_s: float
    probe_s: float
    # A raft step (question + oracle + distractor chunks: long rows that do not pack) measured on raft rows;
    # None: not measured, taken as `RAFT_STEP_FALLBACK` ft steps. The ratio is not a constant: 2.2 on a Zen 4
    # with short probe rows, 3.1 on a Zen 3 against the real ft rows.
    raft_step_s: float | None = None
    run_overhead_s: float = 0.0  # a training run's time outside its steps (loading, its own probe, saving)

    def raft_s(self) -> float:
        return self.raft_step_s if self.raft_step_s is not None else RAFT_STEP_FALLBACK * self.ft_step_s

    # Seconds of one answer generated alone (the eval's latency sample); None: a plan recorded before these.
    closed_alone_s: float | None = None
    passages_alone_s: float | None = None
    # One task answer in a batch of the behaviour stage's prompts (one per variant, `TASK_TOKENS` decoded);
    # None: no task measured (a knowledge base without one, or a plan recorded before the stage was sized).
    task_s: float | None = None
    # One task-ft+rag optimizer step on the stage's own rows (ticket prompts with passages: longer than raft's)
    # and that run's time outside its steps; None: not measured (then a raft step stands in).
    task_step_s: float | None = None

    def task_alone_s(self) -> float | None:
        """A task answer generated alone, at the knowledge prompts' measured alone/batched ratio."""
        if self.task_s is None:
            return None
        if self.passages_alone_s is None or not self.passages_s:
            return self.task_s
        return self.task_s * self.passages_alone_s / self.passages_s

    def question_s(self, alone: bool = False) -> float:
        """One question through the five demo variants, in a batch or (`alone`) answered by itself."""
        closed, passages = self.closed_s, self.passages_s
        if alone and self.closed_alone_s is not None and self.passages_alone_s is not None:
            closed, passages = self.closed_alone_s, self.passages_alone_s
        rag = passages * (1 + 2 * ADAPTER_OVERHEAD) / WITH_PASSAGES
        return CALIBRATION * (CLOSED * closed + WITH_PASSAGES * rag)


def measure(generator, train: Train, passages: list[str], question: str, train_raft: Train | None = None,
            task_prompts: list[list[dict]] | None = None, train_task: Train | None = None) -> Throughput:
    """Time the generator on 4 prompts of each kind (1 and 9 new tokens: prefill and decode apart),
    `train(steps)` -> seconds per ft step and `train_raft(steps)` per raft step; 30-60 s on 2 cores.
    `task_prompts`: the behaviour stage's prompts of one input (one per variant), timed as one batch;
    `train_task(steps)`: its task-ft+rag step probe."""
    t0 = time.perf_counter()
    hits = [Hit(f"p{i}", f"p{i}", text, "", {}, 0.0) for i, text in enumerate(passages[:3])]
    closed = [build_messages(question, None)] * 4
    rag = [build_messages(question, hits)] * 4
    generator.generate_batch(closed[:1], max_new_tokens=1)  # warm-up
    per_answer = {}
    # A batch decodes until its longest answer ends (nearly always the token limit); alone, an answer
    # stops at its own end (the mean length).
    kinds = [("closed", closed, BATCH_TOKENS), ("passages", rag, BATCH_TOKENS), ("closed_alone", closed[:1], ANSWER_TOKENS),
             ("passages_alone", rag[:1], ANSWER_TOKENS)]
    if task_prompts:
        kinds.append(("task", task_prompts, TASK_TOKENS))
    for name, prompts, tokens in kinds:
        one = _timed(lambda: generator.generate_batch(prompts, max_new_tokens=1))
        nine = _timed(lambda: generator.generate_batch(prompts, max_new_tokens=9))
        decode = max(nine - one, 0.0) / 8  # one decode step of the batch
        per_answer[name] = (one + tokens * decode) / len(prompts)
    step_s, outside_s = train(3)
    raft_s = train_raft(2)[0] if train_raft is not None else None
    task_step_s = train_task(2)[0] if train_task is not None else None
    return Throughput(per_answer["closed"], per_answer["passages"], step_s, time.perf_counter() - t0, raft_s,
                      outside_s, per_answer["closed_alone"], per_answer["passages_alone"], per_answer.get("task"),
                      task_step_s)


def _timed(work: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    work()
    return time.perf_counter() - t0


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
    behaviour_examples: int | None = None  # held-out tickets of the behaviour stage (None: no such stage)
    behaviour_steps: int | None = None  # task-ft+rag training steps
    behaviour_s: float = 0.0  # the behaviour stage's share of `estimated_s`

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict) -> Sizing:
        return cls(**{**obj, "throughput": Throughput(**obj["throughput"])})  # older files: no raft_step_s


def task_step(t: Throughput) -> float:
    """Seconds of a task-ft+rag step: measured on its rows, else a raft step's (the nearest kind of row)."""
    return t.task_step_s if t.task_step_s is not None else t.raft_s()


def behaviour_seconds(t: Throughput, examples: int, steps: int) -> float:
    """The behaviour stage: a training run of `steps`, the style classifier's base answers, and `examples`
    tickets through the four variants (each variant's latency sample answered alone)."""
    batched, alone = t.task_s or 0.0, t.task_alone_s() or 0.0
    solo = TASK_VARIANTS * min(LATENCY_SAMPLE, examples)
    answers = STYLE_SAMPLES + TASK_VARIANTS * examples - solo
    return BEHAVIOUR_FIXED_S + t.run_overhead_s + steps * task_step(t) + answers * batched + solo * alone


def choose_behaviour(t: Throughput, share_s: float, most: int) -> tuple[int, int, float] | None:
    """(examples, steps, seconds) of the behaviour stage within `share_s`: `BEHAVIOUR_TRAIN_SHARE` of it
    buys steps, the rest as many of the `most` held-out tickets as fit. None: not even the smallest fits."""
    steps = int(BEHAVIOUR_TRAIN_SHARE * share_s / task_step(t)) if task_step(t) > 0 else MIN_TASK_STEPS
    steps = max(MIN_TASK_STEPS, min(MAX_TASK_STEPS, steps))
    fits = [n for n in range(MIN_TASK_EXAMPLES, max(most, MIN_TASK_EXAMPLES) + 1)
            if behaviour_seconds(t, n, steps) <= share_s]
    if not fits:
        return None
    return fits[-1], steps, round(behaviour_seconds(t, fits[-1], steps), 1)


Counts = Callable[[int, int | None], tuple[int, int]]  # (v1, v2 per tag) -> (v1 questions, v2 questions)


def deciding_sets(counts: Counts) -> list[int | None]:
    """The v2 settings a verdict may rest on, most first: every v2 question, or a per-tag sample of at least
    `MIN_DECIDING` of them (every one where fewer exist)."""
    least = min(MIN_DECIDING, counts(PER_TAG_V1[-1], None)[1])
    return [v2 for v2 in PER_TAG_V2 if v2 is None or counts(PER_TAG_V1[-1], v2)[1] >= least]


def smallest_deciding(counts: Counts) -> int:
    """The after-update questions of the smallest acceptable plan: what a verdict needs at the least."""
    return counts(PER_TAG_V1[-1], deciding_sets(counts)[-1])[1]


def answers_s(t: Throughput, n1: int, n2: int) -> float:
    """The two evaluations' answers: each one's latency sample answered alone, the rest in batches."""
    solo = min(LATENCY_SAMPLE, n1) + min(LATENCY_SAMPLE, n2)
    return (n1 + n2 - solo) * t.question_s() + solo * t.question_s(alone=True)


def training_s(t: Throughput, ft_steps: int) -> float:
    """The ft run and the raft run (`RAFT_PER_FT` of its steps), each with its time outside the steps."""
    return ft_steps * (t.ft_step_s + RAFT_PER_FT * t.raft_s()) + 2 * t.run_overhead_s


def train_steps(t: Throughput, for_s: float) -> int:
    """The ft steps `for_s` buys (`training_s`), from `MIN_FT_STEPS` to 200."""
    pair = t.ft_step_s + RAFT_PER_FT * t.raft_s()
    steps = (for_s - 2 * t.run_overhead_s) / pair if pair > 0 else 0.0
    return MIN_FT_STEPS if math.isnan(steps) else int(max(MIN_FT_STEPS, min(200, steps)))  # nan: inf / inf


def choose(t: Throughput, counts: Counts, budget_s: float = BUDGET_S, task_examples: int = 0) -> Sizing | None:
    """The plan for `budget_s`, its deciding set first. Of what the fixed stages leave, the behaviour stage
    (with `task_examples` held-out tickets and a measured `t.task_s`) takes `BEHAVIOUR_SHARE` and training
    `TRAIN_SHARE` of the rest, each less only where the smallest acceptable question set (the smallest
    deciding set, 1 v1 question per tag) would not fit beside them. The questions then get the most v2
    questions that fit (every one, else a per-tag sample of at least `MIN_DECIDING`: `deciding_sets`), and
    with those the most v1 questions per tag. Counting every question alike had bought v1 questions with the
    deciding ones (43 v1 and 10 v2 on an EPYC). None: not even the smallest plan (that question set,
    `MIN_FT_STEPS`, `MIN_TASK_EXAMPLES` tickets) fits; `minutes_needed` says what budget would."""
    sets, left = deciding_sets(counts), budget_s - FIXED_S - t.probe_s
    floor_s = answers_s(t, *counts(PER_TAG_V1[-1], sets[-1]))
    behaviour = None
    if task_examples and t.task_s is not None:
        share = min(BEHAVIOUR_SHARE * left, left - floor_s - training_s(t, MIN_FT_STEPS))
        behaviour = choose_behaviour(t, share, task_examples)
        if behaviour is None:
            return None
        left -= behaviour[2]
    ft_steps = train_steps(t, min(TRAIN_SHARE * left, left - floor_s))
    spent = budget_s - left + training_s(t, ft_steps)  # the fixed stages, the behaviour stage, training
    for v2 in sets:
        for v1 in PER_TAG_V1:  # the most v1 questions per tag beside this deciding set
            n1, n2 = counts(v1, v2)
            if spent + answers_s(t, n1, n2) <= budget_s:
                plan = Sizing(budget_s, t, v1, v2, n1, n2, ft_steps, max(1, round(ft_steps * RAFT_PER_FT)),
                              round(spent + answers_s(t, n1, n2), 1), *(behaviour or (None, None, 0.0)))
                return spend_spare(plan) if plan.behaviour_steps else plan
    return None


def minutes_needed(t: Throughput, counts: Counts, task_examples: int = 0, most: int = 24 * 60) -> int | None:
    """The fewest whole minutes in which `choose` finds a plan (the smallest acceptable one, by the same model
    of seconds): what a machine too slow for its budget is told to ask for. None: not within `most` minutes."""
    cached = functools.cache(counts)  # the same question counts for every budget tried
    return next((m for m in range(1, most + 1) if choose(t, cached, 60.0 * m, task_examples) is not None), None)


def spend_spare(plan: Sizing) -> Sizing:
    """Time the questions could not use (every one of them fits) buys task-ft+rag steps, up to
    `MAX_TASK_STEPS` and up to `SPARE_MARGIN` of the budget: a ticket row (instruction, passages, a JSON
    reply) costs several ft steps, so its share alone bought too few to learn the format (14 on a 2-core Xeon)."""
    t, step = plan.throughput, task_step(plan.throughput)
    spare = SPARE_MARGIN * plan.budget_s - plan.estimated_s
    more = min(MAX_TASK_STEPS - plan.behaviour_steps, int(spare / step)) if step > 0 else 0
    if more <= 0:
        return plan
    steps = plan.behaviour_steps + more
    behaviour_s = round(behaviour_seconds(t, plan.behaviour_examples, steps), 1)
    return replace(plan, behaviour_steps=steps, behaviour_s=behaviour_s,
                   estimated_s=round(plan.estimated_s - plan.behaviour_s + behaviour_s, 1))


def tune_config(proj, steps: int | None):
    """The project's [tune] settings with the demo's step budget (CPU time decides it, not convergence)."""
    cfg = proj.settings.tune
    # A fixed step budget on a schedule planned as before (10 epochs, cut at max_steps): the demo's results
    # stay reproducible, and the epoch-stopping rule is for open-ended runs.
    return replace(cfg, max_steps=steps, epochs=cfg.epochs or 10) if steps is not None else cfg
