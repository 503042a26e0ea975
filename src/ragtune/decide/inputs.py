"""What `ragtune recommend` weighs: the user's constraints, and the evidence a run measured about each variant.

Constraints default to `ragtune.toml` (`[cost]` volume and updates, `[constraints]` the rest); the CLI flags
override them. The evidence is gathered from summary.json, results.jsonl and the manifest, in one place that
decides how a variant's kind is known (does it retrieve? was it fine-tuned?), so every rule agrees on it, and
where its costs come from (summary.cost, or recomputed at other prices). docs/decision.md names the rules
that use each field.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Mapping, Sequence

from ragtune.config import CostSettings, Settings
from ragtune.errors import DecisionError
from ragtune.evaluate.cost import TrainingCost, VariantCost, cost_summary
from ragtune.evaluate.results import Manifest, ResultRecord, Summary
from ragtune.evaluate.stats import Estimate

STANDARD_ADAPTERS = ("ft", "ft+rag", "raft")  # used only when neither manifest nor summary says

# Updates per month for the words `--updates` accepts; 4.3 = 52 weeks / 12 months.
UPDATES_PER_MONTH = {"never": 0.0, "yearly": 1 / 12, "quarterly": 1 / 3, "monthly": 1.0, "weekly": 4.3,
                     "daily": 30.0}


@dataclass(frozen=True)
class Constraints:
    """What the deployment needs. `None` for `latency_ms` / `budget_usd_per_month`: no target."""

    queries_per_day: float = 1000.0
    updates_per_month: float = 4.0
    latency_ms: float | None = None  # p50 seconds per answer (retrieval + generation) must stay under this
    citations_required: bool = False  # every answer must cite the passages it used
    sensitive_data: bool = False  # facts must be deletable and access-controlled
    budget_usd_per_month: float | None = None
    gpu_available: bool = False  # for (re)training

    def __post_init__(self):
        bad = [f"{name} must be >= 0 (got {getattr(self, name)})"
               for name in ("queries_per_day", "updates_per_month") if getattr(self, name) < 0]
        bad += [f"{name} must be > 0, or left unset for no target (got {getattr(self, name)})"
                for name in ("latency_ms", "budget_usd_per_month")
                if getattr(self, name) is not None and getattr(self, name) <= 0]
        if bad:
            raise DecisionError("invalid constraints: " + "; ".join(bad))


def parse_updates(value: str | float) -> float:
    """`weekly` -> 4.3 updates per month; a number is taken as updates per month."""
    if isinstance(value, (int, float)):
        return float(value)
    word = value.strip().lower()
    if word in UPDATES_PER_MONTH:
        return UPDATES_PER_MONTH[word]
    try:
        return float(word)
    except ValueError:
        raise DecisionError(f"--updates {value!r}: use one of {', '.join(UPDATES_PER_MONTH)}, "
                            "or a number of updates per month (e.g. 2)") from None


def describe_updates(per_month: float) -> str:
    """4.3 -> "weekly (4.3 times a month)", 2 -> "2 times a month", 0 -> "never"."""
    if per_month == 0:
        return "never"
    word = next((w for w, n in UPDATES_PER_MONTH.items() if abs(n - per_month) < 1e-9), None)
    number = f"{per_month:.2g} times a month"
    return f"{word} ({number})" if word else number


def constraints_from_settings(settings: Settings, **overrides) -> Constraints:
    """`[cost]` and `[constraints]` from ragtune.toml, then every override that is not None.

    `updates_per_month` may be a word (`weekly`); `latency_ms=0` or `budget_usd_per_month=0` clears a target.
    """
    c, s = settings.constraints, settings.cost
    base = Constraints(queries_per_day=s.queries_per_day, updates_per_month=s.updates_per_month,
                       latency_ms=c.latency_ms, citations_required=c.citations_required,
                       sensitive_data=c.sensitive_data, budget_usd_per_month=c.budget_usd_per_month,
                       gpu_available=c.gpu_available)
    known = {f.name for f in fields(Constraints)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown constraint(s): {', '.join(sorted(unknown))}")
    given = {k: v for k, v in overrides.items() if v is not None}
    if "updates_per_month" in given:
        given["updates_per_month"] = parse_updates(given["updates_per_month"])
    for target in ("latency_ms", "budget_usd_per_month"):
        if given.get(target) == 0:
            given[target] = None
    return replace(base, **given)


# -- evidence --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantEvidence:
    """One variant's measured figures; None where the run did not measure it."""

    name: str
    retrieval: bool  # answers from retrieved passages
    adapter: bool  # weights fine-tuned on the documents
    answers: int
    contains: Estimate | None  # correct answers over all its questions, with CI (summary.json)
    cited_answers: int  # answers that cited at least one document
    citation_precision: Estimate | None
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


def gather_evidence(summary: Summary, results: Sequence[ResultRecord], *, manifest: Manifest | None = None,
                    freshness: dict | None = None, prices: CostSettings | None = None) -> dict[str, VariantEvidence]:
    """Evidence for every variant in `summary`, in its order. `freshness`: an after-update summary's figures."""
    manifest = manifest or Manifest()
    fresh = (freshness or {}).get("variants", {})
    cost = summary.cost or {}
    retrieval = {v: manifest.retrieves(v, results, absorbed_by=(fresh.get(v) or {}).get("absorb_by"))
                 for v in summary.variants}
    costs = variant_costs(summary, retrieval, prices)
    out = {}
    for v, s in summary.variants.items():
        rows = [r for r in results if r.variant == v]
        training = (cost.get("variants", {}).get(v) or {}).get("training")
        retrain = training["seconds"] if training else (fresh.get(v) or {}).get("retrain_s")
        out[v] = VariantEvidence(
            name=v, retrieval=retrieval[v], adapter=_tuned(v, manifest, training, fresh.get(v)),
            answers=len(rows), contains=s.metrics.get("contains"),
            cited_answers=sum(1 for r in rows if r.cited_doc_ids),
            citation_precision=s.metrics.get("citation_precision"),
            p50_s=s.p50_s, cost=costs.get(v), retrain_s=retrain, freshness=fresh.get(v))
    return out


def variant_costs(summary: Summary, retrieval: Mapping[str, bool],
                  prices: CostSettings | None = None) -> dict[str, VariantCost]:
    """Per query and per update costs from summary.cost; with `prices`, recomputed from the measured
    latency, tokens, training seconds and sync seconds at those prices (ragtune.evaluate.cost)."""
    cost = summary.cost
    if not cost:
        return {}
    if prices is not None:
        per_hour = prices.hardware_usd_per_hour if prices.training_usd_per_hour is None \
            else prices.training_usd_per_hour
        adapters = {v: TrainingCost(t["seconds"], t["tokens"],
                                    t["seconds"] * per_hour / 3600 + t["tokens"] * prices.training_usd_per_mtok / 1e6)
                    for v, c in cost["variants"].items() if (t := c.get("training"))}
        cost = cost_summary(summary, prices, adapters=adapters, retrieval=retrieval, sync_s=cost.get("sync_s"),
                            own_prices={v: c.get("prices") or {} for v, c in cost["variants"].items()})
    return {v: VariantCost(v, c["per_query_usd"], c["update_usd"], c["one_time_usd"])
            for v, c in cost["variants"].items() if c.get("per_query_usd") is not None}


def _tuned(v: str, manifest: Manifest, training: dict | None, fresh: dict | None) -> bool:
    definition = manifest.variant_definitions.get(v)
    if definition is not None:
        return definition.get("adapter") is not None
    if training is not None or (fresh and fresh.get("retrain_s") is not None):
        return True
    return v in STANDARD_ADAPTERS
