"""Metadata filters from CLI strings: `key=value`, `key!=value`, `key^=prefix`, combined with AND.

Keys stored as columns (doc_id, path, title, heading, page) become SQL on that column; any other key
is looked up in each document's metadata in Python and becomes `doc_id IN (...)`, so values of any
JSON type work. Every value is quoted with `sql_string`, so user text cannot change the query.
Filters are applied before top-k (prefilter), never to an already truncated list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ragtune.errors import FilterError
from ragtune.index.schema import FILTER_COLUMNS
from ragtune.index.sql import sql_in, sql_string

OPS = ("=", "!=", "^=")
_FILTER = re.compile(r"^\s*([A-Za-z_][\w.\-]*)\s*(!=|\^=|=)(.*)$", re.DOTALL)



@dataclass(frozen=True)
class Filter:
    key: str
    op: str  # one of OPS
    value: str


def parse_filter(text: str) -> Filter:
    """`path^=guides/` -> Filter("path", "^=", "guides/"). Surrounding quotes on the value are removed."""
    m = _FILTER.match(text)
    if not m:
        raise FilterError(f"cannot read the filter {text!r}; write key=value, key!=value or key^=prefix "
                          "(e.g. path^=guides/ or lang=en).")
    key, op, value = m.group(1), m.group(2), m.group(3).strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    return Filter(key, op, value)


def parse_filters(texts: Iterable[str | Filter]) -> tuple[Filter, ...]:
    return tuple(t if isinstance(t, Filter) else parse_filter(t) for t in texts)


def _as_strings(value: Any) -> list[str]:
    """How a metadata value compares with a filter string: lists match on any element."""
    if isinstance(value, (list, tuple, set)):
        return [s for v in value for s in _as_strings(v)]
    if isinstance(value, str):
        return [value]
    if isinstance(value, (dict,)) or value is None:
        return [json.dumps(value, sort_keys=True)] if value is not None else []
    return [json.dumps(value)]  # numbers and booleans as JSON writes them: 3, 2.5, true


def metadata_matches(metadata: Mapping[str, Any], f: Filter) -> bool:
    values = _as_strings(metadata[f.key]) if f.key in metadata else []
    if f.op == "=":
        return f.value in values
    if f.op == "!=":
        return f.value not in values
    return any(v.startswith(f.value) for v in values)


def _page_value(f: Filter) -> int:
    if f.op == "^=" or not re.fullmatch(r"-?\d+", f.value):
        raise FilterError(f"{f.key} is a number: write {f.key}=3 or {f.key}!=3.")
    return int(f.value)


def _column_sql(f: Filter) -> str:
    column = f.key
    value = str(_page_value(f)) if FILTER_COLUMNS[column] == "int" else sql_string(f.value)
    if f.op == "=":
        return f"{column} = {value}"
    if f.op == "!=":
        return f"({column} IS NULL OR {column} != {value})"
    return f"starts_with({column}, {value})"


def _column_mask(rows: pa.Table, f: Filter) -> np.ndarray:
    """The same predicate as `_column_sql`, on cached columns (NULL never equals, always differs)."""
    column = rows.column(f.key)
    value = _page_value(f) if FILTER_COLUMNS[f.key] == "int" else f.value
    if f.op == "^=":
        hit = pc.starts_with(column, pattern=value)
    else:
        hit = pc.equal(column, pa.scalar(value, column.type))
    hit = pc.fill_null(hit, False)
    return ~hit.to_numpy(zero_copy_only=False) if f.op == "!=" else hit.to_numpy(zero_copy_only=False)


@dataclass(frozen=True)
class Prefilter:
    """Parsed filters, resolved against one index version: applied before ranking, in SQL or in memory."""

    columns: tuple[Filter, ...]  # filters on table columns
    docs: frozenset[str] | None  # doc ids allowed by the metadata filters (None: no metadata filter)

    @classmethod
    def build(cls, filters: Iterable[str | Filter], doc_metadata: Mapping[str, Mapping[str, Any]] | None = None
              ) -> Prefilter:
        parsed = parse_filters(filters)
        columns = tuple(f for f in parsed if f.key in FILTER_COLUMNS)
        for f in columns:
            _column_sql(f)  # validate early (a non-numeric page, ...)
        meta = [f for f in parsed if f.key not in FILTER_COLUMNS]
        if not meta:
            return cls(columns, None)
        if doc_metadata is None:
            raise ValueError("metadata filters need the documents' metadata")
        docs = frozenset(d for d, m in doc_metadata.items() if all(metadata_matches(m, f) for f in meta))
        return cls(columns, None if len(docs) == len(doc_metadata) else docs)

    @property
    def matches_nothing(self) -> bool:
        return self.docs is not None and not self.docs

    def sql(self) -> str | None:
        clauses = [_column_sql(f) for f in self.columns]
        if self.docs is not None:
            clauses.append(sql_in("doc_id", self.docs))
        return " AND ".join(clauses) if clauses else None

    def mask(self, rows: pa.Table) -> np.ndarray | None:
        if not self.columns and self.docs is None:
            return None
        mask = np.ones(rows.num_rows, dtype=bool)
        for f in self.columns:
            mask &= _column_mask(rows, f)
        if self.docs is not None:
            allowed = pc.is_in(rows.column("doc_id"), value_set=pa.array(sorted(self.docs), pa.string()))
            mask &= pc.fill_null(allowed, False).to_numpy(zero_copy_only=False)
        return mask


def prefilter(index, filters: Iterable[str | Filter]) -> Prefilter:
    """`filters` resolved against an open `ChunkIndex` (metadata keys looked up per document)."""
    parsed = parse_filters(filters)
    needs_meta = any(f.key not in FILTER_COLUMNS for f in parsed)
    return Prefilter.build(parsed, index.doc_metadata() if needs_meta else None)
