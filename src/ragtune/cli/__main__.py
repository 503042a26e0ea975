"""`python -m ragtune.cli`: the same command as `ragtune`."""

from ragtune.cli import app

app()
