"""Prompt building, citation parsing and post-hoc attribution, independent of any model."""

from ragtune.answer import (
    ABSTAIN_TEXT,
    answer_question,
    attribute_citations,
    build_messages,
    is_abstention,
    parse_citations,
)
from ragtune.models.protocols import Completion
from ragtune.retrieve import Hit


def _hit(n: int, doc: str, text: str, page: int | None = None) -> Hit:
    meta = {"page": page} if page else {}
    return Hit(chunk_id=f"{doc}#{n}", doc_id=doc, text=text, title=doc.title(), metadata=meta, score=1.0 / n)


HITS = [
    _hit(1, "warranty", "The warranty lasts 3 years; registered kettles get 4 years."),
    _hit(2, "returns", "Returns are accepted within 30 days of delivery."),
    _hit(3, "history", "Ingrid Halvorsen has been chief executive since 2023.", page=2),
]


class ScriptedGenerator:
    """A `Generator` backend that replies with fixed text, recording the prompt it was given."""

    name = "scripted"

    def __init__(self, reply: str):
        self.reply, self.seen = reply, None

    def generate(self, messages, *, max_new_tokens=256, temperature=0.0):
        self.seen = messages
        return Completion(self.reply, prompt_tokens=100, completion_tokens=7, prefill_s=0.01, total_s=0.2, model="scripted")


def test_rag_prompt_numbers_every_passage_and_asks_for_citations():
    messages = build_messages("How long is the warranty?", HITS)
    user = messages[-1]["content"]
    for n, hit in enumerate(HITS, start=1):
        assert f"[{n}] {hit.title}: {hit.text}" in user
    assert user.rstrip().endswith("Question: How long is the warranty?")
    assert "[2]" in messages[0]["content"] and "I don't know" in messages[0]["content"]


def test_base_prompt_has_no_passages():
    messages = build_messages("How long is the warranty?", None)
    assert messages[-1]["content"] == "How long is the warranty?"
    assert "passage" not in messages[0]["content"].lower()


def test_citations_resolve_to_documents_and_invalid_numbers_are_reported():
    cits, invalid = parse_citations("Four years [1]. Since 2023 [3, 1]; see also [7] and [0].", HITS)
    assert [(c.number, c.doc_id) for c in cits] == [(1, "warranty"), (3, "history")]
    assert cits[1].page == 2 and all(c.source == "model" for c in cits)
    assert invalid == [7, 0]


def test_attribution_cites_the_passage_holding_the_answer():
    cits = attribute_citations("Ingrid Halvorsen is the chief executive.", HITS)
    assert [(c.number, c.doc_id, c.source) for c in cits] == [(3, "history", "attributed")]


def test_attribution_refuses_unsupported_answers_and_abstentions():
    assert attribute_citations("The logo is purple with yellow stars.", HITS) == []
    assert attribute_citations(ABSTAIN_TEXT, HITS) == []


def test_abstention_detection():
    assert is_abstention("I don't know.") and is_abstention("  I do not know the answer") and is_abstention("I don’t know")
    assert not is_abstention("4 years [1]")


def test_answer_question_rag_path_records_citations_and_timings():
    gen = ScriptedGenerator("Registered kettles get 4 years [1].")
    answer = answer_question("How long is the warranty?", gen, lambda q: HITS[:2])
    assert answer.cited_doc_ids == ["warranty"] and answer.passages == tuple(HITS[:2])
    assert answer.timings["generation_s"] == 0.2 and answer.timings["total_s"] >= 0.2
    assert "[2] Returns:" in gen.seen[-1]["content"]


def test_answer_question_base_path_uses_same_code_without_retrieval():
    gen = ScriptedGenerator("Probably two years [1].")
    answer = answer_question("How long is the warranty?", gen, None)
    assert answer.passages == () and answer.citations == () and answer.invalid_citations == (1,)
    assert answer.retrieval_s == 0.0
