"""An interrupted synth resumes: the teacher is asked only for what is not saved, the files come out the same."""

import json

import pytest
from synth_fixtures import ReadingTeacher, priced_chunks

from ragtune.synth import build_training_set
from ragtune.synth.pilot import PilotRule

RULE = PilotRule(chunks=4, seconds=60.0)


class Interrupted(Exception):
    pass


def _build(teacher, out, progress=None, chunks=None):
    ts = build_training_set(chunks or priced_chunks(12), teacher, pairs_per_chunk=1, paraphrases=1, raft=True,
                            seed=3, batch_size=4, pilot=RULE, progress_dir=out / "progress", progress=progress)
    return ts, ts.write(out)


def _comparable(report: dict) -> dict:
    """The report less what is timed: seconds differ between runs (a resumed pilot reads its batch back in 0 s)."""
    timed = ("seconds", "seconds_per_item", "projected_seconds", "reason")
    for y in report["yields"].values():
        y.pop("seconds"), y.pop("resumed")
        for key in timed:
            (y.get("pilot") or {}).pop(key, None)
    report.pop("seconds"), report.pop("pilot")
    return report


def test_interrupted_synth_resumes_and_writes_what_an_uninterrupted_one_writes(tmp_path):
    _, whole = _build(ReadingTeacher(), tmp_path / "whole")

    def stop_in_the_teacher_stage(stage, done, total):
        if stage == "teacher" and done >= 8:  # the pilot's batch and one more are done
            raise Interrupted

    first = ReadingTeacher()
    with pytest.raises(Interrupted):
        _build(first, tmp_path / "resumed", stop_in_the_teacher_stage)
    assert first.batches == [4, 4]
    saved = tmp_path / "resumed" / "progress" / "teacher.jsonl"
    assert len(saved.read_text().splitlines()) == 8
    with saved.open("a") as f:
        f.write('{"key": "torn by a cra')  # a crash mid-line: cut back, not read
    second = ReadingTeacher()
    ts, files = _build(second, tmp_path / "resumed")
    asked = [p.split("Text:\n", 1)[1] for p in second.prompts if "JSON" in p]
    assert len(asked) == 4 and all(f"model {i} " in a for i, a in zip(range(8, 12), asked))  # only the rest
    assert len(second.prompts) == 4 + 12  # and every paraphrase
    assert ts.yields["teacher"].resumed == 8 and ts.yields["paraphrase"].resumed == 0
    assert set(files) == set(whole)
    for name, path in files.items():
        if name != "report":
            assert path.read_text() == whole[name].read_text(), name
    assert _comparable(json.loads(files["report"].read_text())) == _comparable(json.loads(whole["report"].read_text()))

    third = ReadingTeacher()
    _build(third, tmp_path / "resumed")
    assert third.prompts == []  # finished: nothing left to ask


def test_saved_completions_are_keyed_by_content_and_compacted(tmp_path):
    chunks = priced_chunks(3)
    _build(ReadingTeacher(), tmp_path, chunks=chunks)
    edited = chunks[:2] + [chunks[2].__class__(chunks[2].id, chunks[2].doc_id, 0, chunks[2].text.replace(
        "12 euros", "15 euros"), chunks[2].title)]
    teacher = ReadingTeacher()
    ts, _ = _build(teacher, tmp_path, chunks=edited)
    assert len([p for p in teacher.prompts if "JSON" in p]) == 1 and "15 euros" in teacher.prompts[0]
    assert ts.yields["teacher"].resumed == 2
    lines = [json.loads(line) for line in (tmp_path / "progress" / "teacher.jsonl").read_text().splitlines()]
    assert len(lines) == 3 and "15 euros" in lines[-1]["text"]  # the old answer about 12 euros is gone
