import json

import pytest

from ragtune.config import CostSettings
from ragtune.evaluate.cost import (TrainingCost, VariantCost, break_even_qpd, cost_summary, load_training_cost,
                                   monthly_usd, query_cost_usd, training_cost)

HW = CostSettings(hardware_usd_per_hour=3.6)  # $0.001 per machine second
API = CostSettings(hardware_usd_per_hour=0.0, input_usd_per_mtok=0.15, output_usd_per_mtok=0.60)


def test_query_cost_hardware_tokens_both_and_concurrency():
    assert query_cost_usd(2.0, 1000, 100, HW) == pytest.approx(0.002)
    assert query_cost_usd(2.0, 1000, 100, API) == pytest.approx(1000 * 0.15e-6 + 100 * 0.60e-6)  # 0.00021
    both = CostSettings(hardware_usd_per_hour=3.6, input_usd_per_mtok=0.15, output_usd_per_mtok=0.60)
    assert query_cost_usd(2.0, 1000, 100, both) == pytest.approx(0.002 + 0.00021)
    assert query_cost_usd(2.0, 0, 0, CostSettings(hardware_usd_per_hour=3.6, concurrency=2)) == pytest.approx(0.001)


CARD = {"wall_s": 100.0, "train_s": 80.0, "tokens_per_s": 50.0, "steps": 20}


def test_training_cost_from_card():
    assert training_cost(CARD, HW) == TrainingCost(100.0, 4000, pytest.approx(0.1))
    with_synth = training_cost(CARD, HW, synth_s=20.0)
    assert with_synth.seconds == 120.0 and with_synth.usd == pytest.approx(0.12)
    api = training_cost(CARD, CostSettings(training_usd_per_hour=0.0, training_usd_per_mtok=3.0))
    assert api.tokens == 4000 and api.usd == pytest.approx(4000 * 3.0 / 1e6)
    # training_usd_per_hour overrides the hardware price
    assert training_cost(CARD, CostSettings(hardware_usd_per_hour=3.6, training_usd_per_hour=7.2)).usd == \
        pytest.approx(0.2)
    with pytest.raises(ValueError, match="wall_s"):
        training_cost({"train_s": 1.0}, HW)


def test_load_training_cost_adds_synthesis(tmp_path):
    (tmp_path / "training_card.json").write_text(json.dumps(CARD))
    report = tmp_path / "synth_report.json"
    assert load_training_cost(tmp_path, report, HW).seconds == 100.0  # no report yet
    report.write_text(json.dumps({"seconds": 30.0, "counts": {}}))
    assert load_training_cost(tmp_path, report, HW).usd == pytest.approx(0.13)
    with pytest.raises(ValueError, match="ragtune tune"):
        load_training_cost(tmp_path / "missing", None, HW)


RAG = VariantCost("rag", per_query_usd=0.001, update_usd=0.0, one_time_usd=0.0)
FT = VariantCost("ft", per_query_usd=0.0004, update_usd=5.0, one_time_usd=5.0)


def test_monthly_and_break_even():
    assert monthly_usd(FT, 1000, 4) == pytest.approx(30 * 1000 * 0.0004 + 20)  # 32
    assert break_even_qpd(RAG, FT, 4) == pytest.approx(20 / (30 * 0.0006))  # 1111.1
    assert break_even_qpd(FT, RAG, 4) == pytest.approx(1111.111, rel=1e-6)
    q = break_even_qpd(RAG, FT, 4)
    assert monthly_usd(RAG, q, 4) == pytest.approx(monthly_usd(FT, q, 4))
    assert break_even_qpd(RAG, VariantCost("x", 0.001, 9.0, 0.0), 4) is None  # equal per query
    # ft is cheaper per query *and* per update: no positive break-even
    assert break_even_qpd(RAG, VariantCost("cheap", 0.0004, 0.0, 0.0), 4) is None


