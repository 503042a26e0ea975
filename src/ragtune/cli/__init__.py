"""The `ragtune` command: a mapping of command names to plain functions, assembled into one Typer app.

Each command module (project, training, questions, evaluation, report, recommend, demo, serve) defines plain functions and
imports only `cli.terminal`, `cli.tables` and `cli.question_tables`; this module alone knows them all. A user error (`RagtuneError`)
is caught here, once, around every command: `error: <message>` on stderr, exit code 2.
"""

from __future__ import annotations

import functools
from typing import Callable

import typer

from ragtune.cli import demo, evaluation, project, questions, recommend, report, serve, training
from ragtune.cli.terminal import fail
from ragtune.errors import RagtuneError

COMMANDS: dict[str, Callable[..., None]] = {
    "init": project.init,
    "ingest": project.ingest,
    "ask": project.ask,
    "status": project.status,
    "demo": demo.demo,
    "questions": questions.questions,
    "eval": evaluation.evaluate,
    "recommend": recommend.recommend,
    "report": report.report,
    "synth": training.synth,
    "tune": training.tune,
    "export": training.export,
    "serve": serve.serve,
}


def user_errors_caught(command: Callable[..., None]) -> Callable[..., None]:
    """`command` with every `RagtuneError` turned into its message and exit code 2 instead of a traceback."""

    @functools.wraps(command)
    def run(*args, **kwargs) -> None:
        try:
            command(*args, **kwargs)
        except RagtuneError as e:
            fail(str(e))

    return run


app = typer.Typer(
    help="ragtune: RAG, fine-tuning or both? Measured on your own documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for _name, _command in COMMANDS.items():
    app.command(_name)(user_errors_caught(_command))

__all__ = ["COMMANDS", "app"]
