"""Sizing the full demo to the machine: the plan follows the measured throughput, has a floor, and a real
probe measures in seconds."""

from pathlib import Path

import pytest

from ragtune.demo import FAST, Sizing, Throughput, choose, sample_questions
from ragtune.demo.sizing import (BEHAVIOUR_SHARE, FIXED_S, MIN_FT_STEPS, MIN_TASK_EXAMPLES, SPARE_MARGIN,
                                 behaviour_seconds, choose_behaviour, measure, train_step_seconds)
from ragtune.questions import load_questions

KB = Path(__file__).resolve().parents[2] / "examples" / "kb"


@pytest.fixture(scope="module")
def counts():
    v1, v2 = load_questions(KB / "questions.jsonl"), load_questions(KB / "questions_v2.jsonl")

    def count(per_tag_v1, per_tag_v2):
        s2 = sample_questions(v2, per_tag_v2)
        keep = {q.id for q in s2 if q.old_answers}
        return len(sample_questions(v1, per_tag_v1, keep=keep)), len(s2)

    return count


def test_a_faster_machine_gets_a_larger_plan_within_the_budget(counts):
    slow = choose(Throughput(closed_s=0.9, passages_s=3.2, ft_step_s=2.8, probe_s=10), counts)
    fast = choose(Throughput(closed_s=0.45, passages_s=1.6, ft_step_s=1.4, probe_s=10), counts)
    assert slow is not None and fast is not None
    assert fast.questions_v1 + fast.questions_v2 > slow.questions_v1 + slow.questions_v2
    assert fast.ft_steps > slow.ft_steps >= MIN_FT_STEPS and fast.raft_steps > slow.raft_steps
    for plan in (slow, fast):
        assert FIXED_S < plan.estimated_s <= plan.budget_s == 15 * 60
        assert counts(plan.per_tag_v1, plan.per_tag_v2) == (plan.questions_v1, plan.questions_v2)
        assert Sizing.from_json(plan.to_json()) == plan  # what stages.json records reads back whole


def test_more_time_buys_more_questions_and_too_little_time_says_so(counts):
    t = Throughput(closed_s=0.9, passages_s=3.2, ft_step_s=2.8, probe_s=10)
    short, long = choose(t, counts, budget_s=10 * 60), choose(t, counts, budget_s=30 * 60)
    assert short.questions_v1 + short.questions_v2 < long.questions_v1 + long.questions_v2
    assert choose(Throughput(closed_s=20, passages_s=60, ft_step_s=30, probe_s=10), counts) is None


def test_the_behaviour_stage_gets_its_share_at_its_own_measured_step_cost(counts):
    base = dict(closed_s=0.55, passages_s=0.83, ft_step_s=1.3, probe_s=36, raft_step_s=2.6, run_overhead_s=8.7,
                task_s=1.7)
    cheap = choose(Throughput(**base, task_step_s=2.6), counts, task_examples=60)
    dear = choose(Throughput(**base, task_step_s=6.9), counts, task_examples=60)  # longer rows: ticket + passages
    assert cheap is not None and dear is not None
    assert dear.behaviour_steps < cheap.behaviour_steps  # the stage buys fewer steps where a step costs more
    for plan in (cheap, dear):
        assert MIN_TASK_EXAMPLES <= plan.behaviour_examples <= 60 and plan.behaviour_s > 0
        assert plan.estimated_s <= plan.budget_s
        t = plan.throughput
        assert plan.behaviour_s == round(behaviour_seconds(t, plan.behaviour_examples, plan.behaviour_steps), 1)
    assert choose(Throughput(**base), counts).behaviour_examples is None  # no task examples: no such stage
    # A fast machine fits every question with time to spare: the spare time buys task-ft+rag steps.
    fast = Throughput(**{**base, "closed_s": 0.2, "passages_s": 0.3}, task_step_s=3.0)
    share_only = choose_behaviour(fast, BEHAVIOUR_SHARE * (15 * 60 - FIXED_S - fast.probe_s), 60)
    spent = choose(fast, counts, task_examples=60)
    assert spent.behaviour_steps > share_only[1] and spent.estimated_s <= SPARE_MARGIN * spent.budget_s
    assert spent.behaviour_s == round(behaviour_seconds(fast, spent.behaviour_examples, spent.behaviour_steps), 1)
    unmeasured = Throughput(**{**base, "raft_step_s": 6.9})  # an older plan without task_step_s: raft's cost
    assert behaviour_seconds(unmeasured, 10, 20) == behaviour_seconds(Throughput(**base, task_step_s=6.9), 10, 20)


def test_a_real_probe_measures_generation_and_training(tiny_llama_path):
    from ragtune.config import TuneConfig
    from ragtune.models.hf_generator import TransformersGenerator

    gen = TransformersGenerator(tiny_llama_path, device="cpu")
    examples = [[{"role": "user", "content": f"What is {i}?"}, {"role": "assistant", "content": str(i)}]
                for i in range(8)]
    train = train_step_seconds(tiny_llama_path, TuneConfig(seq_len=64, device="cpu"), examples)
    t = measure(gen, train, ["Passage one. " * 30, "Passage two. " * 30, "Passage three. " * 30], "What is it?")
    assert t.closed_s > 0 and t.passages_s > 0 and 0 < t.ft_step_s < 30 and t.probe_s < 60
    assert t.question_s() > 0
    assert FAST.ft_steps is not None  # the fast plan is fixed, never sized
