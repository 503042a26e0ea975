"""The terminal tables of an evaluation summary (quality, freshness, forgetting, cost): `eval` and `demo` print them."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich import box
from rich.markup import escape
from rich.table import Table

from ragtune.cli.terminal import console
from ragtune.numbers import ci_compact, decimal, difference_text, p_value, points_text, qpd, usd

if TYPE_CHECKING:
    from ragtune.evaluate.results import Summary

# (metric, column, with CI): the CI only where it matters most, so the table fits 80 columns.
SHOWN = (("contains", "correct", True), ("hallucinated", "halluc.", True),
         ("abstained_correctly", "abstain", False), ("hit@{k}", "hit@{k}", False), ("citation_precision", "cite P", False))


def print_summary(summary: Summary, k: int) -> None:
    """Every variant's main metrics, then freshness, forgetting and cost when measured, then significant wins."""
    n = max((s.n for s in summary.variants.values()), default=0)
    table = Table(title=f"{n} questions{reference_note(summary)}, every variant (mean, 95 % CI; all metrics in "
                        "summary.json)", box=box.SIMPLE_HEAD, padding=(0, 1))
    shown = [(m.format(k=k), label.format(k=k), ci) for m, label, ci in SHOWN]
    for col in ["variant", *(label for _, label, _ in shown), "p50 s"]:
        table.add_column(col, no_wrap=True)
    for v, s in summary.variants.items():
        cells = []
        for metric, _, ci in shown:
            e = s.metric(metric)
            cells.append(ci_compact(e) if ci else "-" if e is None else f"{e.value:.2f}")
        lat = s.p50_s
        table.add_row(v, *cells, f"{lat:.1f}" if lat is not None else "-")
    console.print(table)
    counts = figure_counts(summary, [(m, label) for m, label, _ in shown])
    if counts:
        console.print(f"Questions per figure, where not every question counts: {counts}", markup=False,
                      highlight=False)
    print_by_generator(summary)
    if summary.freshness:
        print_freshness(summary.freshness)
    if summary.forgetting:
        print_forgetting(summary.forgetting)
    if summary.cost:
        print_cost(summary.cost)
    for note in summary.extra.get("notes") or ():
        console.print(f"Note: {note}", markup=False, style="dim")
    for c in summary.comparisons:
        if c.significant and c.metric == "contains":
            worse = c.b if c.better == c.a else c.a
            console.print(f"{c.better} is better than {worse} on correct answers "
                          f"(difference {abs(c.diff):.2f}, {c.test}, p = {p_value(c.p_value)})")
    print_power([c for c in summary.comparisons if c.metric == "contains" and not c.significant])
    if summary.known_new:
        print_known_new(summary.known_new)


def print_power(comparisons: list) -> None:
    """Each comparison on correct answers that is not significant: its difference, what its n could detect
    (80 % power, alpha 0.05) and how many questions would decide it (docs/metrics.md, Statistics)."""
    if not comparisons:
        return
    table = Table(title="Not significant on correct answers (power 80 %, alpha 0.05)", box=box.SIMPLE_HEAD,
                  padding=(0, 1))
    for col in ("pair", "difference (95 % CI)", "could detect", "would decide it"):
        table.add_column(col, no_wrap=True)
    for c in comparisons:
        diff = points_text(c.diff, signed=True) if math.isnan(c.low) else difference_text(c.diff, c.low, c.high)
        mde = "-" if math.isnan(c.mde) else f"{points_text(c.mde)}+ pts (n {c.n})"
        decide = (f"equivalent (±{points_text(c.margin)})" if c.equivalent else f"~{c.n_needed:,} questions"
                  if c.n_needed else f"~{c.n_equivalence:,} for equivalence" if c.n_equivalence else "-")
        table.add_row(escape(f"{c.a} vs {c.b}"), diff, mde, decide)
    console.print(table)


def print_known_new(known_new: dict) -> None:
    """Correct answers on facts the base model already knew closed-book, and on facts new to it."""
    ref = known_new["reference"]
    table = Table(title=f"Known vs new facts: {ref} right closed-book or not (so {ref} is 100 % / 0 %)",
                  box=box.SIMPLE_HEAD, padding=(0, 1))
    for col in ("variant", f"known ({known_new['known']})", f"new ({known_new['new']})"):
        table.add_column(col, no_wrap=True)
    for v, parts in known_new["variants"].items():
        table.add_row(escape(v), ci_compact(parts.get("known")), ci_compact(parts.get("new")))
    console.print(table)


