"""What was measured about each variant, gathered from summary.json, results.jsonl and the manifest.

One place decides how a variant's kind is known (does it retrieve? was it fine-tuned?), so every rule
agrees on it; and where its costs come from (summary.cost, or recomputed at other prices).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from ragtune.config import CostSettings
from ragtune.evaluate.cost import TrainingCost, VariantCost, cost_summary

STANDARD_ADAPTERS = ("ft", "ft+rag", "raft")  # used only when neither manifest nor summary says


@dataclass(frozen=True)
class VariantEvidence:
    """One variant's measured figures; None where the run did not measure it."""

    name: str
    retrieval: bool  # answers from retrieved passages
    adapter: bool  # weights fine-tuned on the documents
    answers: int
    contains: dict | None  # correct answers over all its questions, with CI (summary.json)
    cited_answers: int  # answers that cited at least one document
    citation_precision: dict | None
    p50_s: float | None  # total seconds per answer, median
    cost: VariantCost | None
    retrain_s: float | None  # synthesis + training seconds of its adapter
    freshness: dict | None  # summary.freshness.variants[name] of the after-update run

    @property
    def reference(self) -> bool:
        """Neither retrieval nor training: the model without the documents (base)."""
        return not self.retrieval and not self.adapter

    @property
    def closed_book_tuned(self) -> bool:
        return self.adapter and not self.retrieval


def gather_evidence(summary: dict, results: Sequence[dict], *, manifest: dict | None = None,
                    freshness: dict | None = None, prices: CostSettings | None = None) -> dict[str, VariantEvidence]:
    """Evidence for every variant in `summary`, in its order. `freshness`: an after-update summary's figures."""
    manifest = manifest or {}
    fresh = (freshness or {}).get("variants", {})
    cost = summary.get("cost") or {}
    retrieval = {v: _retrieves(v, results, manifest, fresh.get(v)) for v in summary["variants"]}
    costs = variant_costs(summary, retrieval, prices)
    out = {}
    for v, s in summary["variants"].items():
        rows = [r for r in results if r["variant"] == v]
        training = (cost.get("variants", {}).get(v) or {}).get("training")
        retrain = training["seconds"] if training else (fresh.get(v) or {}).get("retrain_s")
        out[v] = VariantEvidence(
            name=v, retrieval=retrieval[v], adapter=_tuned(v, manifest, training, fresh.get(v)),
            answers=len(rows), contains=s["metrics"].get("contains"),
            cited_answers=sum(1 for r in rows if r.get("cited_doc_ids")),
            citation_precision=s["metrics"].get("citation_precision"),
            p50_s=s["latency_s"]["total_s"]["p50"], cost=costs.get(v), retrain_s=retrain, freshness=fresh.get(v))
    return out


def variant_costs(summary: dict, retrieval: Mapping[str, bool],
                  prices: CostSettings | None = None) -> dict[str, VariantCost]:
    """Per query and per update costs from summary.cost; with `prices`, recomputed from the measured
    latency, tokens, training seconds and sync seconds at those prices (ragtune.evaluate.cost)."""
    cost = summary.get("cost")
    if not cost:
        return {}
    if prices is not None:
        per_hour = prices.hardware_usd_per_hour if prices.training_usd_per_hour is None \
            else prices.training_usd_per_hour
        adapters = {v: TrainingCost(t["seconds"], t["tokens"],
                                    t["seconds"] * per_hour / 3600 + t["tokens"] * prices.training_usd_per_mtok / 1e6)
                    for v, c in cost["variants"].items() if (t := c.get("training"))}
        cost = cost_summary(summary, prices, adapters=adapters, retrieval=dict(retrieval), sync_s=cost.get("sync_s"))
    return {v: VariantCost(v, c["per_query_usd"], c["update_usd"], c["one_time_usd"])
            for v, c in cost["variants"].items() if c.get("per_query_usd") is not None}


def _retrieves(v: str, results: Sequence[dict], manifest: dict, fresh: dict | None) -> bool:
    if v in (manifest.get("retrieval") or {}):
        return bool(manifest["retrieval"][v])
    if any(r.get("retrieved") for r in results if r["variant"] == v):
        return True
    return bool(fresh and fresh.get("absorb_by") == "index sync")


def _tuned(v: str, manifest: dict, training: dict | None, fresh: dict | None) -> bool:
    definition = (manifest.get("variant_definitions") or {}).get(v)
    if definition is not None:
        return definition.get("adapter") is not None
    if training is not None or (fresh and fresh.get("retrain_s") is not None):
        return True
    return v in STANDARD_ADAPTERS
