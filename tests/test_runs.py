import json
import os
import time

import pytest

from ragtune.errors import RunError, TuneError
from ragtune.runs import (RESULTS, SUMMARY, append_jsonl, file_hash, find_training_run, list_training_runs,
                          new_run_id, read_json, read_json_if, read_jsonl, run_folder, write_json, write_jsonl,
                          write_text, write_training_run)


def _make(runs, run_id, kind, status, created):
    write_training_run(runs / run_id, {"kind": kind, "status": status, "created": created})


# -- training runs ----------------------------------------------------------------------------------

def test_find_training_run_picks_the_newest_of_the_right_kind_and_state(tmp_path):
    _make(tmp_path, "ft-a", "ft", "done", "2026-01-01T00:00:00")
    _make(tmp_path, "ft-b", "ft", "done", "2026-01-02T00:00:00")
    _make(tmp_path, "ft-c", "ft", "running", "2026-01-03T00:00:00")
    _make(tmp_path, "raft-a", "raft", "done", "2026-01-04T00:00:00")
    (tmp_path / "eval-x").mkdir()  # other folders (evaluations) are not training runs
    assert [r.id for r in list_training_runs(tmp_path)] == ["ft-a", "ft-b", "ft-c", "raft-a"]
    assert find_training_run(tmp_path, "ft").id == "ft-b"
    assert find_training_run(tmp_path, "ft", done=False).id == "ft-c"
    assert find_training_run(tmp_path, "raft").id == "raft-a"
    assert find_training_run(tmp_path, "ft", "ft-a").adapter_dir == tmp_path / "ft-a" / "adapter"


def test_find_training_run_errors_say_what_to_do(tmp_path):
    with pytest.raises(TuneError, match="ragtune tune --raft"):
        find_training_run(tmp_path, "raft")
    _make(tmp_path, "ft-c", "ft", "running", "2026-01-03T00:00:00")
    with pytest.raises(TuneError, match="--resume --run ft-c"):
        find_training_run(tmp_path, "ft", "ft-c")
    with pytest.raises(TuneError, match="no training run 'nope'.*ft-c"):
        find_training_run(tmp_path, "ft", "nope")


def test_new_run_ids_never_collide(tmp_path):
    first = new_run_id("ft", tmp_path)
    (tmp_path / first).mkdir()
    second = new_run_id("ft", tmp_path)
    assert first.startswith("ft-") and second != first


# -- the JSONL reader ---------------------------------------------------------------------------------

def _torn(path):
    """Two complete records, then a third cut mid-write (no newline, half the JSON)."""
    with path.open("w", encoding="utf-8") as f:
        append_jsonl(f, {"id": 1})
        append_jsonl(f, {"id": 2, "text": "été"})
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"id": 3, "te')
    return whole


def test_readers_skip_a_torn_last_line_and_leave_the_file_alone(tmp_path):
    path = tmp_path / RESULTS
    whole = _torn(path)
    assert read_jsonl(path) == [{"id": 1}, {"id": 2, "text": "été"}]
    assert path.read_bytes() == whole + b'{"id": 3, "te'


def test_repair_cuts_the_torn_tail_so_the_writer_appends_after_the_last_record(tmp_path):
    path = tmp_path / RESULTS
    whole = _torn(path)
    readers_see = read_jsonl(path)
    assert read_jsonl(path, repair=True) == readers_see
    assert path.read_bytes() == whole
    with path.open("a", encoding="utf-8") as f:
        append_jsonl(f, {"id": 3})
    assert [r["id"] for r in read_jsonl(path)] == [1, 2, 3]


def test_a_complete_line_that_is_not_json_ends_the_records(tmp_path):
    path = tmp_path / RESULTS
    path.write_bytes(b'{"id": 1}\n{"id": \n{"id": 3}\n')
    assert read_jsonl(path) == [{"id": 1}]
    assert read_jsonl(path, repair=True) == [{"id": 1}]
    assert path.read_bytes() == b'{"id": 1}\n'


def test_a_missing_file_has_no_records(tmp_path):
    assert read_jsonl(tmp_path / "none.jsonl") == []
    assert read_jsonl(tmp_path / "none.jsonl", repair=True) == []


def test_write_jsonl_round_trips(tmp_path):
    records = [{"id": i, "q": "¿qué?"} for i in range(3)]
    write_jsonl(tmp_path / "q.jsonl", records)
    assert read_jsonl(tmp_path / "q.jsonl") == records


