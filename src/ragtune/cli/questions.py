"""`ragtune questions`: build, show and export the evaluation questions made from the project's documents."""

from __future__ import annotations

import random
import shutil
from pathlib import Path
from typing import Optional

import typer
from ragtune.cli.question_tables import print_question_report, stale_note
from ragtune.cli.terminal import ProjectOpt, console, open_project


def questions(
    rebuild: bool = typer.Option(False, "--rebuild", help="Build anew even if synth/eval_questions.jsonl exists "
                                                          "(your edits to it are lost)."),
    count: Optional[int] = typer.Option(None, "--count", "-n",
                                        help="Questions in the set (default [questions] count)."),
    show: int = typer.Option(8, "--show", help="Print this many questions of the set (a seeded sample)."),
    export: Optional[Path] = typer.Option(None, "--export", metavar="FILE",
                                          help="Copy the questions to FILE (JSONL) to review, edit and pass with "
                                               "`ragtune eval --questions FILE`."),
    project: Path = ProjectOpt,
) -> None:
    """Evaluation questions from your documents, about facts `ragtune synth` never trains on (docs/metrics.md)."""
    from ragtune.questions import load_questions
    from ragtune.synth.questions_session import questions_for_eval

    proj = open_project(project)
    qset = questions_for_eval(proj, rebuild=rebuild or count is not None, count=count)
    say = "Built" if qset.built else "Reusing (edited by you, or nothing changed since; --rebuild builds anew)"
    console.print(f"{say}: {qset.path}", markup=False, highlight=False)
    stale_note(qset.report, proj.index.version)
    print_question_report(qset.report)
    asked = load_questions(qset.path)
    for q in random.Random(0).sample(asked, min(show, len(asked))):
        answer = " | ".join(q.answers) if q.answers else "(decline: not in the documents)"
        console.print(f"- [{q.generator or 'yours'}] {q.question}\n    -> {answer}   {', '.join(q.sources)}",
                      markup=False, highlight=False)
    if export is not None:
        shutil.copyfile(qset.path, export)
        console.print(f"Exported to {export}: edit it, then `ragtune eval --questions {export}`.", markup=False)
