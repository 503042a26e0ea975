"""`ragtune eval`: every variant on the same questions, with confidence intervals (registered on `cli.app`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich import box
from rich.table import Table

from ragtune.cli import ProjectOpt, _fail, _open, app, console, err

# (metric, column, with CI): the CI only where it matters most, so the table fits 80 columns.
SHOWN = (("contains", "correct", True), ("hallucinated", "halluc.", True),
         ("abstained_correctly", "abstain", False), ("hit@{k}", "hit@{k}", False), ("citation_precision", "cite P", False))


@app.command("eval")
def evaluate(
    questions: Path = typer.Option(..., "--questions", "-q", help="Questions JSONL (see README, Data formats)."),
    variants: Optional[str] = typer.Option(None, help="Comma-separated variants (default: all this project can run)."),
    run: Optional[str] = typer.Option(None, "--run", help="Run id; an existing run resumes where it stopped."),
    project: Path = ProjectOpt,
) -> None:
    """Run every variant on the same questions; writes runs/<id>/results.jsonl and summary.json."""
    from ragtune.evaluate.summary import summarize, write_summary
    from ragtune.cli_training import _user_errors
    from ragtune.questions import QuestionsError

    proj = _open(project)
    names = [v.strip() for v in variants.split(",") if v.strip()] if variants else None
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=err, transient=True) as bar:
        task = bar.add_task("Evaluating", total=None)
        try:
            run_dir, results = proj.evaluate(questions, names, run=run,
                                             progress=lambda d, n: bar.update(task, completed=d, total=n))
        except KeyboardInterrupt:
            _fail("interrupted; continue with the same command plus --run <id> (see runs/)", code=130)
        except (QuestionsError, *_user_errors()) as e:
            _fail(str(e))
    order = list(dict.fromkeys(r["variant"] for r in results))
    summary = summarize(results, order)
    path = write_summary(run_dir, summary)
    print_summary(summary, proj.settings.retrieval.top_k)
    console.print(f"Results: {run_dir / 'results.jsonl'}\nSummary: {path}")


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
            if not e or e["value"] is None:
                cells.append("-")
            else:
                cells.append(f"{e['value']:.2f} ({_short(e['low'])}-{_short(e['high'])})" if ci else f"{e['value']:.2f}")
        lat = s["latency_s"]["total_s"]["p50"]
        table.add_row(v, *cells, f"{lat:.1f}" if lat is not None else "-")
    console.print(table)
    for c in summary["comparisons"]:
        if c["significant"] and c["metric"] == "contains":
            worse = c["b"] if c["better"] == c["a"] else c["a"]
            console.print(f"{c['better']} is better than {worse} on correct answers "
                          f"(difference {abs(c['diff']):.2f}, {c['test']}, p = {c['p_value']:.3g})")


def _short(x: float) -> str:
    """0.2 -> ".20", 1.0 -> "1.0": CI bounds in four characters."""
    return "1.0" if x >= 0.995 else f"{x:.2f}".lstrip("0")
