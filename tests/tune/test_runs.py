import pytest

from ragtune.tune import TuneError
from ragtune.tune.runs import find_run, list_runs, new_run_id, write_run


def _make(runs, run_id, kind, status, created):
    write_run(runs / run_id, {"kind": kind, "status": status, "created": created})


def test_find_run_picks_the_newest_of_the_right_kind_and_state(tmp_path):
    _make(tmp_path, "ft-a", "ft", "done", "2026-01-01T00:00:00")
    _make(tmp_path, "ft-b", "ft", "done", "2026-01-02T00:00:00")
    _make(tmp_path, "ft-c", "ft", "running", "2026-01-03T00:00:00")
    _make(tmp_path, "raft-a", "raft", "done", "2026-01-04T00:00:00")
    (tmp_path / "eval-x").mkdir()  # other folders (evaluations) are not training runs
    assert [r.id for r in list_runs(tmp_path)] == ["ft-a", "ft-b", "ft-c", "raft-a"]
    assert find_run(tmp_path, "ft").id == "ft-b"
    assert find_run(tmp_path, "ft", done=False).id == "ft-c"
    assert find_run(tmp_path, "raft").id == "raft-a"
    assert find_run(tmp_path, "ft", "ft-a").adapter_dir == tmp_path / "ft-a" / "adapter"


def test_find_run_errors_say_what_to_do(tmp_path):
    with pytest.raises(TuneError, match="ragtune tune --raft"):
        find_run(tmp_path, "raft")
    _make(tmp_path, "ft-c", "ft", "running", "2026-01-03T00:00:00")
    with pytest.raises(TuneError, match="--resume --run ft-c"):
        find_run(tmp_path, "ft", "ft-c")
    with pytest.raises(TuneError, match="no training run 'nope'.*ft-c"):
        find_run(tmp_path, "ft", "nope")


def test_new_run_ids_never_collide(tmp_path):
    first = new_run_id("ft", tmp_path)
    (tmp_path / first).mkdir()
    second = new_run_id("ft", tmp_path)
    assert first.startswith("ft-") and second != first
