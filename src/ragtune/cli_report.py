"""`ragtune report RUN`: the self-contained HTML report of an eval run (registered on `cli.app`)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ragtune.cli import ProjectOpt, _fail, _open, app, console


@app.command("report")
def report(
    run: str = typer.Argument(..., help="Eval run: a run id under the project's runs/, or the path to a run folder."),
    after: Optional[str] = typer.Option(
        None, "--after", metavar="RUN2",
        help="The freshness run after a document update (`ragtune eval --freshness`): the report compares it "
             "with RUN on the changed facts, before and after."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="HTML file to write (default: RUN/report.html)."),
    project: Path = ProjectOpt,
) -> None:
    """Write one HTML file with tables, charts and a per-question drill-down; it opens offline.

    The first section shows `ragtune recommend`'s result when that ran on RUN (RUN/recommendation.json)."""
    from ragtune.report import ReportError, write_report
    from ragtune.report.data import read_recommendation

    run_dir = _run_folder(run, project)
    after_dir = _run_folder(after, project) if after else None
    for folder in filter(None, (run_dir, after_dir)):
        _ensure_summary(folder, project)
    try:
        path = write_report(run_dir, out, after=after_dir, recommendation=read_recommendation(run_dir))
    except ReportError as e:
        _fail(str(e))
    console.print(f"Report: {path}")


def _run_folder(run: str, project: Path) -> Path:
    """A path to a run folder as given, else the run id under the project's runs/."""
    if Path(run).is_dir():
        return Path(run)
    runs = _open(project).settings.runs_dir
    if (runs / run).is_dir():
        return runs / run
    known = sorted(p.name for p in runs.glob("eval-*") if p.is_dir()) if runs.is_dir() else []
    hint = f"eval runs there: {', '.join(known[-5:])}" if known else "run `ragtune eval` first"
    _fail(f"no run {run!r}: neither a folder nor a run under {runs} ({hint}).")
    raise AssertionError  # unreachable: _fail exits


def _ensure_summary(run_dir: Path, project: Path) -> None:
    """A run with answers but no summary.json (an interrupted `ragtune eval`) is summarized first."""
    from ragtune.evaluate.runner import RESULTS
    from ragtune.evaluate.summary import SUMMARY

    if (run_dir / SUMMARY).is_file():
        return
    if not (run_dir / RESULTS).is_file() or not (run_dir / "manifest.json").is_file():
        _fail(f"{run_dir} has no {SUMMARY} and no answers to summarize: run `ragtune eval` first "
              f"(or resume it with `ragtune eval --run {run_dir.name} ...`).")
    from ragtune.evaluate.session import summarize_run
    from ragtune.project import ProjectError

    console.print(f"Summarizing {run_dir.name} (no {SUMMARY} yet) ...")
    try:
        summarize_run(_open(project), run_dir)
    except (ProjectError, KeyError, ValueError, OSError) as e:
        _fail(f"could not summarize {run_dir}: {e}; run `ragtune eval --run {run_dir.name}` inside its project "
              "(--project) to finish it.")
