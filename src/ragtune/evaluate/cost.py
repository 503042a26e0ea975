"""What each variant costs: per query, per knowledge update, per month, and where two variants break even.

Pure arithmetic on measured figures (docs/metrics.md, Cost), so the prices can change without re-running:

- per query   = total_s * hardware_usd_per_hour / 3600 / concurrency
                + prompt_tokens * input_usd_per_mtok / 1e6 + completion_tokens * output_usd_per_mtok / 1e6
  (a local model costs the machine seconds a query occupies, an API model its tokens; both terms always apply),
  at each variant's own prices: `[variants.<name>.cost]` over `[cost]`, so a small local model and a large
  one behind a paid API are each priced as what they run on
- training    seconds = synth_s + max(wall_s, train_s); tokens = round(tokens_per_s * train_s), all epochs;
              usd = seconds * training_usd_per_hour (None: hardware_usd_per_hour) / 3600
                    + tokens * training_usd_per_mtok / 1e6
- monthly     = 30 * queries_per_day * per_query_usd + updates_per_month * update_usd
- break-even  = the queries/day where two variants' monthly costs are equal:
                updates_per_month * (update_b - update_a) / (30 * (per_query_a - per_query_b))

Default prices are 2024 list prices; check current prices: AWS c7i.large $0.0893/h on-demand us-east-1
(g5.xlarge GPU: $1.006/h); OpenAI gpt-4o-mini (2024-07) $0.15 / $0.60 per 1M input / output tokens, fine-tuning
$3.00 per 1M training tokens.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import combinations
from pathlib import Path
from typing import Any, Mapping

from ragtune.config import CostSettings
from ragtune.evaluate.results import Summary
from ragtune.runs import CARD, read_json

DAYS_PER_MONTH = 30
CURVE_QPD = [m * 10 ** e for e in range(1, 7) for m in (1, 3)][:-1]  # 10, 30, 100, ... 300000, 1000000


@dataclass(frozen=True)
class TrainingCost:
    """One training run (including synthesis when given): machine seconds, tokens trained, dollars."""

    seconds: float
    tokens: int
    usd: float


@dataclass(frozen=True)
class VariantCost:
    """update_usd: one knowledge update (a retrain for adapters, an index re-sync for retrieval, both for
    ft+rag/raft); one_time_usd: the initial training of an adapter variant, else 0."""

    variant: str
    per_query_usd: float
    update_usd: float
    one_time_usd: float


def query_cost_usd(total_s: float, prompt_tokens: float, completion_tokens: float, prices: CostSettings) -> float:
    """Machine seconds at the hardware price (shared by `concurrency` queries) plus tokens at the API prices."""
    return (total_s * prices.hardware_usd_per_hour / 3600 / prices.concurrency
            + prompt_tokens * prices.input_usd_per_mtok / 1e6
            + completion_tokens * prices.output_usd_per_mtok / 1e6)


def training_cost(card: dict, prices: CostSettings, synth_s: float = 0.0) -> TrainingCost:
    """The cost of one training run from its training card (`ragtune.tune.train_lora`), plus `synth_s` of synthesis."""
    if card.get("wall_s") is None:
        raise ValueError("the training card has no `wall_s`; it was not written by `ragtune tune` "
                         "(re-run the training, or pass a card with wall_s, train_s and tokens_per_s).")
    train_s = card.get("train_s") or 0.0
    seconds = synth_s + max(card["wall_s"], train_s)
    tokens = round((card.get("tokens_per_s") or 0.0) * train_s)
    per_hour = prices.training_usd_per_hour
    per_hour = prices.hardware_usd_per_hour if per_hour is None else per_hour
    return TrainingCost(seconds, tokens, seconds * per_hour / 3600 + tokens * prices.training_usd_per_mtok / 1e6)


def load_training_cost(run_dir: Path, synth_report: Path | None, prices: CostSettings) -> TrainingCost:
    """`run_dir/training_card.json`, plus the synthesis seconds from `synth_report`: a retrain re-runs both."""
    card_path = Path(run_dir) / CARD
    if not card_path.is_file():
        raise ValueError(f"{card_path} not found; run `ragtune tune` first, or name a finished run.")
    synth_s = 0.0
    if synth_report is not None and Path(synth_report).is_file():
        synth_s = float(read_json(synth_report).get("seconds") or 0.0)
    return training_cost(read_json(card_path), prices, synth_s)


def monthly_usd(vc: VariantCost, queries_per_day: float, updates_per_month: float) -> float:
    return DAYS_PER_MONTH * queries_per_day * vc.per_query_usd + updates_per_month * vc.update_usd


def break_even_qpd(a: VariantCost, b: VariantCost, updates_per_month: float) -> float | None:
    """Queries/day where a and b cost the same per month; None if no positive volume (one is always cheaper)."""
    slope = DAYS_PER_MONTH * (a.per_query_usd - b.per_query_usd)
    if slope == 0:
        return None
    qpd = updates_per_month * (b.update_usd - a.update_usd) / slope
    return qpd if qpd > 0 else None


def _cheaper(a: VariantCost, b: VariantCost, updates_per_month: float) -> tuple[str | None, str | None]:
    """(cheaper below the break-even, cheaper above it); the same name twice when one is always cheaper."""
    if a.per_query_usd == b.per_query_usd:
        if a.update_usd == b.update_usd or updates_per_month == 0:
            return None, None
        name = a.variant if a.update_usd < b.update_usd else b.variant
        return name, name
    low, high = (a, b) if a.per_query_usd < b.per_query_usd else (b, a)
    if break_even_qpd(a, b, updates_per_month) is None:
        return low.variant, low.variant
    return high.variant, low.variant


def variant_prices(prices: CostSettings, overrides: Mapping[str, float] | None) -> CostSettings:
    """`[cost]` with a variant's own prices (`[variants.<name>.cost]`) over it."""
    return prices.model_copy(update=dict(overrides)) if overrides else prices


