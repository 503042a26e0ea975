"""The terminal side every command module shares: the consoles, the --project option, opening a project,
progress bars, and `fail` (the one way a command stops for the user)."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

if TYPE_CHECKING:
    from ragtune.project import Project

USER_ERROR = 2  # the exit code of every user error (`RagtuneError`), distinct from a crash's 1

console = Console()
err = Console(stderr=True)

ProjectOpt = typer.Option(Path("."), "--project", "-p", help="Project directory (holds ragtune.toml).")


def fail(message: str, code: int = USER_ERROR) -> NoReturn:
    """Print `error: message` on stderr and exit: the one way a command stops for the user."""
    err.print(f"[bold red]error:[/] {escape(message)}")  # a message's [cost] or [1] is text, not markup
    raise typer.Exit(code)


def open_project(project: Path) -> Project:
    """The project in `project`, never reaching for the network at run time."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from ragtune.project import Project

    return Project(project)


@contextlib.contextmanager
def stage_progress(label: Callable[[str], str] = str) -> Iterator[tuple[Progress, Callable[[str, int, int], None]]]:
    """One progress bar per named stage on stderr; yields the bars and the `progress(stage, done, total)`
    callback that `synth`, `eval` and `demo` pass down."""
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(label(stage), total=total or None)
            bar.update(tasks[stage], completed=done, total=total or None)

        yield bar, progress
