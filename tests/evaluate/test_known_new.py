"""Known vs new facts: questions split by whether `base` answered them closed-book, each variant's accuracy on
both parts, paired comparisons within each part (base left out), and summary.json round trips."""

import json
from dataclasses import replace

import pytest

from ragtune.evaluate.known import known_new, split_known
from ragtune.evaluate.results import ResultRecord, Summary, read_summary, write_summary
from ragtune.evaluate.summary import build_summary

# q0-q3: base right (known); q4-q9: base wrong (new); q10: unanswerable (no `contains` for anyone)
BASE = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, None]
RAG = [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, None]  # known 4/4, new 5/6
FT = [1, 1, 1, 0, 0, 0, 1, 0, 0, 0, None]  # known 3/4, new 1/6


def records(**correct: list) -> list[ResultRecord]:
    return [ResultRecord(question_id=f"q{i:02d}", variant=v, gold=("x",) if c is not None else (),
                         metrics={"contains": None if c is None else float(c)})
            for v, cs in correct.items() for i, c in enumerate(cs)]


def test_split_by_what_base_answered_closed_book():
    parts = split_known(records(base=BASE, rag=RAG))
    assert parts == {"known": ["q00", "q01", "q02", "q03"], "new": [f"q{i:02d}" for i in range(4, 10)]}


def test_accuracy_on_each_part_and_comparisons_without_base():
    out = known_new(records(base=BASE, rag=RAG, ft=FT), ["base", "rag", "ft"], resamples=200)
    assert (out["reference"], out["known"], out["new"]) == ("base", 4, 6)
    v = out["variants"]
    assert v["base"]["known"]["value"] == 1.0 and v["base"]["new"]["value"] == 0.0  # by construction
    assert v["rag"]["known"]["value"] == 1.0 and v["rag"]["new"]["value"] == pytest.approx(5 / 6)
    assert v["ft"]["known"]["value"] == 0.75 and v["ft"]["new"]["value"] == pytest.approx(1 / 6)
    assert v["rag"]["new"]["n"] == 6 and v["ft"]["known"]["n"] == 4
    for part, n in (("known", 4), ("new", 6)):
        (cmp,) = out["comparisons"][part]  # rag vs ft only: base is trivially 100 % / 0 %
        assert (cmp["a"], cmp["b"], cmp["n"], cmp["metric"]) == ("rag", "ft", n, "contains")
        assert {"mde", "n_needed", "n_equivalence", "equivalent", "eq_low", "eq_high"} <= set(cmp)
    new = out["comparisons"]["new"][0]
    assert new["diff"] == pytest.approx(4 / 6) and new["significant"] is False  # 4 vs 0 discordant: p = 0.125
    assert new["n_needed"] is not None and new["n_needed"] > 6
    json.dumps(out, allow_nan=False)


def test_no_base_no_split():
    assert known_new(records(rag=RAG, ft=FT), ["rag", "ft"]) is None
    assert known_new(records(rag=RAG, ft=FT), ["base", "rag", "ft"]) is None  # asked for, but not in the run


def test_summary_json_keeps_known_new_and_reads_old_files(tmp_path):
    rs = records(base=BASE, rag=RAG)
    summary = build_summary(rs, ["base", "rag"], resamples=200)
    assert summary.known_new is None  # the caller adds it, like freshness
    summary = replace(summary, known_new=known_new(rs, ["base", "rag"], resamples=200))
    write_summary(tmp_path, summary)
    back = read_summary(tmp_path)
    assert back.known_new == json.loads((tmp_path / "summary.json").read_text())["known_new"]
    assert back.known_new["variants"]["rag"]["new"]["value"] == pytest.approx(5 / 6)
    assert "known_new" not in back.extra
    old = Summary.from_json({"variants": {}, "comparisons": []})
    assert old.known_new is None and "known_new" not in old.to_json()
