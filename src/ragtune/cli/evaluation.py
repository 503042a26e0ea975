"""`ragtune eval`: every variant on the same questions, with confidence intervals."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ragtune.cli.terminal import ProjectOpt, console, fail, open_project, stage_progress
from ragtune.cli.question_tables import print_question_report, stale_note
from ragtune.cli.tables import print_summary, print_task_summary


def evaluate(
    questions: Optional[Path] = typer.Option(None, "--questions", "-q", help="Questions JSONL (see README, Data "
                                             "formats); default: built from your documents (`ragtune questions`)."),
    task: Optional[Path] = typer.Option(None, "--task", help="Task examples JSONL: measure a behaviour (format, "
                                        "labels, style) on its held-out examples (README, Behaviour)."),
    variants: Optional[str] = typer.Option(None, help="Comma-separated variants (default: all this project can run)."),
    run: Optional[str] = typer.Option(None, "--run", help="Run id; an existing run resumes where it stopped."),
    freshness: Optional[Path] = typer.Option(
        None, "--freshness", metavar="NEW_DOCS",
        help="Freshness: sync the index to these changed documents (timed), keep the adapters, then evaluate "
             "questions (or --task examples) about the new state (changed facts carry old_answers)."),
    forgetting: bool = typer.Option(False, "--forgetting",
                                    help="Also ask a shipped general-knowledge probe of base and ft."),
    sweep_retrieval: bool = typer.Option(False, "--sweep-retrieval",
                                         help="Choose [retrieval] settings by measurement on held-out questions "
                                              "(--questions, default synth/val_questions.jsonl) and write them."),
    write: bool = typer.Option(True, "--write/--no-write", help="With --sweep-retrieval: write the choice into "
                                                                 "ragtune.toml."),
    chunk_sizes: Optional[str] = typer.Option(
        None, "--chunk-sizes", metavar="N,N",
        help="With --sweep-retrieval: also index the documents at these chunk sizes (tokens) and compare them at "
             "the same prompt budget; a winner's index replaces the project's."),
    project: Path = ProjectOpt,
) -> None:
    """Run every variant on the same questions; writes runs/<id>/results.jsonl and summary.json."""
    from ragtune.evaluate.session import evaluate as run_evaluation, summarize_run

    proj = open_project(project)
    if sweep_retrieval:
        if task is not None or freshness is not None or forgetting or variants:
            fail("--sweep-retrieval measures retrieval settings on its own; run it without --task, --freshness, "
                 "--forgetting and --variants.")
        try:
            sizes = [int(n) for n in chunk_sizes.split(",") if n.strip()] if chunk_sizes else []
        except ValueError:
            fail(f"--chunk-sizes takes token counts separated by commas, such as 128,512 (got {chunk_sizes!r}).")
        return _sweep(proj, questions, write, sizes)
    if chunk_sizes:
        fail("--chunk-sizes goes with --sweep-retrieval.")
    names = [v.strip() for v in variants.split(",") if v.strip()] if variants else None
    if task is not None or (questions is None and proj.settings.behaviour.task):
        if questions is not None or forgetting:
            fail("--task measures a behaviour on its own; run --questions or --forgetting separately.")
        return _evaluate_task(proj, task, names, run, freshness)
    if questions is None:
        questions = _generated_questions(proj)
    with stage_progress() as (_, progress):
        try:
            run_dir, _ = run_evaluation(proj, questions, names, run=run, freshness=freshness, forgetting=forgetting,
                                       progress=progress)
        except KeyboardInterrupt:
            fail("interrupted; continue with the same command plus --run <id> (see runs/)", code=130)
    summary = summarize_run(proj, run_dir)
    print_summary(summary, proj.settings.retrieval.top_k)
    _print_verdict(proj, run_dir)
    console.print(f"Results: {run_dir / 'results.jsonl'}\nSummary: {run_dir / 'summary.json'}")


def _print_verdict(proj, run_dir: Path) -> None:
    """The recommendation at the project's [cost] and [constraints] (better / equivalent / undetermined)."""
    from ragtune.decide import recommend_run
    from ragtune.errors import DecisionError

    try:
        out = recommend_run(proj, run_dir)
    except DecisionError as e:
        console.print(f"No verdict: {e}", markup=False, highlight=False)
        return
    console.print(f"Verdict: {out['headline']}", markup=False, highlight=False)
    console.print(f"Rule by rule, and at other volumes or constraints: `ragtune recommend {run_dir.name} "
                  "--queries-per-day N --updates weekly ...`", markup=False, highlight=False)


def _generated_questions(proj) -> Path:
    """No --questions: the questions `ragtune questions` built from the documents (built now if missing)."""
    from ragtune.synth.questions_session import questions_for_eval

    qset = questions_for_eval(proj)
    if qset.built:
        print_question_report(qset.report)
    console.print(f"Questions: {qset.path} ({qset.report.get('questions', '?')}, built from your documents about facts "
                  "never trained on; review or edit them with `ragtune questions`)", markup=False, highlight=False)
    stale_note(qset.report, proj.index.version)
    return qset.path


def _evaluate_task(proj, task: Path | None, names: list[str] | None, run: str | None,
                   freshness: Path | None) -> None:
    from ragtune.decide.behaviour import behaviour_verdict, describe
    from ragtune.evaluate.task import evaluate_task, summarize_task_run
    from ragtune.runs import RECOMMENDATION, write_json

    with stage_progress() as (_, progress):
        try:
            run_dir, _ = evaluate_task(proj, str(task.resolve()) if task else None, names, run=run, progress=progress,
                                       freshness=freshness)
        except KeyboardInterrupt:
            fail("interrupted; continue with the same command plus --run <id> (see runs/)", code=130)
    summary = summarize_task_run(proj, run_dir)
    print_task_summary(summary)
    verdict = behaviour_verdict(summary)
    write_json(run_dir / RECOMMENDATION, {"behaviour": verdict})
    for line in describe(verdict):
        console.print(line, markup=False, highlight=False)
    console.print(f"Results: {run_dir / 'results.jsonl'}\nSummary: {run_dir / 'summary.json'}")


def _sweep(proj, questions: Path | None, write: bool, sizes: list[int]) -> None:
    from ragtune.cli.tables import print_sweep
    from ragtune.evaluate.sweep import sweep_project

    with stage_progress() as (_, progress):
        result, run_dir = sweep_project(proj, questions, write=write, sizes=sizes, index_progress=progress,
                                        progress=lambda done, total: progress("Retrieval settings", done, total))
    print_sweep(result)
    if result.changed:
        console.print(f"{result.chosen.label}: " + ("written to ragtune.toml" + (
            ", and the index at that chunk size moved into place." if result.chosen.chunk else ".")
            if write else "not written (--no-write)."), markup=False, highlight=False)
    else:
        console.print("No setting beat the current one with a 95 % CI above zero: ragtune.toml unchanged.")
    console.print(f"Evidence: {run_dir / 'sweep.json'}")
