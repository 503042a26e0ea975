import json

import pytest

from ragtune.answer import BASE_SYSTEM
from ragtune.synth.heldout import held_out
from ragtune.synth.dataset import (qa_messages, read_chat_jsonl, split_by_fact, write_chat_jsonl,
                                   write_questions_jsonl)
from ragtune.errors import SynthError
from ragtune.text import normalize_text
from ragtune.synth.pairs import QAPair
from ragtune.synth.user_data import load_chat, load_questions


def _pairs():
    pairs = []
    for i in range(30):
        pairs.append(QAPair(f"What is fact {i}?", f"value {i}", f"doc{i % 5}", f"doc{i % 5}#{i}", "teacher"))
        pairs.append(QAPair(f"Which value does fact {i} have?", f"Value {i}.", f"doc{i % 5}", f"doc{i % 5}#{i}",
                            "extractive"))
        pairs.append(QAPair(f"Fill in the blank: fact {i} is ____.", f"value {i}", f"doc{i % 5}", f"doc{i % 5}#{i}",
                            "cloze"))
    return pairs


def test_split_by_fact_has_no_leakage_and_is_seeded():
    split = split_by_fact(_pairs(), val_fraction=0.2, seed=5)
    facts = lambda ps: {p.fact_key for p in ps}  # noqa: E731
    assert facts(split.train).isdisjoint(facts(split.val))
    assert {normalize_text(p.question) for p in split.train}.isdisjoint(
        {normalize_text(p.question) for p in split.val + split.paraphrase})
    # the held-out facts are the ones the shared hash rule picks, the rule `ragtune questions` applies too
    assert facts(split.val) == {k for k in facts(_pairs()) if held_out(k, 0.2, 5)}
    assert 2 <= len(facts(split.val)) <= 12  # about 20 % of 30 facts
    assert facts(split.paraphrase) <= facts(split.train)  # rewordings of trained facts
    assert all(p.strategy == "extractive" for p in split.paraphrase)
    assert split == split_by_fact(_pairs(), val_fraction=0.2, seed=5)
    assert split != split_by_fact(_pairs(), val_fraction=0.2, seed=6)
    assert len(split.train) + len(split.val) + len(split.paraphrase) == 90


def test_chat_jsonl_round_trips(tmp_path):
    conversations = [qa_messages(p) for p in _pairs()[:5]] + [[{"role": "user", "content": "ünïcode \n \"x\""},
                                                               {"role": "assistant", "content": "ok"}]]
    path = tmp_path / "train.jsonl"
    assert write_chat_jsonl(path, conversations) == 6
    assert read_chat_jsonl(path) == conversations
    assert load_chat(path) == conversations
    assert conversations[0][0] == {"role": "system", "content": BASE_SYSTEM}
    assert all(set(json.loads(line)) == {"messages"} for line in path.read_text().splitlines())


def test_bad_chat_lines_raise_a_helpful_error(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"messages": [{"role": "robot", "content": "hi"}]}\n')
    with pytest.raises(SynthError, match="bad.jsonl:1"):
        read_chat_jsonl(path)


def test_questions_format_round_trips_and_skips_unanswerable(tmp_path):
    pairs = _pairs()[:4]
    path = tmp_path / "q.jsonl"
    write_questions_jsonl(path, pairs)
    with open(path, "a") as f:
        f.write(json.dumps({"id": "x", "question": "Unanswerable?", "answers": [], "sources": []}) + "\n")
    loaded = load_questions(path)
    assert [(p.question, p.answer, p.doc_id, p.chunk_id) for p in loaded] == [
        (p.question, p.answer, p.doc_id, p.chunk_id) for p in pairs]
    assert all(p.strategy == "user" for p in loaded)
