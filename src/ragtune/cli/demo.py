"""`ragtune demo`: the whole comparison on the bundled knowledge base."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from ragtune.cli.terminal import console, fail, stage_progress
from ragtune.cli.tables import print_freshness, print_summary, print_task_summary


def demo(
    kb: Path = typer.Option(Path("examples/kb"), help="Knowledge base: v1/, v2/, questions.jsonl, questions_v2.jsonl."),
    project: Optional[Path] = typer.Option(None, "--project", "-p",
                                           help="Demo project folder (default: demo-project, or demo-fast)."),
    fast: bool = typer.Option(False, "--fast", help="A smoke run (about 5 minutes on 2 cores): every stage on a "
                                                    "few questions, not a verdict."),
    minutes: float = typer.Option(15.0, "--minutes", min=3,
                                  help="Time for the full demo: it measures this machine, then asks as many "
                                       "questions and trains as many steps as fit (recorded, reused on a re-run)."),
) -> None:
    """Ingest v1, fine-tune, evaluate base/rag/ft/ft+rag/raft, update to v2, measure freshness, report, recommend.

    Finished stages are skipped when you run it again (the project's runs/demo/stages.json records them).
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network at run time
    from ragtune.demo import FAST, FULL, run_demo
    from ragtune.demo.stages import SIZING_STAGE

    project = project or Path("demo-fast" if fast else "demo-project")
    plan = FAST if fast else FULL
    console.print(f"[bold]ragtune demo[/] ({plan.name}): {kb} -> {project}")
    note = smoke_note(kb, plan) if fast else None
    if note:
        console.print(f"[yellow]{escape(note)}[/]")
    start = time.perf_counter()
    with stage_progress() as (bar, progress):

        def on_stage(stage: str, entry: dict | None) -> None:
            if entry is None:
                bar.console.print(f"[bold]>[/] {stage} ...")
            elif stage == SIZING_STAGE:
                bar.console.print(f"[green]done[/] {stage}: {entry['seconds']:.0f} s\n{plan_line(entry['result'])}")
            else:
                bar.console.print(f"[green]done[/] {stage}: {entry['seconds']:.0f} s  [dim]{brief(entry['result'])}[/]")

        try:
            result = run_demo(kb, project, plan, progress=progress, on_stage=on_stage, budget_s=60 * minutes)
        except KeyboardInterrupt:
            fail("interrupted; run the same command again to continue where it stopped", code=130)
    print_outcome(result, time.perf_counter() - start, note)


def smoke_note(kb: Path, plan) -> str | None:
    """What a fast run's verdict rests on: a smoke test of every stage, on too few questions to act on."""
    from ragtune.demo.questions import pick_questions
    from ragtune.demo.sizing import MIN_DECIDING
    from ragtune.questions import load_questions

    files = [kb / "questions.jsonl", kb / "questions_v2.jsonl"]
    if not all(f.is_file() for f in files):
        return None  # the demo itself names what the knowledge base lacks
    v2 = pick_questions(*(load_questions(f) for f in files), plan.per_tag_v1, plan.per_tag_v2)[1]
    return (f"--fast is a smoke run, not a verdict: its recommendation rests on {len(v2)} after-update questions "
            f"(`ragtune demo` sizes at least {MIN_DECIDING}).")


def plan_line(sizing: dict) -> str:
    """The plan the probe chose, with the figures it chose it from."""
    t = sizing["throughput"]
    v2 = "all" if sizing["per_tag_v2"] is None else f"{sizing['per_tag_v2']} per tag"
    return (f"  plan: {sizing['questions_v1']} v1 questions ({sizing['per_tag_v1']} per tag), "
            f"{sizing['questions_v2']} v2 questions ({v2}), ft {sizing['ft_steps']} steps, raft "
            f"{sizing['raft_steps']} steps"
            + (f"; {sizing['behaviour_examples']} held-out tickets, task-ft+rag {sizing['behaviour_steps']} steps"
               if sizing.get("behaviour_examples") else "")
            + f"; about {sizing['estimated_s'] / 60:.0f} of {sizing['budget_s'] / 60:.0f} minutes"
            f"\n  the verdict stands on {sizing['questions_v2']} after-update questions (the documents change, so "
            f"those decide)\n  measured: {t['closed_s']:.2f} s per closed-book answer, {t['passages_s']:.2f} s with "
            f"passages, {t['ft_step_s']:.2f} s per ft step"
            + (f", {t['raft_step_s']:.2f} s per raft step" if t.get("raft_step_s") is not None else "")
            + (f", {t['task_s']:.2f} s per ticket answer" if t.get("task_s") is not None else "")
            + (f", {t['task_step_s']:.2f} s per task-ft+rag step" if t.get("task_step_s") is not None else "")
            + f" (probe {t['probe_s']:.0f} s)")


def brief(result: dict) -> str:
    """A stage's result in one short line (its file list left out)."""
    shown = {k: v for k, v in result.items() if k not in ("files",)}
    return escape(json.dumps(shown, default=str))[:110]


def print_outcome(result, wall_s: float, note: str | None = None) -> None:
    """Before and after the update, the recommendation (and `note`: what a smoke run's verdict rests on), and
    where to look next."""
    from ragtune.evaluate.results import read_summary

    before, after = read_summary(result.before), read_summary(result.after)
    console.rule("[bold]Before the update (v1 questions)")
    print_summary(dataclasses.replace(before, cost=None), before.k or 5)
    console.rule("[bold]After the update (v2 documents, adapters unchanged)")
    if after.freshness:
        print_freshness(after.freshness)
    if result.behaviour is not None:
        from ragtune.decide.behaviour import behaviour_verdict, describe

        console.rule("[bold]Behaviour: the ticket format (held-out tickets)")
        task = read_summary(result.behaviour)
        print_task_summary(task)
        for line in describe(behaviour_verdict(task)):
            console.print(line, markup=False, highlight=False)
    rec = result.recommendation
    console.rule(f"[bold]Recommendation: {escape(str(rec.get('verdict') or rec.get('decided_by') or '-'))}")
    console.print(f"[bold]{escape(rec.get('headline', ''))}[/]")
    for reason in rec.get("reasons", []):
        console.print(f"  - {escape(reason)}")
    if note:
        console.print(f"[yellow]{escape(note)}[/]")
    stages = ", ".join(f"{s} {t:.0f} s" for s, t in result.seconds.items())
    console.print(f"\nStage times (recorded): {stages}")
    console.print(f"This invocation: {wall_s:.0f} s. Report: [bold]{result.report}[/]")
    console.print(f"Explore: ragtune ask \"...\" --variant rag -p {result.project}; "
                  f"ragtune recommend {result.before.name} --after {result.after.name} -p {result.project} --help")
