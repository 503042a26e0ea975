"""The behaviour half of the verdict: from a task run's summary, which variant wins the format, the labels,
the style and the facts, which wins both format and facts, and at what cost (docs/decision.md, rules 11-13), and
rule 14: that verdict next to the knowledge one.

Rule 11: on each dimension the best variant is the one with the highest mean; every variant the paired test
cannot tell from it (not significantly worse) ties with it. Rule 12: the variants that tie for the best
format *and* the best facts win both; without facts in the task, format decides (then labels, then
style). Rule 13: among the winners, the cheapest per query at the configured volume is recommended; the
headline sets it against the best variant that needs no training, so "fine-tune for behaviour" is shown
as a measured difference, or as no difference, never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from ragtune.evaluate.results import Summary
from ragtune.numbers import pct_text, usd_text

DIMENSIONS = (("format", "format_ok"), ("labels", "label_correct"), ("style", "style"), ("tone", "judge_tone"),
              ("facts", "contains"))
UNTRAINED = ("base", "fewshot", "rag", "fewshot+rag")


@dataclass(frozen=True)
class Dimension:
    name: str
    metric: str
    best: str
    ties: tuple[str, ...]  # the best and every variant not significantly worse than it
    values: Mapping[str, dict]  # variant -> estimate JSON

    def to_json(self) -> dict:
        return {"metric": self.metric, "best": self.best, "ties": list(self.ties), "values": dict(self.values)}


def dimension(summary: Summary, name: str, metric: str) -> Dimension | None:
    """Rule 11: the best variant on `metric` and those the paired tests cannot separate from it."""
    values = {v: e.to_json() for v, s in summary.variants.items() if (e := s.metric(metric)) is not None}
    if not values:
        return None
    best = max(values, key=lambda v: (values[v]["value"], -list(values).index(v)))
    ties = [best]
    for v in values:
        if v == best:
            continue
        cmp = next((c for c in summary.comparisons if c.metric == metric and {c.a, c.b} == {v, best}), None)
        if cmp is None or not (cmp.significant and cmp.better == best):
            ties.append(v)
    return Dimension(name, metric, best, tuple(ties), values)


def behaviour_verdict(summary: Summary) -> dict:
    """Rules 11-13 over a task run's summary: the dimensions, the winners of both, the pick and a headline."""
    dims = {name: d for name, metric in DIMENSIONS if (d := dimension(summary, name, metric)) is not None}
    cost = {v: (c or {}).get("per_1k_queries_usd") for v, c in ((summary.cost or {}).get("variants") or {}).items()}
    order = [n for n in ("format", "labels", "style", "tone") if n in dims]
    if not dims:
        return {"dimensions": {}, "both": [], "winner": None, "headline": "nothing measured in this task run"}
    first = dims[order[0]] if order else dims["facts"]
    both = [v for v in first.ties if "facts" not in dims or v in dims["facts"].ties]
    pool = both or list(first.ties)
    winner = min(pool, key=lambda v: (cost.get(v) if cost.get(v) is not None else float("inf"), pool.index(v)))
    return {"dimensions": {n: d.to_json() for n, d in dims.items()}, "both": both, "winner": winner,
            "cost_per_1k_usd": cost, "headline": headline(winner, dims, first, cost)}


def headline(winner: str, dims: Mapping[str, Dimension], first: Dimension, cost: Mapping[str, float | None]) -> str:
    """e.g. "task-ft+rag: format 97 % [93-99] vs fewshot+rag 58 % [49-67]; facts 61 % vs 64 % (cannot tell
    apart); $0.02 vs $0.05 per 1k queries"."""
    rival = _rival(winner, first.values)
    if rival is None:
        return f"{winner}: {first.name} {pct_text(first.values[winner])} (the only variant measured)"
    parts = []
    for d in dims.values():
        if winner in d.values and rival in d.values:
            same = rival in d.ties and winner in d.ties
            parts.append(f"{d.name} {pct_text(d.values[winner])} vs {pct_text(d.values[rival])}"
                         + (" (cannot tell apart)" if same else ""))
    money = f"; {usd_text(cost.get(winner))} vs {usd_text(cost.get(rival))} per 1k queries" \
        if cost.get(winner) is not None and cost.get(rival) is not None else ""
    return f"{winner} over {rival}: " + "; ".join(parts) + money


def _rival(winner: str, values: Mapping[str, dict]) -> str | None:
    """What the winner is set against: the best variant of the other kind (untrained if it is trained)."""
    trained = winner not in UNTRAINED
    others = [v for v in values if v != winner and ((v in UNTRAINED) == trained)]
    others = others or [v for v in values if v != winner]
    return max(others, key=lambda v: values[v]["value"]) if others else None


def with_behaviour(out: dict, verdict: dict, task_path: Path, task: Summary, retrieves: bool) -> dict:
    """Rule 14: the knowledge pick and the behaviour pick side by side, and which to deploy for the task.

    The knowledge verdict answers questions about the documents; the behaviour verdict answers the task's
    inputs (format, labels, style and, where its examples carry facts, those facts). When both picks
    retrieve, the behaviour pick serves the task with retrieval too, so it is the one to deploy for the task;
    when the task's pick answers closed-book (`retrieves` False), the two stay separate recommendations."""
    knowledge, behaviour = out.get("winner"), verdict.get("winner")
    n = max((s.n for s in task.variants.values()), default=0)
    if behaviour is None:
        line = f"Behaviour (task run {task_path.name}): nothing measured."
    elif knowledge and behaviour == knowledge:
        line = f"Behaviour (task run {task_path.name}, {n} held-out examples): {knowledge} wins there too: " \
               f"{verdict['headline']}."
    else:
        for_task = (f"for the task, deploy {behaviour}: it keeps retrieval for the facts" if retrieves else
                    f"for the task, {behaviour} (closed-book: the facts still need {knowledge or 'retrieval'})")
        line = (f"Behaviour (task run {task_path.name}, {n} held-out examples): {verdict['headline']}; "
                f"{for_task}.")
    return out | {"behaviour": verdict | {"run": str(task_path), "examples": n},
                  "reasons": [*out["reasons"], f"{line} (rule 14)"]}


def describe(verdict: dict) -> Sequence[str]:
    """Lines for the terminal: each dimension's best and ties, then the pick."""
    lines = []
    for name, d in verdict["dimensions"].items():
        ties = [v for v in d["ties"] if v != d["best"]]
        tied = f" (cannot be told from: {', '.join(ties)})" if ties else ""
        lines.append(f"{name}: {d['best']} {pct_text(d['values'][d['best']])}{tied}")
    if verdict.get("winner"):
        lines.append(f"Use {verdict['winner']}: {verdict['headline']}")
    return lines