# -- atomic writes -------------------------------------------------------------------------------------

def test_write_json_replaces_the_file_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "sub" / SUMMARY
    write_json(path, {"a": 1})
    write_json(path, {"a": 2, "name": "café"})
    assert read_json(path) == {"a": 2, "name": "café"}
    assert path.read_text(encoding="utf-8").endswith("}\n")
    assert [p.name for p in path.parent.iterdir()] == [SUMMARY]


def test_a_crash_while_writing_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / SUMMARY
    write_json(path, {"a": 1})
    before = path.read_bytes()

    def dies_midway(self, data, *args, **kwargs):
        with open(self, "w", encoding="utf-8") as f:
            f.write(data[: len(data) // 2])
        raise OSError("disk died")

    monkeypatch.setattr(type(path), "write_text", dies_midway)
    with pytest.raises(OSError, match="disk died"):
        write_json(path, {"a": 2, "b": list(range(100))})
    monkeypatch.undo()
    assert path.read_bytes() == before  # never half of the new file
    assert read_json(path) == {"a": 1}
    leftovers = [p.name for p in tmp_path.iterdir() if p != path]
    assert all(name.startswith(f".{SUMMARY}.tmp-") for name in leftovers)  # hidden, never read as the file


def test_strict_json_refuses_nan_and_writes_nothing(tmp_path):
    path = tmp_path / SUMMARY
    with pytest.raises(ValueError):
        write_json(path, {"x": float("nan")}, strict=True)
    assert not path.exists() and list(tmp_path.iterdir()) == []
    write_json(path, {"x": float("nan")})  # lenient files (cards) keep NaN as JSON tools read it
    assert "NaN" in path.read_text(encoding="utf-8")


def test_read_json_errors_name_the_command_that_recreates_the_file(tmp_path):
    write_text(tmp_path / "bad.json", "{not json")
    with pytest.raises(RunError, match="re-create it with `ragtune eval`"):
        read_json(tmp_path / "bad.json", redo="ragtune eval")
    assert read_json_if(tmp_path / "missing.json") is None


def test_file_hash_tells_files_apart(tmp_path):
    write_text(tmp_path / "a", "one")
    write_text(tmp_path / "b", "two")
    assert len(file_hash(tmp_path / "a")) == 16 and file_hash(tmp_path / "a") != file_hash(tmp_path / "b")


# -- run_folder: a path, a run id, or the newest evaluated run ------------------------------------------

def test_run_folder_takes_a_path_or_a_run_id(tmp_path):
    runs = tmp_path / "runs"
    (runs / "eval-1").mkdir(parents=True)
    elsewhere = tmp_path / "copied-run"
    elsewhere.mkdir()
    assert run_folder(runs, "eval-1") == runs / "eval-1"
    assert run_folder(runs, elsewhere) == elsewhere
    assert run_folder(runs, str(elsewhere)) == elsewhere


def test_run_folder_none_is_the_newest_evaluated_run(tmp_path):
    runs = tmp_path / "runs"
    for name, age in (("eval-old", 100), ("eval-new", 10)):
        write_json(runs / name / SUMMARY, {})
        then = time.time() - age
        os.utime(runs / name / SUMMARY, (then, then))
    (runs / "eval-unfinished").mkdir()  # no summary.json yet: not evaluated
    (runs / "ft-1").mkdir()
    assert run_folder(runs, None) == runs / "eval-new"


def test_run_folder_errors_say_which_command_makes_the_run(tmp_path):
    runs = tmp_path / "runs"
    with pytest.raises(RunError, match="no evaluated run.*ragtune eval -q"):
        run_folder(runs, None)
    (runs / "eval-1").mkdir(parents=True)
    with pytest.raises(RunError, match="no run 'eval-9'.*eval runs there: eval-1"):
        run_folder(runs, "eval-9")
    with pytest.raises(RunError, match="run `ragtune eval` first"):
        run_folder(tmp_path / "empty", "eval-9")


def test_written_json_is_plain_json(tmp_path):
    write_json(tmp_path / "x.json", {"path": tmp_path})  # unknown types become strings in lenient files
    assert json.loads((tmp_path / "x.json").read_text(encoding="utf-8")) == {"path": str(tmp_path)}
