"""`ragtune eval`: every variant on the same questions, with confidence intervals (registered on `cli.app`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from ragtune.numbers import ci_compact, usd
from ragtune.cli import ProjectOpt, _fail, _open, app, console, stage_progress

# (metric, column, with CI): the CI only where it matters most, so the table fits 80 columns.
SHOWN = (("contains", "correct", True), ("hallucinated", "halluc.", True),
         ("abstained_correctly", "abstain", False), ("hit@{k}", "hit@{k}", False), ("citation_precision", "cite P", False))


@app.command("eval")
def evaluate(
    questions: Path = typer.Option(..., "--questions", "-q", help="Questions JSONL (see README, Data formats)."),
    variants: Optional[str] = typer.Option(None, help="Comma-separated variants (default: all this project can run)."),
    run: Optional[str] = typer.Option(None, "--run", help="Run id; an existing run resumes where it stopped."),
    freshness: Optional[Path] = typer.Option(
        None, "--freshness", metavar="NEW_DOCS",
        help="Freshness: sync the index to these changed documents (timed), keep the adapters, then evaluate "
             "questions about the new state (changed facts carry old_answers)."),
    forgetting: bool = typer.Option(False, "--forgetting",
                                    help="Also ask a shipped general-knowledge probe of base and ft."),
    project: Path = ProjectOpt,
) -> None:
    """Run every variant on the same questions; writes runs/<id>/results.jsonl and summary.json."""
    from ragtune.cli_training import _user_errors
    from ragtune.corpus import CorpusError
    from ragtune.evaluate.session import evaluate as run_evaluation, summarize_run
    from ragtune.questions import QuestionsError
    from ragtune.variants import VariantError

    proj = _open(project)
    names = [v.strip() for v in variants.split(",") if v.strip()] if variants else None
    with stage_progress() as (_, progress):
        try:
            run_dir, _ = run_evaluation(proj, questions, names, run=run, freshness=freshness, forgetting=forgetting,
                                       progress=progress)
        except KeyboardInterrupt:
            _fail("interrupted; continue with the same command plus --run <id> (see runs/)", code=130)
        except (QuestionsError, VariantError, CorpusError, *_user_errors()) as e:
            _fail(str(e))
    summary = summarize_run(proj, run_dir)
    print_summary(summary, proj.settings.retrieval.top_k)
    console.print(f"Results: {run_dir / 'results.jsonl'}\nSummary: {run_dir / 'summary.json'}")


def print_summary(summary: dict, k: int) -> None:
    n = max((s["n"] for s in summary["variants"].values()), default=0)
    table = Table(title=f"{n} questions, every variant (mean, 95 % CI; all metrics in summary.json)",
                  box=box.SIMPLE_HEAD, padding=(0, 1))
    shown = [(m.format(k=k), label.format(k=k), ci) for m, label, ci in SHOWN]
    for col in ["variant", *(label for _, label, _ in shown), "p50 s"]:
        table.add_column(col, no_wrap=True)
    for v, s in summary["variants"].items():
        cells = []
        for metric, _, ci in shown:
            e = s["metrics"].get(metric)
            cells.append(ci_compact(e) if ci else "-" if not e or e["value"] is None else f"{e['value']:.2f}")
        lat = s["latency_s"]["total_s"]["p50"]
        table.add_row(v, *cells, f"{lat:.1f}" if lat is not None else "-")
    console.print(table)
    if summary.get("freshness"):
        print_freshness(summary["freshness"])
    if summary.get("forgetting"):
        print_forgetting(summary["forgetting"])
    if summary.get("cost"):
        print_cost(summary["cost"])
    for c in summary["comparisons"]:
        if c["significant"] and c["metric"] == "contains":
            worse = c["b"] if c["better"] == c["a"] else c["a"]
            console.print(f"{c['better']} is better than {worse} on correct answers "
                          f"(difference {abs(c['diff']):.2f}, {c['test']}, p = {c['p_value']:.3g})")



def print_cost(cost: dict) -> None:
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
            console.print(f"{b['a']} vs {b['b']}: break-even at {b['queries_per_day']:,.0f} queries/day "
                          f"({b['cheaper_above']} is cheaper above)")


def print_freshness(fresh: dict) -> None:
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
    table = Table(title=f"Forgetting probe: {forgetting['questions']} general-knowledge questions",
                  box=box.SIMPLE_HEAD, padding=(0, 1))
    for col in ("variant", "correct (generated)", "correct (choice)"):
        table.add_column(col, no_wrap=True)
    for v, m in forgetting["variants"].items():
        table.add_row(v, ci_compact(m.get("contains")), ci_compact(m.get("mc_correct")))
    console.print(table)
