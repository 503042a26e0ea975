"""The peer benchmark's own machinery (bench/peer_*.py), without the peers: probes, the ragtune adapter's
update check, the generate timer and the tables. The peers themselves run only in `make bench-peers`."""

from __future__ import annotations

import json
import sys
from argparse import Namespace
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import peer_corpora  # noqa: E402
import peer_tables  # noqa: E402
import peer_worker  # noqa: E402
from peer_api import Doc, Models, write_docs  # noqa: E402

KEEP = "The Trailhawk frame is made of hydroformed aluminium in Ghent."
OLD = "The battery warranty lasts two years from the date of purchase."
NEW = "The battery warranty lasts three years from the date of purchase."
GONE = "The Ferrow 3 was a folding commuter bike with a belt drive and hub gears."
BEFORE = [Doc("a.md", f"{KEEP} {OLD}"), Doc("b.md", GONE), Doc("c.md", "Support answers emails on weekdays only.")]
AFTER = [Doc("a.md", f"{KEEP} {NEW}"), Doc("c.md", BEFORE[2].text)]


def test_probes_name_what_the_update_removed():
    probes = peer_corpora.probes(BEFORE, AFTER)
    assert probes == [
        {"kind": "changed", "doc_id": "a.md", "query": OLD, "old_text": OLD},
        {"kind": "deleted", "doc_id": "b.md", "query": GONE, "old_text": ""},
    ]


@pytest.fixture(scope="module")
def models() -> Models:
    from ragtune.models.packaged import packaged_embedder_path

    return Models(embedder=str(packaged_embedder_path()), generator="unused")


def _check(tmp_path: Path, store: Path, models: Models) -> dict:
    write_docs(tmp_path / "after.jsonl", AFTER)
    probes = tmp_path / "probes.jsonl"
    probes.write_text("".join(json.dumps(p) + "\n" for p in peer_corpora.probes(BEFORE, AFTER)))
    args = Namespace(setup="sync", store=str(store), docs=str(tmp_path / "after.jsonl"), probes=str(probes), k=5)
    import peer_ragtune

    return peer_worker.run_check(peer_ragtune, args, models)


def test_update_check_finds_stale_chunks_and_ragtune_leaves_none(tmp_path, models):
    import peer_ragtune

    stale, synced = tmp_path / "stale", tmp_path / "synced"
    peer_ragtune.build("sync", BEFORE, stale, models)
    peer_ragtune.build("sync", BEFORE, synced, models)
    peer_ragtune.update("sync", AFTER, synced, models)

    before = _check(tmp_path, stale, models)  # an index that missed the update: the check must see it
    assert before["stored_chunks"] == 3 and before["expected_chunks"] == 2
    for name in ("vector", "bm25", "hybrid"):
        assert before["retrievers"][name]["deleted_hits"] == 1, name
        assert before["retrievers"][name]["stale_hits"] == 1, name

    after = _check(tmp_path, synced, models)
    assert after["stored_chunks"] == after["expected_chunks"] == 2
    assert {n: (r["deleted_hits"], r["stale_hits"]) for n, r in after["retrievers"].items()} == {
        "vector": (0, 0), "bm25": (0, 0), "hybrid": (0, 0)}


def test_generate_timer_times_every_generate_call_and_restores_it():
    import torch
    from transformers import GenerationMixin, LlamaConfig, LlamaForCausalLM

    original = GenerationMixin.generate
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=1, pad_token_id=0))
    with peer_worker.generate_timer() as spent:
        out = model.generate(torch.tensor([[1, 2, 3]]), max_new_tokens=3, do_sample=False)
        model.generate(torch.tensor([[4, 5]]), max_new_tokens=2, do_sample=False)
    assert out.shape == (1, 6)
    assert len(spent) == 2 and all(s > 0 for s in spent)
    assert GenerationMixin.generate is original
    model.generate(torch.tensor([[1]]), max_new_tokens=1, do_sample=False)
    assert len(spent) == 2  # no longer recording


def _timed(tool: str, setup: str, repeat: int, seconds: float, task: str = "build") -> dict:
    return {"task": task, "tool": tool, "setup": setup, "corpus": "c", "repeat": repeat, "seconds": seconds,
            "peak_rss_mib": 100.0, "chunks": 10}


def _result() -> dict:
    rows = [_timed("ragtune", "sync", 0, 10.0), _timed("ragtune", "sync", 1, 12.0),
            _timed("langchain", "index", 0, 25.0), _timed("langchain", "index", 1, 20.0),
            _timed("langchain", "index-bf16", 0, 11.0), _timed("langchain", "index-bf16", 1, 13.0),
            _timed("ragtune", "sync", 0, 1.0, "update"), _timed("langchain", "index", 0, 0.8, "update"),
            {"task": "build", "tool": "llamaindex", "setup": "pipeline", "corpus": "c", "repeat": 0, "error": "x"}]
    for tool, setup, stored in (("ragtune", "sync", 10), ("langchain", "index", 11)):
        rows.append({"task": "check", "tool": tool, "setup": setup, "corpus": "c", "repeat": 0, "stored_chunks": stored,
                     "expected_chunks": 10, "probes": 2, "k": 5,
                     "retrievers": {"vector": {"deleted_hits": 0, "stale_hits": int(tool == "langchain")}}})
    return {"questions": {"c": []}, "corpora": {"c": {"before": 5, "after": 4, "probes": 2}}, "results": rows}


def test_ratios_are_taken_within_a_repeat_and_goals_use_default_peers():
    result = _result()
    result["summary"] = peer_tables.summarise(result)
    build = result["summary"]["c"]["build"]
    assert build["langchain/index"]["vs_ragtune"]["median"] == pytest.approx((2.5 + 20 / 12) / 2)
    assert build["langchain/index"]["seconds"] == {"median": 22.5, "min": 20.0, "max": 25.0, "n": 2}
    assert "llamaindex/pipeline" not in build  # failed runs are not timed
    check = result["summary"]["c"]["check"]
    assert check["ragtune/sync"]["exact"] and not check["langchain/index"]["exact"]

    text = peer_tables.markdown(result)
    # index-bf16 is faster than ragtune, but it is not LangChain's default: the goal names langchain/index.
    assert "the faster peer, langchain/index, takes 2.08x ragtune's time (goal >= 2x: met)" in text
    assert "langchain/index, takes 0.80x ragtune's time (goal exact and fastest: not met); not exact: langchain/index" in text
    assert "| langchain/index-bf16\\* |" in text


def test_tables_replace_only_their_own_section(tmp_path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nintro\n")
    peer_tables.write_section(doc, "first")
    peer_tables.write_section(doc, "second")
    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\nintro\n") and text.count(peer_tables.START) == 1
    assert "second" in text and "first" not in text


def test_retrieval_metrics_agree_with_trec_eval():
    questions = [{"id": "q1", "sources": ["a", "b"]}, {"id": "q2", "sources": ["c"]}]
    ranked = [["x", "a", "a", "y", "b"], ["y", "z"]]
    assert peer_tables._trec_check(ranked, questions) is True
