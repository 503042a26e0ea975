"""Invoke the `ragtune` CLI in-process, as a user would run it."""

from typer.testing import CliRunner

from ragtune.cli import app

runner = CliRunner()


def run(*args: str):
    """Invoke the CLI; `.text` is the output with rich's line wrapping undone."""
    result = runner.invoke(app, list(args))
    result.text = " ".join(result.output.split())
    return result
