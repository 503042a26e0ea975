"""Rule 10 of docs/decision.md: when accuracy cannot separate the contenders, the cheapest at the user's
volume wins, with the break-even volume that would flip the choice; latency breaks what cost cannot."""

from __future__ import annotations

from typing import Mapping, Sequence

from ragtune.decide.constraints import Constraints
from ragtune.decide.evidence import VariantEvidence
from ragtune.numbers import ms_text, qpd, usd_text
from ragtune.evaluate.cost import break_even_qpd, monthly_usd


def cheapest(names: Sequence[str], evidence: Mapping[str, VariantEvidence],
             c: Constraints) -> tuple[str, str, list[str]]:
    """(winner, "cost" or "latency", reasons) among `names`, at `c.queries_per_day` and `c.updates_per_month`."""
    priced = [v for v in names if evidence[v].cost is not None]
    if not priced:
        return _fastest(names, evidence)
    monthly = {v: monthly_usd(evidence[v].cost, c.queries_per_day, c.updates_per_month) for v in priced}
    winner = min(priced, key=lambda v: (round(monthly[v], 9), _p50(evidence[v])))
    others = ", ".join(f"{v} {usd_text(monthly[v])}" for v in priced if v != winner)
    reasons = [f"(rule 10) at {qpd(c.queries_per_day)} queries/day and {c.updates_per_month:.2g} updates/month, "
               f"{winner} costs {usd_text(monthly[winner])}/month" + (f", the least of them ({others})." if others else ".")]
    if any(round(monthly[v], 9) == round(monthly[winner], 9) for v in priced if v != winner):
        reasons.append(f"(rule 10) equal monthly cost: {winner} wins on latency ({ms_text(evidence[winner].p50_s)} "
                       "per answer, median).")
    reasons += [_break_even(evidence[winner], evidence[v], c) for v in priced if v != winner]
    unpriced = [v for v in names if v not in priced]
    if unpriced:
        reasons.append(f"(rule 10) {', '.join(unpriced)}: no cost measured, so not compared on cost.")
    return winner, "cost", reasons


def _break_even(w: VariantEvidence, b: VariantEvidence, c: Constraints) -> str:
    wc, bc = w.cost, b.cost
    volume = break_even_qpd(wc, bc, c.updates_per_month)
    if volume is None:
        return (f"(rule 10) {w.name} is cheaper than {b.name} at every volume: {usd_text(1000 * wc.per_query_usd)} vs "
                f"{usd_text(1000 * bc.per_query_usd)} per 1k queries, {usd_text(wc.update_usd)} vs {usd_text(bc.update_usd)} "
                "per update.")
    side = "above" if wc.per_query_usd < bc.per_query_usd else "below"
    other = "below" if side == "above" else "above"
    return (f"(rule 10) {w.name} and {b.name} break even at {qpd(volume)} queries/day ({c.updates_per_month:.2g} "
            f"updates/month): {w.name} is cheaper {side} it, {b.name} {other} it, so your volume of "
            f"{qpd(c.queries_per_day)}/day tips the choice.")


def _fastest(names: Sequence[str], evidence: Mapping[str, VariantEvidence]) -> tuple[str, str, list[str]]:
    winner = min(names, key=lambda v: _p50(evidence[v]))
    times = ", ".join(f"{v} {ms_text(evidence[v].p50_s)}" for v in names)
    return winner, "latency", [f"(rule 10) no cost figures in this run (summary.cost is missing), so the fastest "
                               f"wins: median time per answer {times}."]


def _p50(ev: VariantEvidence) -> float:
    return ev.p50_s if ev.p50_s is not None else float("inf")
