"""The typed results: records, summary and manifest read what ragtune writes, lose nothing, and the summary's
typed and dict forms write the same bytes."""

import json
import math
from dataclasses import replace

import pytest

from ragtune.config import CostSettings
from ragtune.errors import RunError
from ragtune.evaluate.cost import cost_summary
from ragtune.evaluate.results import (Manifest, ResultRecord, Summary, read_manifest, read_results, read_summary,
                                      write_summary)
from ragtune.evaluate.stats import Estimate
from ragtune.evaluate.summary import build_summary, forgetting_summary, summarize
from ragtune.numbers import ci, pct_text

LINE = {"question_id": "q1", "variant": "rag", "question": "How long?", "answer": "3 years [1]", "gold": ["3 years"],
        "sources": ["w.md"], "tags": ["policy"],
        "retrieved": [{"rank": 1, "chunk_id": "w.md#0", "doc_id": "w.md", "score": 0.03, "ranks": {"dense": 1}}],
        "cited_doc_ids": ["w.md"], "citation_sources": ["model"], "invalid_citations": [2],
        "timings": {"retrieval_s": 0.01, "total_s": 1.5, "batch_size": 1}, "tokens": {"prompt": 600, "completion": 4},
        "model": "SmolLM2", "old_answers": ["2 years"], "metrics": {"contains": 1.0, "judge_correct": None},
        "options": [{"text": "3 years", "logprob": -0.5, "tokens": 2}], "judge": {"reply": "{\"correct\": true}"},
        "future_field": {"x": 1}}


def test_a_record_reads_and_writes_the_same_line():
    r = ResultRecord.from_json(LINE)
    assert (r.retrieved[0].doc_id, r.tokens.prompt, r.total_s, r.batch_size) == ("w.md", 600, 1.5, 1)
    assert r.options[0]["logprob"] == -0.5 and r.judge["reply"] and r.extra == {"future_field": {"x": 1}}
    assert r.to_json() == LINE and list(r.to_json()) == list(LINE)


def test_an_old_record_without_optional_fields_reads():
    r = ResultRecord.from_json({"question_id": "a", "variant": "base", "metrics": {"contains": 0.0}})
    assert r.retrieved == () and r.old_answers == () and r.options is None and r.batch_size == 1
    assert "old_answers" not in r.to_json() and "options" not in r.to_json()


def _records():
    rows = []
    for i in range(12):
        for v, right in (("base", i < 3), ("rag", i < 10)):
            rows.append({"question_id": f"q{i}", "variant": v, "tags": ["even" if i % 2 == 0 else "odd"],
                         "retrieved": [{"rank": 1, "chunk_id": "d#0", "doc_id": "d"}] if v == "rag" else [],
                         "timings": {"total_s": 0.5 + i / 10, "batch_size": 1 if i < 4 else 4},
                         "tokens": {"prompt": 40, "completion": 5}, "metrics": {"contains": float(right), "f1": None}})
    return rows


def test_typed_and_dict_summaries_write_the_same_bytes(tmp_path):
    """The dict flow (summarize, then fields set by key) and the typed one (build_summary, replace) agree."""
    records, prices = _records(), CostSettings()
    retrieval = {"base": False, "rag": True}
    as_dict = summarize(records, ["base", "rag"], seed=3, resamples=200)
    as_dict["k"] = 5
    as_dict["cost"] = cost_summary(as_dict, prices, adapters={}, retrieval=retrieval, sync_s=None)
    typed = build_summary([ResultRecord.from_json(r) for r in records], ["base", "rag"], seed=3, resamples=200)
    typed = replace(typed, k=5, cost=cost_summary(typed, prices, adapters={}, retrieval=retrieval, sync_s=None))
    a = write_summary(tmp_path / "a", as_dict).read_bytes()
    b = write_summary(tmp_path / "b", typed).read_bytes()
    assert a == b
    back = read_summary(tmp_path / "b")
    assert back.to_json() == json.loads(b) == as_dict
    rag = back.variants["rag"]
    assert rag.metric("contains").value == pytest.approx(10 / 12) and rag.metric("f1") is None  # f1 never measured
    assert rag.latency_n == 4 and rag.p50_s == pytest.approx(0.65) and rag.tag("even").n == 6
    assert {(c.metric, c.better) for c in back.comparisons} == {("contains", "rag")}  # f1: nothing to compare


def test_estimates_read_as_their_json_object():
    unmeasured = Estimate(math.nan, math.nan, math.nan, 0)
    assert not unmeasured.measured and dict(unmeasured) == {"value": None, "low": None, "high": None, "n": 0}
    e = Estimate(0.5, 0.25, 0.75, 16)
    assert Estimate.from_json(e.to_json()) == e and e["value"] == 0.5
    assert (ci(e), pct_text(e), ci(unmeasured), pct_text(unmeasured)) == ("50 % (25–75, n=16)", "50 % [25-75]", "–",
                                                                           "not measured")


def test_forgetting_summary_keeps_the_probe_figures():
    probe = [{"question_id": f"g{i}", "variant": v, "timings": {}, "tokens": {},
              "metrics": {"contains": float(i < n), "mc_correct": 1.0}}
             for i in range(5) for v, n in (("base", 4), ("ft", 2))]
    out = forgetting_summary(probe, resamples=100)
    assert out["questions"] == 5 and out["variants"]["ft"]["contains"]["value"] == 0.4
    assert out["variants"]["ft"]["mc_correct_norm"] is None
    assert [c["metric"] for c in out["comparisons"]] == ["contains"]


def test_manifest_round_trips_and_says_which_variants_retrieve(tmp_path):
    written = {"kind": "eval", "variants": ["base", "rag"], "retrieval": {"base": False, "rag": True},
               "settings": {"retrieval": {"top_k": 3}}, "adapters": {}, "new_key": 1, "created": "2026-01-02"}
    (tmp_path / "manifest.json").write_text(json.dumps(written))
    m = read_manifest(tmp_path)
    assert m.to_json() == written and list(m.to_json()) == list(written) and m.extra == {"new_key": 1}
    assert m.retrieves("rag") and not m.retrieves("base")
    assert read_manifest(tmp_path / "missing") is None
    # A run that did not record it: its answers tell, else how it took in a document update.
    records = [ResultRecord.from_json(r) for r in _records()]
    assert Manifest().retrieves("rag", records) and not Manifest().retrieves("base", records)
    assert Manifest().retrieves("x", records, absorbed_by="index sync")


def test_read_results_and_summary_errors(tmp_path):
    assert read_results(tmp_path) == []
    with pytest.raises(RunError, match="no summary.json: run `ragtune eval` first"):
        read_summary(tmp_path)
    (tmp_path / "summary.json").write_text("{broken")
    with pytest.raises(RunError, match="not valid JSON"):
        read_summary(tmp_path)
    assert Summary.from_json({"variants": {}}).to_json() == {"variants": {}, "comparisons": [], "seed": 0,
                                                             "resamples": 2000}
