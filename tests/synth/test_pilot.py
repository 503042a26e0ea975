"""The pilot: teacher Q/A and paraphrases are measured on the first chunks and skipped when not worth it."""

import json
import time

from synth_fixtures import ReadingTeacher, ScriptedTeacher, priced_chunks

from ragtune.models.hf_generator import TransformersGenerator
from ragtune.synth import build_training_set, paraphrases, teacher_pairs
from ragtune.synth.calls import TeacherCalls
from ragtune.synth.pairs import StrategyYield
from ragtune.synth.pilot import PilotRule, decide

RULE = PilotRule(chunks=4, seconds=60.0, max_seconds_per_item=10.0, slow_budget_seconds=120.0)


def test_teacher_prompts_go_in_batches_where_the_backend_can_batch():
    teacher = ReadingTeacher()
    pairs, y = teacher_pairs(priced_chunks(10), teacher, pairs_per_chunk=1, calls=TeacherCalls(teacher, batch_size=4))
    assert teacher.batches == [4, 4, 2] and y.kept == len(pairs) == 10
    found, _ = paraphrases(priced_chunks(10), teacher, k=2, calls=TeacherCalls(teacher, batch_size=8))
    assert teacher.batches[3:] == [8, 8, 4] and len(found) == 10  # the second style is a duplicate here
    one_at_a_time = ScriptedTeacher(['[{"question": "What is the price of it?", "answer": "10 euros"}]'])
    _, y = teacher_pairs(priced_chunks(3), one_at_a_time, calls=TeacherCalls(one_at_a_time, batch_size=4))
    assert len(one_at_a_time.calls) == 3 and y.kept == 1  # no generate_batch: one prompt per call


def test_a_garbage_teacher_is_skipped_after_the_pilot_with_its_reason(tiny_llama_path, tmp_path):
    teacher = TransformersGenerator(tiny_llama_path, device="cpu")
    chunks = priced_chunks(12)
    ts = build_training_set(chunks, teacher, pairs_per_chunk=1, paraphrases=1, seed=0, batch_size=4, pilot=RULE)
    for strategy, item in (("teacher", "pair"), ("paraphrase", "paraphrase")):
        y = ts.yields[strategy]
        assert y.pilot["run"] is False and y.pilot["chunks"] == 4 and y.kept == 0
        assert y.asked == 4  # only the pilot's chunks were asked
        assert y.pilot["reason"].startswith(f"{strategy}: kept 0 of {y.asked} {item}s asked on the first 4 chunks")
        assert "skipped, the other 8 chunks would take about" in y.pilot["reason"]
    pairs = ts.split.train + ts.split.val + ts.split.paraphrase
    assert {p.strategy for p in pairs} <= {"extractive", "cloze"} and {p.chunk_id for p in pairs} == {
        c.id for c in chunks}  # the deterministic strategies still cover every chunk
    report = json.loads(ts.write(tmp_path)["report"].read_text())
    assert report["pilot"] == [ts.yields["teacher"].pilot["reason"], ts.yields["paraphrase"].pilot["reason"]]
    assert report["yields"]["teacher"]["pilot"]["run"] is False
    assert report["settings"]["pilot"]["chunks"] == 4


def test_a_teacher_that_keeps_pairs_passes_and_runs_on_every_chunk(tmp_path):
    teacher = ReadingTeacher()
    ts = build_training_set(priced_chunks(12), teacher, pairs_per_chunk=1, paraphrases=1, batch_size=4, pilot=RULE)
    for strategy in ("teacher", "paraphrase"):
        y = ts.yields[strategy]
        assert y.pilot["run"] is True and y.pilot["kept"] == 4 and (y.asked, y.kept) == (12, 12)
        assert "running on the other 8 chunks" in y.pilot["reason"]
    assert len(teacher.prompts) == 24
    without = build_training_set(priced_chunks(12), ReadingTeacher(), pairs_per_chunk=1, paraphrases=1)
    assert without.yields["teacher"].pilot is None and without.split == ts.split  # pilot off: same data


def test_the_pilot_stops_early_once_its_seconds_are_spent():
    class Slow(ReadingTeacher):
        def generate_batch(self, conversations, **kw):
            time.sleep(0.06)
            return super().generate_batch(conversations, **kw)

    teacher = Slow()
    rule = PilotRule(chunks=8, seconds=0.1, max_seconds_per_item=10.0, slow_budget_seconds=120.0)
    _, y = teacher_pairs(priced_chunks(20), teacher, pairs_per_chunk=1, calls=TeacherCalls(teacher, batch_size=1),
                         pilot=rule)
    assert 1 <= y.pilot["chunks"] <= 2 and y.pilot["run"] is True and y.asked == 20


def test_decision_rule_on_measured_yields_and_times():
    def y(asked, kept, rejected=None):
        return StrategyYield("teacher", asked=asked, kept=kept, rejected=rejected or {})

    nothing = decide("teacher", y(24, 0, {"answer not supported by chunk": 20}), 8, 107, 30.0, RULE)
    assert not nothing.run and nothing.seconds_per_item is None and nothing.projected_seconds == 371.2
    assert "(most often: answer not supported by chunk); skipped" in nothing.reason
    slow = decide("teacher", y(24, 1), 8, 107, 40.0, RULE)  # 40 s per pair, 495 s to go
    assert not slow.run and "over max_seconds_per_item = 10" in slow.reason
    slow_but_short = decide("teacher", y(24, 1), 8, 20, 40.0, RULE)  # 60 s to go: under the budget
    assert slow_but_short.run and slow_but_short.reason.endswith(
        "running on the other 12 chunks, about 60 s (under slow_budget_seconds = 120)")
    capable = decide("teacher", y(24, 20), 8, 10_000, 16.0, RULE)  # 0.8 s per pair: runs however long
    assert capable.run and capable.projected_seconds == 19984.0
    everything = decide("teacher", y(9, 0), 3, 3, 5.0, RULE)
    assert everything.run and everything.reason.endswith("that was every chunk")
