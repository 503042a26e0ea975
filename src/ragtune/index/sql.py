"""Safe SQL literals for Lance filter expressions built from user or document strings.

Lance (DataFusion) SQL strings escape a quote by doubling it; backslashes are literal. Every value
that reaches a filter goes through `sql_string`, so no input can end the literal early.
"""

from __future__ import annotations

from typing import Iterable

MAX_IN_LIST = 1000  # ids per `IN (...)`: long lists are split into several statements


def sql_string(value: str) -> str:
    if "\x00" in value:
        raise ValueError("a filter value cannot contain a NUL character")
    return "'" + value.replace("'", "''") + "'"


def sql_in(column: str, values: Iterable[str]) -> str:
    """`column IN ('a', 'b')`; an empty list gives a predicate that matches nothing."""
    items = sorted(set(values))
    if not items:
        return "false"
    return f"{column} IN ({', '.join(sql_string(v) for v in items)})"


def in_batches(values: Iterable[str], size: int = MAX_IN_LIST) -> Iterable[list[str]]:
    items = sorted(set(values))
    for start in range(0, len(items), size):
        yield items[start : start + size]