def _variant(total_s, prompt, completion):
    return {"n": 3, "latency_s": {"total_s": {"p50": total_s, "p95": total_s, "mean": total_s}},
            "tokens": {"prompt": prompt, "completion": completion}}


def test_cost_summary():
    summary = {"variants": {"base": _variant(1.0, 50, 20), "rag": _variant(1.0, 400, 20),
                            "ft": _variant(0.4, 50, 20), "ft+rag": _variant(1.2, 400, 20),
                            "empty": {"n": 0, "latency_s": {"total_s": {"p50": None, "p95": None, "mean": None}},
                                      "tokens": {"prompt": None, "completion": None}}}}
    train = TrainingCost(5000.0, 100_000, 5.0)
    out = cost_summary(summary, HW, adapters={"ft": train, "ft+rag": train},
                       retrieval={"base": False, "rag": True, "ft": False, "ft+rag": True, "empty": False}, sync_s=None)
    json.dumps(out, allow_nan=False)
    assert set(out) == {"prices", "assumptions", "sync_s", "notes", "variants", "curve", "break_even"}
    assert out["prices"]["hardware_usd_per_hour"] == 3.6 and out["sync_s"] is None
    assert any("sync" in n and "not measured" in n for n in out["notes"])
    rag, ft = out["variants"]["rag"], out["variants"]["ft"]
    assert rag["per_query_usd"] == pytest.approx(0.001) and rag["per_1k_queries_usd"] == pytest.approx(1.0)
    assert rag["update_usd"] == 0.0 and rag["training"] is None
    assert ft["update_usd"] == ft["one_time_usd"] == 5.0 and ft["training"]["tokens"] == 100_000
    assert ft["monthly_usd"] == pytest.approx(30 * 1000 * 0.0004 + 4 * 5.0)
    assert out["variants"]["empty"]["per_query_usd"] is None and out["variants"]["empty"]["monthly_usd"] is None

    curve = out["curve"]
    assert curve["queries_per_day"][:3] == [10, 30, 100] and curve["queries_per_day"][-1] == 1_000_000
    assert len(curve["queries_per_day"]) == 11 and "empty" not in curve["monthly_usd"]
    assert all(len(v) == 11 for v in curve["monthly_usd"].values())

    pairs = {(p["a"], p["b"]): p for p in out["break_even"]}
    assert len(pairs) == 6 and not any("empty" in k for k in pairs)
    assert pairs["rag", "ft"]["queries_per_day"] == pytest.approx(1111.111, rel=1e-6)
    assert (pairs["rag", "ft"]["cheaper_below"], pairs["rag", "ft"]["cheaper_above"]) == ("rag", "ft")
    # base and rag cost the same per query (hardware only) and per update: neither is cheaper
    assert pairs["base", "rag"] == {"a": "base", "b": "rag", "queries_per_day": None,
                                    "cheaper_below": None, "cheaper_above": None}
    # ft+rag costs more per query and per update than rag: rag is always cheaper
    assert pairs["rag", "ft+rag"]["queries_per_day"] is None
    assert pairs["rag", "ft+rag"]["cheaper_below"] == pairs["rag", "ft+rag"]["cheaper_above"] == "rag"


def test_cost_summary_counts_measured_sync():
    summary = {"variants": {"rag": _variant(1.0, 0, 0), "ft+rag": _variant(1.0, 0, 0)}}
    out = cost_summary(summary, HW, adapters={"ft+rag": TrainingCost(10.0, 0, 0.01)},
                       retrieval={"rag": True, "ft+rag": True}, sync_s=60.0)
    assert out["variants"]["rag"]["update_usd"] == pytest.approx(0.06)
    assert out["variants"]["ft+rag"]["update_usd"] == pytest.approx(0.07)
    assert not any("sync" in n for n in out["notes"])
    pair = out["break_even"][0]  # same per query, rag updates cheaper
    assert pair["queries_per_day"] is None and pair["cheaper_below"] == pair["cheaper_above"] == "rag"
