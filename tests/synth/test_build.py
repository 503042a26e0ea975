import json

from ragtune.synth import build_training_set, read_chat_jsonl
from ragtune.synth.pairs import QAPair

TEACHER_REPLY = '[{"question": "How long is the standard warranty?", "answer": "3 years"}]'


def test_without_teacher_extractive_fills_every_chunk(chunks, tmp_path):
    ts = build_training_set(chunks, None, pairs_per_chunk=3, raft=True, seed=1)
    pairs = ts.split.train + ts.split.val + ts.split.paraphrase
    assert {p.strategy for p in pairs} <= {"extractive", "cloze"}
    for c in chunks:
        assert sum(p.chunk_id == c.id for p in pairs) == 3
    assert ts.yields["extractive"].kept + ts.yields["cloze"].kept == 9
    assert "teacher" not in ts.yields and "paraphrase" not in ts.yields
    files = ts.write(tmp_path)
    report = json.loads(files["report"].read_text())
    assert report["counts"]["train_pairs"] == len(ts.split.train)
    train = read_chat_jsonl(files["train"])
    assert len(train) == len(ts.split.train) + len(chunks)  # pairs + the original chunks as documents
    assert len(read_chat_jsonl(files["raft_train"])) == len(ts.raft) > 0
    again = build_training_set(chunks, None, pairs_per_chunk=3, raft=True, seed=1)
    assert (again.split, again.raft, again.documents) == (ts.split, ts.raft, ts.documents)


def test_teacher_pairs_come_first_and_paraphrases_become_documents(chunks, teacher_cls):
    para = chunks[0].text.replace("Every Brightwell appliance comes", "Each Brightwell appliance is sold")
    # the teacher pass over the 3 chunks, then the paraphrase pass over them
    teacher = teacher_cls([TEACHER_REPLY, "[]", "[]", para, "nope", "nope"])
    user = [QAPair("Who runs support?", "the service centre", "warranty.md", "", "user")]
    ts = build_training_set(chunks, teacher, pairs_per_chunk=2, paraphrases=1, user_pairs=user, seed=0)
    assert ts.yields["teacher"].kept == 1 and ts.yields["paraphrase"].kept == 1
    assert ts.yields["user"].kept == 1
    all_pairs = ts.split.train + ts.split.val + ts.split.paraphrase
    assert sum(p.chunk_id == "warranty.md#0" and p.strategy != "user" for p in all_pairs) == 2
    assert ("Warranty policy", para) in ts.documents
    convs = ts.train_conversations()
    assert any(c[1]["content"] == "Tell me about Warranty policy." and c[2]["content"] == para for c in convs)
