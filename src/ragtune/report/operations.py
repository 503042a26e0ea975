"""Operating figures: accuracy against latency, and monthly cost against query volume with break-even points."""

from __future__ import annotations

from typing import Mapping

from ragtune import numbers as fmt
from ragtune.evaluate.cost import DAYS_PER_MONTH
from ragtune.evaluate.results import Spread, VariantSummary
from ragtune.report.charts import cost_chart, scatter_chart
from ragtune.report.data import CORRECT, RunData
from ragtune.report.elements import Cell, Chart, Section, Table, row

TIMINGS = (("retrieval_s", "retrieval"), ("prefill_s", "to first token"), ("generation_s", "generation"))


def latency_section(run: RunData, colors: dict[str, str]) -> Section:
    title = "Accuracy vs latency"
    stats = {v: run.stats(v) for v in run.variants}
    points = [(v, s.p50_s, run.metric(v, CORRECT)) for v, s in stats.items()
              if s.p50_s is not None and run.metric(v, CORRECT)]
    if not points:
        return Section("latency", title, missing="no variant has both measured latency and scored answers.")
    chart = scatter_chart("chart-latency", points, xlabel="median latency per answer (s, p50)",
                          ylabel="correct (%)", colors=colors)
    table = Table("table-latency", ("variant", "p50 total", "p95 total", *(f"p50 {label}" for _, label in TIMINGS),
                                    "prompt tokens", "completion tokens"), tuple(
        row(v, Cell(fmt.seconds(s.p50_s), "num"), Cell(fmt.seconds(s.latency.get("total_s", Spread()).p95), "num"),
            *(Cell(fmt.seconds(s.latency.get(t, Spread()).p50), "num") for t, _ in TIMINGS),
            *(Cell(_tokens(x), "num") for x in (s.tokens.prompt, s.tokens.completion)))
        for v, s in stats.items()))
    return Section("latency", title, paragraphs=(
        "Up and to the left is better: more correct answers in less time. Latency is the median wall time per "
        "answer on the machine that ran the evaluation (retrieval + generation).",),
        charts=(Chart("chart-latency", chart, "Correct answers (95 % CI) against median latency."),),
        tables=(table,), notes=_latency_notes(stats))


def _latency_notes(stats: Mapping[str, VariantSummary]) -> tuple[str, ...]:
    """Where the run batched answers, latency comes only from those generated alone (summary `latency_n`)."""
    sampled = {v: s.latency_n for v, s in stats.items() if s.latency_n is not None and s.latency_n < s.n}
    if not sampled:
        return ()
    return ("Latency from the answers generated one at a time (" + ", ".join(f"{v}: {n}" for v, n in sampled.items())
            + "); the others ran in batches, whose time per answer measures throughput, not latency.",)


def _tokens(x: float | None) -> str:
    return fmt.DASH if x is None else f"{x:.0f}"


def cost_section(run: RunData, colors: dict[str, str]) -> Section:
    title = "Cost per month vs query volume"
    cost = run.summary.cost
    if not cost or not cost.get("curve", {}).get("monthly_usd"):
        return Section("cost", title, missing="this run's summary has no cost figures (no variant with measured "
                       "answers, or summary.json from an older ragtune): re-summarize with `ragtune eval --run "
                       f"{run.run_id}`.")
    prices = cost["prices"]
    upm = cost["curve"]["updates_per_month"]
    pairs = cost.get("break_even", [])
    crossing = [b for b in pairs if b["queries_per_day"] is not None]
    marks = [(b["queries_per_day"], _monthly(cost, b["a"], b["queries_per_day"], upm), str(i))
             for i, b in enumerate(crossing, start=1)]
    chart = cost_chart("chart-cost", cost_lines(cost, [m[0] for m in marks]), marks,
                       volume=prices.get("queries_per_day"), colors=colors)
    volume = f"{fmt.qpd(prices['queries_per_day'])} queries/day"
    columns = ("variant", "model (its own prices)", "$ / 1k queries", "$ / update", "one-time training",
               f"$ / month at {volume}")
    table = Table("table-cost", columns,
                  tuple(row(v, model_text(run, v, c.get("prices")), *(Cell(fmt.usd(c.get(k)), "num") for k in
                                 ("per_1k_queries_usd", "update_usd", "one_time_usd", "monthly_usd")))
                        for v, c in cost["variants"].items()))
    return Section("cost", title, paragraphs=(
        f"Monthly cost = {DAYS_PER_MONTH} days × queries/day × cost per query + {upm:g} updates/month × cost of "
        "one update (a retrain for fine-tuned variants, an index re-sync for retrieval). Both axes are "
        "logarithmic; numbered dots are break-even points, listed below.",),
        charts=(Chart("chart-cost", chart, f"Monthly cost at {upm:g} knowledge updates per month."),),
        tables=(table, break_even_table(pairs)),
        notes=(*cost.get("notes", []), f"Prices ([cost] in ragtune.toml): {_prices(prices)}."))


def break_even_table(pairs: list[dict]) -> Table:
    rows, number = [], 0
    for b in pairs:
        if b["queries_per_day"] is not None:
            number += 1
            rows.append(row(str(number), f"{b['a']} vs {b['b']}", Cell(fmt.qpd(b["queries_per_day"]), "num"),
                            f"{b['cheaper_below']} below, {b['cheaper_above']} above"))
        elif b["cheaper_below"] is not None:
            rows.append(row("", f"{b['a']} vs {b['b']}", Cell("none", "num"),
                            f"{b['cheaper_below']} is cheaper at every volume"))
        else:
            rows.append(row("", f"{b['a']} vs {b['b']}", Cell("none", "num"), "they cost the same"))
    return Table("table-break-even", ("#", "pair", "break-even (queries/day)", "cheaper"), tuple(rows),
                 "Where two variants' monthly costs are equal.")


def cost_lines(cost: dict, extra_qpd: list[float]) -> dict[str, tuple[list[float], list[float]]]:
    """The summary's curve, extended with the same formula where a break-even lies outside its range."""
    curve = cost["curve"]
    upm = curve["updates_per_month"]
    lo, hi = min(curve["queries_per_day"]), max(curve["queries_per_day"])
    outside = {q for q in extra_qpd if not lo <= q <= hi}
    if outside and min(outside) < lo:
        outside.add(min(outside) / 2)  # some room left of the leftmost break-even
    lines = {}
    for v, ys in curve["monthly_usd"].items():
        points = dict(zip(curve["queries_per_day"], ys))
        points |= {q: _monthly(cost, v, q, upm) for q in outside}
        xs = sorted(points)
        lines[v] = (xs, [points[q] for q in xs])
    return lines


def model_text(run: RunData, variant: str, prices: dict | None = None) -> str:
    """The model a variant answered with (an endpoint's, or local) and the prices it set over [cost]."""
    described = ((run.manifest.extra.get("answerers") if run.manifest else None) or {}).get(variant) or {}
    model = described.get("generator") or "–"
    if described.get("endpoint"):
        model += " (endpoint)"
    return model + (f" ({_prices(prices)})" if prices else "")


def _monthly(cost: dict, variant: str, qpd: float, upm: float) -> float:
    c = cost["variants"][variant]
    return DAYS_PER_MONTH * qpd * c["per_query_usd"] + upm * c["update_usd"]


def _prices(prices: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in prices.items() if v is not None)
