"""summary.json's `by_generator`: right answers per question generator, declining for unanswerable ones."""

from ragtune.evaluate.results import ResultRecord
from ragtune.evaluate.summary import build_summary


def _record(qid: str, generator: str, contains, abstained=None) -> ResultRecord:
    return ResultRecord(qid, "rag", generator=generator,
                        metrics={"contains": contains, "abstained_correctly": abstained})


def test_accuracy_is_broken_down_by_generator_and_unanswerable_ones_count_declines():
    records = [_record("e1", "extractive", 1.0), _record("e2", "extractive", 0.0), _record("e3", "extractive", 1.0),
               _record("b1", "bridge", 0.0), _record("u1", "unanswerable", None, 1.0),
               _record("u2", "unanswerable", None, 0.0), _record("p1", "", 1.0)]
    by = build_summary(records, ["rag"], resamples=200).variants["rag"].by_generator
    assert set(by) == {"extractive", "bridge", "unanswerable"}  # a person's question ("") has no generator
    assert (round(by["extractive"].value, 3), by["extractive"].n) == (0.667, 3)
    assert (by["bridge"].value, by["bridge"].n) == (0.0, 1)
    assert (by["unanswerable"].value, by["unanswerable"].n) == (0.5, 2)
    again = ResultRecord.from_json(records[0].to_json())
    assert again.generator == "extractive" and "generator" not in records[-1].to_json()
