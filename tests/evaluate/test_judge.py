"""The LLM judge: verdict parsing, and failures recorded as unmeasured (never as a wrong answer)."""

import pytest

from ragtune.evaluate.judge import judge_answer, judge_messages, parse_verdict
from ragtune.evaluate.stats import bootstrap_ci
from ragtune.models.protocols import Completion


class Replies:
    """A Generator (the protocol) that replies with canned texts in turn, or raises: the judge is the unit here."""

    def __init__(self, *replies):
        self.replies, self.seen = list(replies), []

    def generate(self, messages, *, max_new_tokens=256, temperature=0.0):
        self.seen.append(messages)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return Completion(reply, 10, 5, 0.01, 0.02, "judge")


@pytest.mark.parametrize("text, correct, faithful", [
    ('{"correct": true, "faithful": false}', True, False),
    ('Sure! ```json\n{"correct": "yes", "faithful": null}\n```', True, None),
    ("{'correct': False, 'faithful': True} because ...", False, True),
    ('{"reason": "x"} then {"Correct": "no"}', False, None),
])
def test_parse_verdict(text, correct, faithful):
    assert parse_verdict(text) == {"correct": correct, "faithful": faithful}


@pytest.mark.parametrize("text", ["I think it is right.", '{"correct": "maybe"}', "{broken"])
def test_unreadable_verdicts_raise(text):
    with pytest.raises(ValueError):
        parse_verdict(text)


def test_judge_metrics_and_failures_are_unmeasured():
    judge = Replies('{"correct": true, "faithful": true}', "no idea", TimeoutError("endpoint down"))
    ok = judge_answer(judge, "How long?", ["3 years"], "Three years.", ["The warranty lasts 3 years."])
    assert ok["metrics"] == {"judge_correct": 1.0, "judge_faithful": 1.0} and "reply" in ok["judge"]
    unreadable = judge_answer(judge, "How long?", ["3 years"], "Two.", None)
    down = judge_answer(judge, "How long?", ["3 years"], "Two.", None)
    for failed in (unreadable, down):
        assert failed["metrics"] == {"judge_correct": None, "judge_faithful": None}
    assert "endpoint down" in down["judge"]["error"] and "ValueError" in unreadable["judge"]["error"]
    # A mean over the three leaves the failures out instead of counting them wrong.
    est = bootstrap_ci([r["metrics"]["judge_correct"] for r in (ok, unreadable, down)], resamples=100)
    assert est.value == 1.0 and est.n == 1


def test_judge_prompt_states_the_task():
    closed = judge_messages("Share price?", [], "It is 40.", None)[1]["content"]
    assert "declines" in closed and "faithful: null" in closed
    rag = judge_messages("How long?", ["3 years", "three years"], "3 years [1]", ["W: 3 years."])[1]["content"]
    assert "3 years | three years" in rag and "[1] W: 3 years." in rag and "supported by the passages" in rag


def test_tone_grades_map_to_0_1_and_failures_stay_unmeasured():
    from ragtune.evaluate.judge import judge_tone

    judge = Replies('{"tone": 5}', "```json\n{'tone': '2'}\n```", "It reads warmly.", ConnectionError("down"))
    rubric, reference = "warm, signs off 'Kind regards'", "Hello! ... Kind regards, Quellmoor Care"
    assert judge_tone(judge, rubric, reference, "Hi! Kind regards")["metrics"] == {"judge_tone": 1.0}
    assert judge_tone(judge, rubric, reference, "ok")["metrics"] == {"judge_tone": 0.25}
    for failed in (judge_tone(judge, rubric, reference, "x"), judge_tone(judge, rubric, reference, "y")):
        assert failed["metrics"] == {"judge_tone": None} and failed["judge"]["error"]
    prompt = judge.seen[0][1]["content"]
    assert rubric in prompt and reference in prompt and "Hi! Kind regards" in prompt


def test_without_a_reference_the_judge_grades_relevance_not_correctness():
    messages = judge_messages("How long is the warranty?", [], "Three years [1].", ["W: 3 years."], referenced=False)
    system, prompt = messages[0]["content"], messages[1]["content"]
    assert '"relevant"' in system and '"correct"' not in system
    assert "relevant: the answer addresses the question" in prompt and "supported by the passages" in prompt
    assert "declines" not in prompt and "Reference answers" not in prompt  # no abstention rule, no reference
    assert parse_verdict('{"relevant": "yes", "faithful": false}', "relevant") == {"relevant": True,
                                                                                  "faithful": False}
    with pytest.raises(ValueError):
        parse_verdict('{"correct": true}', "relevant")  # a verdict on the wrong question is not read as one


class BatchReplies(Replies):
    """A judge that batches (a local model, or an endpoint with requests in flight): one call per block."""

    def __init__(self, *replies):
        super().__init__(*replies)
        self.batches = []

    def generate_batch(self, conversations, *, max_new_tokens=256, temperature=0.0):
        self.batches.append(len(conversations))
        return [self.generate(m) for m in conversations]


def test_a_block_of_answers_is_graded_in_one_batch_and_a_failed_batch_is_unmeasured():
    from ragtune.evaluate.judge import JudgeItem, judge_answers

    items = [JudgeItem("How long?", ("3 years",), a, None) for a in ("3 years.", "Two.", "Three years.")]
    judge = BatchReplies('{"correct": true}', '{"correct": false}', '{"correct": true}')
    graded = judge_answers(judge, items)
    assert judge.batches == [3] and [g["metrics"]["judge_correct"] for g in graded] == [1.0, 0.0, 1.0]
    down = judge_answers(BatchReplies(ConnectionError("endpoint down")), items)
    assert all(g["metrics"]["judge_correct"] is None and "endpoint down" in g["judge"]["error"] for g in down)