def cost_summary(summary: Summary | Mapping[str, Any], prices: CostSettings, *,
                 adapters: Mapping[str, TrainingCost | None], retrieval: Mapping[str, bool],
                 sync_s: float | None, own_prices: Mapping[str, Mapping[str, float]] | None = None,
                 own_model: Mapping[str, str] | None = None) -> dict:
    """Per-variant costs, the monthly curve and pairwise break-evens for the summary's variants (strict JSON).

    `summary`: a `Summary` (or summary.json's dict); `adapters[v]`: the training cost of an adapter variant
    (None: unknown); `retrieval[v]`: whether v re-syncs the index on an update; `sync_s`: measured seconds of
    one re-sync (None: not measured, counted as 0); `own_prices[v]`: v's prices over `prices` (its model
    runs elsewhere); `own_model[v]`: the model of a variant that does not answer with `[models] generator`
    (one without prices of its own gets a note: it is priced as if it ran on `[cost]`'s machine)."""
    if not isinstance(summary, Summary):
        summary = Summary.from_json(summary)
    own_prices, own_model = own_prices or {}, own_model or {}
    notes: list[str] = [f"{v}: answers with {model} but sets no prices of its own ([variants.{v}.cost]); priced "
                        "at [cost]" for v, model in own_model.items() if v in summary.variants and not own_prices.get(v)]
    if sync_s is None:
        notes.append("index re-sync time not measured: a retrieval variant's update is counted as $0")
    sync_usd = (sync_s or 0.0) * prices.hardware_usd_per_hour / 3600
    costs: dict[str, VariantCost] = {}
    out: dict[str, dict] = {}
    for v, s in summary.variants.items():
        train = adapters.get(v)
        if v in adapters and train is None:
            notes.append(f"{v}: no training cost known; its retrain is counted as $0")
        update = (train.usd if train else 0.0) + (sync_usd if retrieval.get(v, False) else 0.0)
        one_time = train.usd if train else 0.0
        per_query = None
        if s.mean_s is None:
            notes.append(f"{v}: no answers measured; left out of the per-query figures, curve and break-even")
        else:
            per_query = query_cost_usd(s.mean_s, s.tokens.prompt or 0.0, s.tokens.completion or 0.0,
                                       variant_prices(prices, own_prices.get(v)))
            costs[v] = VariantCost(v, per_query, update, one_time)
        out[v] = {"prices": dict(own_prices.get(v) or {}), "per_query_usd": per_query, "per_1k_queries_usd": None if per_query is None else 1000 * per_query,
                  "update_usd": update, "one_time_usd": one_time, "training": asdict(train) if train else None,
                  "monthly_usd": None if per_query is None else
                  monthly_usd(costs[v], prices.queries_per_day, prices.updates_per_month)}
    upm = prices.updates_per_month
    break_even = []
    for a, b in combinations(costs.values(), 2):
        below, above = _cheaper(a, b, upm)
        break_even.append({"a": a.variant, "b": b.variant, "queries_per_day": break_even_qpd(a, b, upm),
                           "cheaper_below": below, "cheaper_above": above})
    return {
        "prices": prices.model_dump(),
        "assumptions": "per query = machine seconds x hardware $/h / 3600 / concurrency + tokens x token prices; "
                       "monthly = 30 days x queries/day x per query + updates/month x update cost",
        "sync_s": sync_s,
        "notes": notes,
        "variants": out,
        "curve": {"queries_per_day": CURVE_QPD, "updates_per_month": upm,
                  "monthly_usd": {v: [monthly_usd(c, q, upm) for q in CURVE_QPD] for v, c in costs.items()}},
        "break_even": break_even,
    }