def print_by_generator(summary: Summary) -> None:
    """Correct answers per question generator (`ragtune questions`): does the verdict depend on the source?"""
    gens = list(dict.fromkeys(g for s in summary.variants.values() for g in s.by_generator))
    if not gens:
        return
    table = Table(title="Right answers by question generator (n questions; unanswerable: declined)",
                  box=box.SIMPLE_HEAD, padding=(0, 1))
    for col in ["variant", *(f"{g} ({_generator_n(summary, g)})" for g in gens)]:
        table.add_column(col, no_wrap=True)
    for v, s in summary.variants.items():
        cells = [s.by_generator.get(g) for g in gens]
        table.add_row(v, *("-" if e is None or not e.measured else ci_compact(e) for e in cells))
    console.print(table)


def _generator_n(summary: Summary, generator: str) -> int:
    return max((s.by_generator[generator].n for s in summary.variants.values() if generator in s.by_generator),
               default=0)


def reference_note(summary: Summary) -> str:
    """The title's " (12 without reference answers: accuracy on 45)" when some questions had no `answers`.

    Every question with a reference is scored on `contains` (answerable) or `abstained_correctly`
    (unanswerable); one without gets neither, so the rest of the questions are the unreferenced ones."""
    scored = ("contains", "abstained_correctly")
    unreferenced = max((s.n - sum(e.n for m in scored if (e := s.metric(m)) is not None)
                        for s in summary.variants.values() if s.metric("declined") is not None), default=0)
    n = max((s.n for s in summary.variants.values()), default=0)
    if unreferenced <= 0:
        return ""
    if unreferenced >= n:
        return " (none with a reference answer: accuracy not measured)"
    return f" ({unreferenced} without reference answers: accuracy on {n - unreferenced})"


def figure_counts(summary: Summary, shown: list[tuple[str, str]]) -> str:
    """How many questions each shown figure stands on ("correct 40, hit@3 30, cite P 12-18, p50 s 5 (answered
    alone)"), for the figures that do not count every question of a variant; "" when all do."""
    parts = []
    for metric, label in shown:
        measured = [(e.n, s.n) for s in summary.variants.values() if (e := s.metric(metric)) is not None]
        if any(n != total for n, total in measured):
            parts.append(f"{label} {_span([n for n, _ in measured])}")
    alone = [(s.latency_n, s.n) for s in summary.variants.values() if s.latency_n is not None]
    if any(n != total for n, total in alone):
        parts.append(f"p50 s {_span([n for n, _ in alone])} (answered alone)")
    return ", ".join(parts)


def _span(counts: list[int]) -> str:
    return f"{min(counts)}" if min(counts) == max(counts) else f"{min(counts)}-{max(counts)}"


def print_cost(cost: dict) -> None:
    """$ per 1k queries, per update and per month at the configured volume, with the break-even points."""
    p = cost["prices"]
    table = Table(title=f"Cost at {p['queries_per_day']:g} queries/day, {p['updates_per_month']:g} updates/month "
                        f"(prices: \\[cost] in ragtune.toml)", box=box.SIMPLE_HEAD, padding=(0, 1))
    for col in ("variant", "$ / 1k queries", "$ / update", "$ / month"):
        table.add_column(col, no_wrap=True)
    for v, c in cost["variants"].items():
        table.add_row(v, *(usd(c.get(k)) for k in ("per_1k_queries_usd", "update_usd", "monthly_usd")))
    console.print(table)
    for note in cost["notes"]:
        console.print(f"[dim]Note: {escape(note)}[/]")
    for b in cost["break_even"]:
        if b["queries_per_day"] is not None:
            console.print(f"{b['a']} vs {b['b']}: break-even at {qpd(b['queries_per_day'])} queries/day "
                          f"({b['cheaper_above']} is cheaper above)")


def print_freshness(fresh: dict) -> None:
    """After a document update: each variant on the changed and unchanged facts, how often stale, how it catches up."""
    u = fresh["update"]
    table = Table(title=f"After the update: {len(u['added'])} added, {len(u['changed'])} changed, "
                        f"{len(u['removed'])} removed; index sync {u['sync_s']:.1f} s", box=box.SIMPLE_HEAD,
                  padding=(0, 1))
    for col in ("variant", "changed facts", "unchanged", "stale", "update takes"):
        table.add_column(col, no_wrap=True)
    for v, f in fresh["variants"].items():
        how = "sync" if f["absorb_by"] == "index sync" else "retrain"
        absorb = "never" if f["absorb_s"] is None else f"{f['absorb_s']:.0f} s ({how})"
        table.add_row(v, ci_compact(f["correct_changed"]), ci_compact(f["correct_unchanged"]), ci_compact(f["stale"]), absorb)
    console.print(table)


