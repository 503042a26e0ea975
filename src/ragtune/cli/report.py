"""`ragtune report RUN`: the self-contained HTML report of an eval run."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ragtune.cli.terminal import ProjectOpt, console, fail, open_project
from ragtune.errors import RagtuneError
from ragtune.runs import MANIFEST, RESULTS, SUMMARY, run_folder


def report(
    run: str = typer.Argument(..., help="Eval run: a run id under the project's runs/, or the path to a run folder."),
    after: Optional[str] = typer.Option(
        None, "--after", metavar="RUN2",
        help="The freshness run after a document update (`ragtune eval --freshness`): the report compares it "
             "with RUN on the changed facts, before and after."),
    task: Optional[str] = typer.Option(
        None, "--task", metavar="TASK_RUN",
        help="A `ragtune eval --task` run: the report adds its behaviour section (format, labels, style, facts, "
             "cost against format adherence) and verdict."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="HTML file to write (default: RUN/report.html)."),
    project: Path = ProjectOpt,
) -> None:
    """Write one HTML file with tables, charts and a per-question drill-down; it opens offline.

    The first section shows `ragtune recommend`'s result when that ran on RUN (RUN/recommendation.json)."""
    from ragtune.decide.behaviour import behaviour_verdict
    from ragtune.evaluate.results import read_manifest, read_summary
    from ragtune.report import write_report
    from ragtune.report.data import read_recommendation

    run_dir = _folder(run, project)
    after_dir = _folder(after, project) if after else None
    task_dir = _folder(task, project) if task else None
    if task_dir is None and (manifest := read_manifest(run_dir)) is not None and manifest.kind == "task":
        task_dir = run_dir  # a task run on its own: its behaviour section is the point
    for folder in filter(None, (run_dir, after_dir, task_dir)):
        ensure_summary(project, folder)
    verdict = behaviour_verdict(read_summary(task_dir)) if task_dir is not None else None
    path = write_report(run_dir, out, after=after_dir, recommendation=read_recommendation(run_dir), task=task_dir,
                        behaviour=verdict)
    console.print(f"Report: {path}")


def _folder(run: str, project: Path) -> Path:
    """A run folder given as a path (no project needed), else a run id under the project's runs/."""
    return Path(run) if Path(run).is_dir() else run_folder(open_project(project).settings.runs_dir, run)


def ensure_summary(project: Path, run_dir: Path) -> None:
    """A run with answers but no summary.json (an interrupted `ragtune eval`) is summarized first."""
    if (run_dir / SUMMARY).is_file():
        return
    if not (run_dir / RESULTS).is_file() or not (run_dir / MANIFEST).is_file():
        fail(f"{run_dir} has no {SUMMARY} and no answers to summarize: run `ragtune eval` first "
             f"(or resume it with `ragtune eval --run {run_dir.name} ...`).")
    from ragtune.evaluate.session import summarize_run

    console.print(f"Summarizing {run_dir.name} (no {SUMMARY} yet) ...")
    try:
        summarize_run(open_project(project), run_dir)
    except (RagtuneError, KeyError, ValueError, OSError) as e:  # a half-written run: say where to finish it
        fail(f"could not summarize {run_dir}: {e}; run `ragtune eval --run {run_dir.name}` inside its project "
             "(--project) to finish it.")
