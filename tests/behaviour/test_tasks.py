"""Task examples: both line formats, a seeded split that never mixes training and test, few-shot prompts
that hold the k nearest training examples and never a test example."""

import json

import numpy as np
import pytest

from ragtune.behaviour.prompt import TaskPrompt, training_messages
from ragtune.behaviour.spec import BehaviourSpec
from ragtune.errors import TaskError
from ragtune.tasks import TaskExample, TaskSplit, load_examples, split_examples

TOPICS = ["brakes", "saddle", "battery", "delivery", "invoice", "warranty", "helmet", "chain"]


def write(path, lines):
    path.write_text("\n".join(json.dumps(x) if not isinstance(x, str) else x for x in lines) + "\n")
    return path


def test_both_line_formats(tmp_path):
    path = write(tmp_path / "t.jsonl", [
        {"id": "a", "input": "My brakes squeak", "output": {"category": "repair"}, "label": "repair",
         "answers": ["3 days"], "tags": ["repair"]},
        {"messages": [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "old"},
                      {"role": "assistant", "content": "old reply"}, {"role": "user", "content": "Invoice?"},
                      {"role": "assistant", "content": "Sent."}]},
        "",
    ])
    a, b = load_examples(path)
    assert (a.id, a.output, a.label, a.answers, a.tags) == ("a", '{"category": "repair"}', "repair", ("3 days",),
                                                            ("repair",))
    assert (b.id, b.input, b.output, b.system) == ("t2", "Invoice?", "Sent.", "Be terse.")


@pytest.mark.parametrize("line, message", [
    ('{"input": "x"}', "`input` and `output` are required"),
    ('{"input": "", "output": "y"}', "may not be empty"),
    ('{"messages": [{"role": "user", "content": "x"}]}', "followed by an assistant turn"),
    ('{"input": "x", "output": "y", "tags": 3}', "`tags` must be a list"),
    ("{not json", "not valid JSON"),
])
def test_bad_lines_name_the_line(tmp_path, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"input": "fine", "output": "ok"}\n' + line + "\n")
    with pytest.raises(TaskError, match=message) as e:
        load_examples(path)
    assert "bad.jsonl:2" in str(e.value)


def test_duplicate_ids_and_missing_file(tmp_path):
    path = write(tmp_path / "d.jsonl", [{"id": "x", "input": "a", "output": "b"}] * 2)
    with pytest.raises(TaskError, match="duplicate id 'x'"):
        load_examples(path)
    with pytest.raises(TaskError, match="no such file"):
        load_examples(tmp_path / "none.jsonl")


def examples(n):
    return [TaskExample(f"e{i}", f"question about the {TOPICS[i % len(TOPICS)]} number {i}", f"reply {i}")
            for i in range(n)]


def test_split_is_seeded_disjoint_and_order_free():
    xs = examples(40)
    s = split_examples(xs, test_fraction=0.25, seed=3)
    assert len(s.test) == 10 and len(s.train) == 30
    assert not {e.id for e in s.train} & {e.id for e in s.test}
    assert {e.id for e in s.train} | {e.id for e in s.test} == {e.id for e in xs}
    again = split_examples(list(reversed(xs)), test_fraction=0.25, seed=3)
    assert {e.id for e in again.test} == {e.id for e in s.test}
    other = split_examples(xs, test_fraction=0.25, seed=4)
    assert {e.id for e in other.test} != {e.id for e in s.test}
    grown = split_examples(xs + examples(44)[40:], test_fraction=0.25, seed=3)  # 4 more: 11 test
    assert len({e.id for e in s.test} - {e.id for e in grown.test}) <= 1
    with pytest.raises(TaskError, match="at least 2"):
        split_examples(xs[:1])
    with pytest.raises(TaskError, match="both in training and test"):
        TaskSplit(tuple(xs[:2]), tuple(xs[1:3]), 0, 0.5)


def bag_of_words(texts):
    vocab = {w: i for i, w in enumerate(TOPICS)}
    out = np.zeros((len(texts), len(TOPICS) + 1), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in text.split():
            out[row, vocab.get(word, len(TOPICS))] += 1.0 if word in vocab else 0.01
    return out


def test_fewshot_prompt_holds_the_k_nearest_training_examples_and_no_test_example():
    split = split_examples(examples(40), test_fraction=0.25, seed=0)
    prompt = TaskPrompt(BehaviourSpec(instruction="Answer tickets."), split.train, bag_of_words, shots=3)
    test_ids = {e.id for e in split.test}
    for example in split.test:
        messages = prompt.messages(example.input, None)
        shown = [m["content"] for m in messages[1:-1:2]]
        assert len(shown) == 3 and messages[-1]["content"] == example.input
        topic = example.input.split()[3]
        pool_same_topic = {e.input for e in split.train if e.input.split()[3] == topic}
        assert set(shown) <= pool_same_topic or len(pool_same_topic) < 3
        assert not {e.id for e in split.train if e.input in shown} & test_ids
        assert [m["role"] for m in messages] == ["system"] + ["user", "assistant"] * 3 + ["user"]
        assert example.output not in [m["content"] for m in messages]
    zero = prompt.with_shots(0).messages("hello", None)
    assert [m["role"] for m in zero] == ["system", "user"] and zero[0]["content"] == "Answer tickets."


def test_training_rows_use_the_zero_shot_prompt_with_the_output():
    split = split_examples(examples(8), seed=0)
    prompt = TaskPrompt(BehaviourSpec(max_words=5), split.train, bag_of_words, shots=2)
    ex = split.train[0]
    row = training_messages(prompt, ex)
    assert row[:-1] == prompt.with_shots(0).messages(ex.input, None)
    assert row[-1] == {"role": "assistant", "content": ex.output} and "at most 5 words" in row[0]["content"]


def test_a_task_opened_in_a_relative_project_reopens_from_its_recorded_path(tmp_path, monkeypatch):
    """`make demo` runs in a relative project folder: the path a run records must open again from there."""
    from ragtune.behaviour.task import open_task
    from ragtune.project import Project

    root = tmp_path / "proj"
    root.mkdir()
    lines = [{"id": f"e{i}", "input": f"input {i}", "output": f"output {i}"} for i in range(8)]
    (root / "examples.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    (root / "ragtune.toml").write_text('[behaviour]\ntask = "examples.jsonl"\n')
    monkeypatch.chdir(tmp_path)
    proj = Project("proj")
    task = open_task(proj)
    assert task.path.is_absolute() and task.path == (root / "examples.jsonl").resolve()
    assert open_task(proj, str(task.path)).hash == task.hash  # as summarize_task_run reopens it
