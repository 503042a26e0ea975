"""The demo's pieces: its project settings, question sampling, the stage log, the knowledge-base check and what
it says its verdict stands on."""

import json
from pathlib import Path

import pytest

from ragtune.cli.demo import plan_line, smoke_note
from ragtune.config import load_settings
from ragtune.demo import (DEMO_SETTINGS, FAST, DemoError, Sizing, StageLog, Throughput, check_kb, demo_config,
                          prepare_project, sample_questions, timed, write_questions)
from ragtune.questions import Question, load_questions


def test_demo_config_sets_only_the_demo_values(tmp_path):
    prepare_project(tmp_path)
    s = load_settings(tmp_path)
    assert s.synth.teacher == "none" and s.synth.paraphrases == 0 and s.synth.raft_distractors == 2
    assert s.retrieval.top_k == 3
    assert s.generation.max_new_tokens == 48 and s.eval.batch_size == 8 and s.eval.latency_sample == 2
    defaults = load_settings(tmp_path / "nowhere")
    assert s.chunking == defaults.chunking and s.tune == defaults.tune and s.cost == defaults.cost
    text = demo_config()
    assert sum("ragtune demo" in line for line in text.splitlines()) == sum(map(len, DEMO_SETTINGS.values()))
    prepare_project(tmp_path / "fast", FAST)
    assert load_settings(tmp_path / "fast").eval.latency_sample == 1
    (tmp_path / "ragtune.toml").write_text('[generation]\nmax_new_tokens = 7\n')
    prepare_project(tmp_path)  # an existing project keeps its own file
    assert load_settings(tmp_path).generation.max_new_tokens == 7


def _q(qid, *tags, old=()):
    return Question(qid, f"question {qid}?", ("a",), tags=tags, old_answers=old)


def test_sample_questions_caps_each_tag_and_keeps_what_is_asked():
    qs = [_q("1", "static"), _q("2", "static", "paraphrase"), _q("3", "static"), _q("4", "paraphrase"),
          _q("5", "changes"), _q("6", "changes"), _q("7", "static")]
    assert [q.id for q in sample_questions(qs, None)] == [q.id for q in qs]
    assert [q.id for q in sample_questions(qs, 1)] == ["1", "2", "5"]  # "2" brings paraphrase, "4" is not needed
    assert [q.id for q in sample_questions(qs, 1, keep={"6"})] == ["1", "2", "5", "6"]


def test_written_questions_load_back_and_keep_their_bytes(tmp_path):
    qs = [_q("x", "updated", old=("b",)), _q("y", "static")]
    path = write_questions(qs, tmp_path / "new" / "q.jsonl")
    assert load_questions(path) == qs
    mtime = path.stat().st_mtime_ns
    write_questions(qs, path)
    assert path.stat().st_mtime_ns == mtime  # same content: not rewritten, so a resumed eval sees the same hash


def test_stage_log_skips_finished_stages_and_refuses_another_plan(tmp_path):
    log = StageLog(tmp_path / "runs" / "demo" / "stages.json", "fast")
    calls, seen = [], []
    work = lambda: calls.append(1) or {"n": len(calls)}  # noqa: E731
    on_stage = lambda stage, entry: seen.append((stage, entry is not None))  # noqa: E731
    assert timed(log, "ingest", on_stage, work) == {"n": 1}
    again = StageLog(tmp_path / "runs" / "demo" / "stages.json", "fast")  # a re-run reads the file
    assert timed(again, "ingest", on_stage, work) == {"n": 1}
    assert calls == [1] and seen == [("ingest", False), ("ingest", True), ("ingest", True)]
    assert json.loads((tmp_path / "runs/demo/stages.json").read_text())["stages"]["ingest"]["status"] == "done"
    with pytest.raises(DemoError, match="fast demo"):
        StageLog(tmp_path / "runs" / "demo" / "stages.json", "full")


def test_check_kb_names_what_is_missing(tmp_path):
    (tmp_path / "v1").mkdir()
    with pytest.raises(DemoError, match="v2.*questions.jsonl.*questions_v2.jsonl"):
        check_kb(tmp_path)


def test_the_demo_says_what_its_verdict_stands_on(tmp_path):
    t = Throughput(closed_s=0.4, passages_s=1.0, ft_step_s=1.2, probe_s=30)
    sizing = Sizing(900, t, 8, None, 57, 45, 56, 21, 850.0)
    assert "the verdict stands on 45 after-update questions" in plan_line(sizing.to_json())
    kb = Path(__file__).resolve().parents[1] / "examples" / "kb"
    assert smoke_note(kb, FAST).startswith("--fast is a smoke run, not a verdict: its recommendation rests on 10 ")
    assert smoke_note(tmp_path, FAST) is None  # no questions there: the demo's own check says so