def print_forgetting(forgetting: dict) -> None:
    """The general-knowledge probe: what fine-tuning cost the model outside the documents."""
    table = Table(title=f"Forgetting probe: {forgetting['questions']} general-knowledge questions",
                  box=box.SIMPLE_HEAD, padding=(0, 1))
    for col in ("variant", "correct (generated)", "correct (choice)"):
        table.add_column(col, no_wrap=True)
    for v, m in forgetting["variants"].items():
        table.add_row(v, ci_compact(m.get("contains")), ci_compact(m.get("mc_correct")))
    console.print(table)


# (metric, column): a task's behaviour table; facts and style only where measured.
TASK_SHOWN = (("format_ok", "format"), ("label_correct", "label"), ("closeness", "chrF"), ("style", "style"),
              ("judge_tone", "tone"), ("contains", "facts"), ("stale", "stale"))


def print_task_summary(summary: Summary) -> None:
    """A task run: one row per measure (format, labels, closeness, style, facts: mean and 95 % CI; tokens,
    cost), one column per variant, so four variants fit 80 columns; then the style note and the wins."""
    b = summary.extra.get("behaviour") or {}
    shown = [(m, label) for m, label in TASK_SHOWN
             if any(s.metric(m) is not None for s in summary.variants.values())]
    n = max((s.n for s in summary.variants.values()), default=0)
    table = Table(title=f"{n} held-out task examples ({b.get('train', '?')} to learn from), every variant "
                        "(mean, 95 % CI)", box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False)
    cost = (summary.cost or {}).get("variants", {})
    macro = b.get("macro_f1") or {}
    table.add_column("", no_wrap=True)
    for v in summary.variants:
        table.add_column(v, no_wrap=True)
    for m, label in shown:
        table.add_row(label, *(ci_compact(s.metric(m)) for s in summary.variants.values()))
    if macro:
        table.add_row("macro-F1", *(ci_compact(macro.get(v)) for v in summary.variants))
    table.add_row("tokens in", *("-" if s.tokens.prompt is None else f"{s.tokens.prompt:.0f}"
                                 for s in summary.variants.values()))
    table.add_row("$ / 1k", *(usd((cost.get(v) or {}).get("per_1k_queries_usd")) for v in summary.variants))
    console.print(table)
    if summary.freshness:
        print_freshness(summary.freshness)
    style = b.get("style") or {}
    if style:
        auc = style.get("auc")
        verdict = "scores shown" if style.get("usable") else f"below {style.get('min_auc')}: no style score"
        console.print(f"Style classifier: cross-validated AUC {auc if auc is not None else 'not measured'} "
                      f"({verdict}); held-out reference outputs score {decimal(b.get('reference_style'))}.")
    if b.get("checks"):
        console.print(f"format = all of: {', '.join(b['checks'])}", markup=False, highlight=False)
    if summary.cost:
        for x in summary.cost["break_even"]:
            if x["queries_per_day"] is not None:
                console.print(f"{x['a']} vs {x['b']}: break-even at {qpd(x['queries_per_day'])} queries/day "
                              f"({x['cheaper_above']} is cheaper above)")
    names = dict(TASK_SHOWN)
    for c in summary.comparisons:
        if c.significant and c.metric in names:
            worse = c.b if c.better == c.a else c.a
            console.print(f"{c.better} is better than {worse} on {names[c.metric]} "
                          f"(difference {abs(c.diff):.2f}, {c.test}, p = {p_value(c.p_value)})")


def print_sweep(result) -> None:
    """`eval --sweep-retrieval`: hit@k of every setting on the choose half, then the held-out verdict."""
    n_choose, n_report = result.questions
    table = Table(title=f"hit@k of each retrieval setting on {n_choose} questions (95 % CI; k = {result.k} unless "
                        "given)",
                  box=box.SIMPLE_HEAD, padding=(0, 1))
    for col in ("setting", "hit@k"):
        table.add_column(col, no_wrap=True)
    for label, estimate in sorted(result.choose.items(), key=lambda kv: -kv[1].value):
        mark = " (current)" if label == result.current.label else ""
        table.add_row(escape(label + mark), ci_compact(estimate))
    console.print(table)
    r = result.report
    console.print(f"On {n_report} other questions: {result.chosen.label} {ci_compact(result.report_chosen)} vs "
                  f"{result.current.label} {ci_compact(result.report_current)} (difference {r.diff:+.2f}, "
                  f"95 % CI {r.low:+.2f} to {r.high:+.2f}).", markup=False, highlight=False)
