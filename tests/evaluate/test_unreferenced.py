"""Questions without reference answers (a log export): loaded apart from unanswerable ones, measured on what
needs no reference (retrieval with sources, groundedness, declining), never scored as right or wrong."""

import json

import pytest

from ragtune.answer import Answer, Citation
from ragtune.demo.questions import write_questions
from ragtune.evaluate.metrics import answer_metrics
from ragtune.evaluate.results import ResultRecord
from ragtune.evaluate.runner import result_record
from ragtune.models.protocols import Completion
from ragtune.questions import Question, load_questions
from ragtune.retrieve.hit import Hit

CORRECTNESS = ("exact_match", "f1", "contains", "hallucinated", "abstained_correctly", "wrongly_declined")


def _write(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def test_a_log_export_loads_as_questions_without_reference_answers(tmp_path):
    qs = load_questions(_write(tmp_path / "log.jsonl", [
        {"question": "How long is the warranty?"},
        {"id": "l2", "question": "Can I return a kettle?", "sources": ["policies/returns.html"]},
        {"id": "l3", "question": "Where are you based?", "answers": None, "tags": ["log"]},
        {"id": "u", "question": "What is the share price?", "answers": []},
        {"id": "a", "question": "How long?", "answers": ["3 years"]},
    ]))
    assert [(q.id, q.referenced, q.answerable) for q in qs] == [
        ("q1", False, False), ("l2", False, False), ("l3", False, False), ("u", True, False), ("a", True, True)]
    assert qs[1].sources == ("policies/returns.html",) and qs[2].tags == ("log",) and qs[0].answers == ()
    # Written back (the demo keeps its sampled sets), a log question stays without `answers`, not `[]`.
    again = load_questions(write_questions(qs, tmp_path / "again.jsonl"))
    assert [q.referenced for q in again] == [q.referenced for q in qs]
    assert "answers" not in json.loads((tmp_path / "again.jsonl").read_text().splitlines()[0])


def test_answer_metrics_without_a_reference_measure_only_declining():
    said = answer_metrics("The warranty lasts 3 years.", (), referenced=False)
    declined = answer_metrics("I don't know.", (), referenced=False)
    assert all(said[m] is None and declined[m] is None for m in CORRECTNESS)  # not measured, never 0
    assert (said["declined"], declined["declined"]) == (0.0, 1.0)
    # The same answer to an unanswerable question (`answers: []`) is a hallucination: that stays as it was.
    unanswerable = answer_metrics("The warranty lasts 3 years.", ())
    assert (unanswerable["hallucinated"], unanswerable["abstained_correctly"]) == (1.0, 0.0)


def _answer(text: str, docs: list[str], cited: list[str] = ()) -> Answer:
    passages = tuple(Hit(f"{d}#0", d, f"Section 1: the warranty lasts 3 years ({d}).", d, {}, 1.0 / n)
                     for n, d in enumerate(docs, start=1))
    citations = tuple(Citation(n, f"{d}#0", d) for n, d in enumerate(cited, start=1))
    return Answer("How long is the warranty?", text, passages, citations, (7,),
                  Completion(text, 120, 8, 0.05, 0.4, "tiny"), 0.01, {"retrieval_s": 0.01, "total_s": 0.41})


def test_an_unreferenced_record_keeps_retrieval_with_sources_and_groundedness():
    text = "The warranty lasts 3 years [1]."
    answer = _answer(text, ["w.md", "r.md"], cited=["w.md"])
    with_sources = result_record(Question("l1", "How long?", sources=("w.md",), old_answers=("2 years",),
                                          referenced=False), "rag", answer, top_k=2, retrieval=True)
    m = with_sources.metrics
    assert all(m[k] is None for k in (*CORRECTNESS, "stale"))
    assert (m["hit@2"], m["mrr@2"], m["recall@2"]) == (1.0, 1.0, 1.0)
    assert m["citation_precision"] == 1.0 and m["invalid_citations"] == 1.0
    assert m["groundedness"] == 1.0 and m["declined"] == 0.0  # every content word is in the passages

    bare = result_record(Question("l2", "How long?", referenced=False), "rag", answer, top_k=2, retrieval=True)
    assert bare.metrics["hit@2"] is None and bare.metrics["citation_precision"] is None
    assert bare.metrics["groundedness"] == 1.0
    closed = result_record(Question("l3", "How long?", referenced=False), "base", _answer(text, []), top_k=2,
                           retrieval=False)
    assert "hit@2" not in closed.metrics and closed.metrics["contains"] is None

    line = bare.to_json()
    assert line["referenced"] is False and ResultRecord.from_json(line).referenced is False
    referenced = result_record(Question("a", "How long?", ("3 years",)), "rag", answer, top_k=2, retrieval=True)
    assert "referenced" not in referenced.to_json() and referenced.metrics["contains"] == 1.0
    old = {k: v for k, v in line.items() if k != "referenced"}
    assert ResultRecord.from_json(old).referenced  # a results.jsonl from before the field: every answer had one


@pytest.mark.parametrize("answers", [["3 years"], []])
def test_questions_with_answers_stay_referenced(tmp_path, answers):
    q = load_questions(_write(tmp_path / "q.jsonl", [{"id": "x", "question": "How long?", "answers": answers}]))[0]
    assert q.referenced and q.answers == tuple(answers)
