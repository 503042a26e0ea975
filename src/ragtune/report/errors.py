"""Errors of `ragtune report`: the message says what to run instead."""


class ReportError(Exception):
    """A run the report cannot be built from as asked (missing folder, no summary.json, ...)."""
