from ragtune.synth.qa import qa_messages, teacher_pairs

GOOD_AND_BAD = """```json
[{"question": "How long is the standard warranty?", "answer": "3 years"},
 {"question": "how long is THE standard warranty ?", "answer": "3 years"},
 {"question": "Where are claims handled?", "answer": "in Rotterdam"},
 {"question": "Every Brightwell appliance comes with a warranty of 3 years from the date of purchase?", "answer": "3 years"},
 {"question": "How many years do registered kettles get", "answer": "4 years"},
 {"question": "Where are warran"""


def test_teacher_pairs_are_parsed_validated_deduplicated_and_tagged(chunks, teacher_cls):
    teacher = teacher_cls([GOOD_AND_BAD, "I cannot do that.", "Q: Who founded it?\nA: Marieke de Vries"])
    pairs, y = teacher_pairs(chunks, teacher, pairs_per_chunk=3)
    assert [(p.question, p.answer, p.chunk_id) for p in pairs] == [
        ("How long is the standard warranty?", "3 years", "warranty.md#0"),
        ("How many years do registered kettles get?", "4 years", "warranty.md#0"),
    ]  # the toaster chunk's "Marieke de Vries" is not in that chunk
    assert all(p.strategy == "teacher" and p.doc_id == "warranty.md" for p in pairs)
    assert (y.asked, y.parsed, y.valid, y.kept) == (9, 6, 3, 2)
    assert y.rejected == {"answer not supported by chunk": 2, "duplicate question": 1,
                          "question contains the answer": 1}


def test_prompt_holds_the_chunk_and_asks_for_json(chunks):
    messages = qa_messages(chunks[0], 4)
    assert chunks[0].text in messages[1]["content"] and "4 different questions" in messages[1]["content"]
    assert "JSON" in messages[0]["content"]
