"""`ragtune recommend`: which variant to deploy under your constraints, and why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from ragtune.cli.terminal import ProjectOpt, console
from ragtune.numbers import pct_text, qpd


def recommend(
    run: Optional[str] = typer.Argument(None, help="Eval run id under runs/, or a run folder (default: the newest "
                                                   "evaluated run)."),
    after: Optional[str] = typer.Option(None, "--after", metavar="RUN2",
                                        help="A run made with `ragtune eval --freshness` after the documents changed."),
    task: Optional[str] = typer.Option(None, "--task", metavar="TASK_RUN",
                                       help="A `ragtune eval --task` run: its behaviour verdict (format, labels, "
                                            "style, facts) is weighed next to the knowledge one (rule 14)."),
    queries_per_day: Optional[float] = typer.Option(None, "--queries-per-day", min=0,
                                                    help="Your volume (default: [cost] queries_per_day)."),
    updates: Optional[str] = typer.Option(None, "--updates", help="How often the documents change: never, yearly, "
                                          "quarterly, monthly, weekly, daily, or updates per month "
                                          "(default: [cost] updates_per_month)."),
    latency_ms: Optional[float] = typer.Option(None, "--latency-ms", min=0,
                                               help="Median time per answer must stay under this; 0: no target."),
    citations: Optional[bool] = typer.Option(None, "--citations/--no-citations",
                                             help="Answers must cite passages (closed-book variants are excluded)."),
    sensitive: Optional[bool] = typer.Option(None, "--sensitive/--not-sensitive",
                                             help="Facts must be deletable and access-controlled (fine-tuned "
                                                  "variants are excluded)."),
    budget: Optional[float] = typer.Option(None, "--budget", min=0, help="$ per month; 0: no budget."),
    gpu: Optional[bool] = typer.Option(None, "--gpu/--no-gpu", help="A GPU is available for (re)training."),
    as_json: bool = typer.Option(False, "--json", help="Print the recommendation as JSON."),
    project: Path = ProjectOpt,
) -> None:
    """Recommend a variant from an eval run; writes recommendation.json into the run folder (docs/decision.md)."""
    from ragtune.config import load_settings
    from ragtune.decide import RECOMMENDATION, recommend_run

    settings = load_settings(project)
    out = recommend_run(settings, run, after, task_dir=task, queries_per_day=queries_per_day, updates_per_month=updates,
                        latency_ms=latency_ms, citations_required=citations, sensitive_data=sensitive,
                        budget_usd_per_month=budget, gpu_available=gpu)
    if as_json:
        print(json.dumps(out, indent=2))
        return
    print_recommendation(out)
    console.print(f"Written: {Path(out['run']) / RECOMMENDATION}")


def print_recommendation(out: dict) -> None:
    """The headline, its reasons, and every candidate with its accuracy, cost, latency and the rules that excluded it."""
    console.print(f"[bold]{escape(out['headline'])}[/]")
    for reason in out["reasons"]:
        console.print(f"- {escape(reason)}")
    c = out["constraints"]
    table = Table(title=f"Candidates at {c['queries_per_day']:,.0f} queries/day, documents changing {c['updates']} "
                        f"(accuracy on the {out['accuracy_on']}, {out['questions']} questions)",
                  box=box.SIMPLE_HEAD, padding=(0, 1))
    for col in ("variant", "correct (95 % CI)", "best in", "$ / month", "p50 s", "excluded by rule"):
        table.add_column(col, no_wrap=True)
    for cand in out["candidates"]:
        a = cand["accuracy"]
        correct = "-" if a["value"] is None else pct_text(a)
        share = "-" if cand["win_share"] is None else f"{100 * cand['win_share']:.0f} %"
        month = "-" if cand["monthly_usd"] is None else f"${cand['monthly_usd']:,.2f}"
        p50 = "-" if cand["p50_s"] is None else f"{cand['p50_s']:.2f}"
        name = f"[bold]{escape(cand['variant'])}[/]" if cand["variant"] == out["winner"] else escape(cand["variant"])
        table.add_row(name, correct, share, month, p50, escape(", ".join(cand["excluded_by"])) or "-")
    console.print(table)
    for b in out.get("break_even") or ():
        if b["queries_per_day"] is not None:
            line = (f"{b['tuned']} (fine-tuned) vs {b['untuned']}: break-even at {qpd(b['queries_per_day'])} queries/day, "
                    f"{b['cheaper_above']} is cheaper above it")
        else:
            line = f"{b['tuned']} (fine-tuned) vs {b['untuned']}: {b['cheaper_always']} is cheaper at every volume"
        console.print(line, markup=False, highlight=False)
