import json

import pytest

from ragtune.evaluate.results import ResultRecord, read_results
from ragtune.evaluate.summary import summarize
from ragtune.questions import QuestionsError, load_questions


def _write(path, lines):
    path.write_text("\n".join(json.dumps(x) if not isinstance(x, str) else x for x in lines) + "\n")
    return path


def test_questions_format(tmp_path):
    qs = load_questions(_write(tmp_path / "q.jsonl", [
        {"id": "a", "question": "How long?", "answers": ["3 years"], "sources": ["w.md"], "tags": ["policy"]},
        {"question": "Share price?", "answers": []},
        {"id": "mc", "question": "Colour?", "answers": ["teal"], "options": ["red", "teal"], "old_answers": ["red"]},
    ]))
    assert [q.id for q in qs] == ["a", "q2", "mc"]
    assert qs[0].answerable and not qs[1].answerable
    assert qs[2].options == ("red", "teal") and qs[2].old_answers == ("red",)


@pytest.mark.parametrize("lines, match", [
    (['{"id": "a", "question": "x"}', '{"id": "a", "question": "y"}'], "duplicate id"),
    (['{"id": "a"}'], "question` is required"),
    (['{"id": "a", "question": "x", "answers": "yes", "sources": 3}'], "sources"),
    (['{"id": "a", "question": "x", "answers": ["b"], "options": ["c", "d"]}'], "one of the `options`"),
    (["not json"], "not valid JSON"),
    ([""], "no questions"),
])
def test_questions_errors_name_the_line(tmp_path, lines, match):
    with pytest.raises(QuestionsError, match=match):
        load_questions(_write(tmp_path / "q.jsonl", lines))


def test_torn_last_line_is_dropped(tmp_path):
    good = {"question_id": "a", "variant": "base", "metrics": {}}
    torn = json.dumps(good) + "\n" + '{"question_id": "b", "var'
    (tmp_path / "results.jsonl").write_text(torn)
    assert read_results(tmp_path) == [ResultRecord("a", "base")]
    assert (tmp_path / "results.jsonl").read_text() == torn  # readers only read
    assert read_results(tmp_path, repair=True) == [ResultRecord("a", "base")]
    assert (tmp_path / "results.jsonl").read_text() == json.dumps(good) + "\n"  # the writer repairs


def _result(q, variant, contains, total_s=1.0):
    return {"question_id": q, "variant": variant, "metrics": {"contains": contains, "f1": contains},
            "timings": {"total_s": total_s, "retrieval_s": 0.0}, "tokens": {"prompt": 10, "completion": 2}}


def test_summary_cis_and_paired_comparison():
    results = [_result(f"q{i}", "rag", 1.0 if i < 16 else 0.0) for i in range(20)]
    results += [_result(f"q{i}", "base", 1.0 if i < 2 else 0.0, total_s=0.5) for i in range(20)]
    results.append(_result("q99", "base", None))  # unmeasured: left out of the mean, not counted as 0
    s = summarize(results, ["base", "rag"], resamples=500)
    rag = s["variants"]["rag"]["metrics"]["contains"]
    assert rag["value"] == pytest.approx(0.8) and rag["low"] < 0.8 < rag["high"] and rag["n"] == 20
    assert s["variants"]["base"]["metrics"]["contains"]["n"] == 20
    assert s["variants"]["base"]["latency_s"]["total_s"]["p50"] == 0.5
    mc = next(c for c in s["comparisons"] if c["metric"] == "contains")
    assert mc["test"].startswith("mcnemar") and mc["better"] == "rag" and mc["n"] == 20  # q99 is not paired
    json.dumps(s, allow_nan=False)  # strict JSON: no NaN anywhere
