"""A finished eval run as the report reads it: manifest, per-question results and summary.json.

The report only reads: a torn last line of results.jsonl (a crashed run) is skipped, never cut off.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ragtune.evaluate.runner import MANIFEST, RESULTS
from ragtune.evaluate.summary import SUMMARY
from ragtune.errors import ReportError

CORRECT = "contains"  # the metric the report calls "correct" (docs/metrics.md)
RECOMMENDATION = "recommendation.json"  # written into the run folder by `ragtune recommend` (ragtune.decide)


@dataclass(frozen=True)
class RunData:
    """One eval run folder, read once."""

    path: Path
    manifest: dict
    results: list[dict]
    summary: dict

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def variants(self) -> list[str]:
        """Variants in the order the run evaluated them (summary.json keeps that order)."""
        return list(self.summary.get("variants", {}))

    def metric(self, variant: str, name: str) -> dict | None:
        """`{value, low, high, n}` of a summary metric, or None when it was not measured."""
        return measured(self.summary["variants"].get(variant, {}).get("metrics", {}).get(name))

    def uses_retrieval(self, variant: str) -> bool:
        """What the run did (manifest), else whether retrieval metrics were measured."""
        defined = self.manifest.get("retrieval") or {}
        if variant in defined:
            return bool(defined[variant])
        return self.metric(variant, f"hit@{self.k}") is not None

    @property
    def k(self) -> int:
        return int(self.summary.get("k") or (self.manifest.get("settings") or {}).get("retrieval", {}).get("top_k", 5))


def measured(estimate: dict | None) -> dict | None:
    """The estimate when it holds a value; None for "not measured" (n = 0, value null)."""
    return estimate if estimate and estimate.get("value") is not None else None


def load_run(run_dir: Path) -> RunData:
    """Read a run folder; errors say which command produces what is missing."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ReportError(f"{run_dir} is not a run folder: name a run id under the project's runs/ "
                          "(see `ls runs/`) or the path to one.")
    if not (run_dir / SUMMARY).is_file():
        hint = (" (results.jsonl is there: `ragtune report` with --project summarizes it)"
                if (run_dir / RESULTS).is_file() else "")
        raise ReportError(f"{run_dir} has no {SUMMARY}: run `ragtune eval` first{hint}.")
    summary = _read_json(run_dir / SUMMARY)
    manifest = _read_json(run_dir / MANIFEST) if (run_dir / MANIFEST).is_file() else {}
    return RunData(run_dir, manifest, read_records(run_dir / RESULTS), summary)


def read_recommendation(run_dir: Path) -> dict | None:
    """What `ragtune recommend` wrote into the run folder, or None if it has not run there."""
    path = Path(run_dir) / RECOMMENDATION
    return _read_json(path) if path.is_file() else None


def read_records(path: Path) -> list[dict]:
    """The complete JSON lines of results.jsonl; a missing file is no records."""
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a torn line from an interrupted run
    return records


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        again = "ragtune recommend" if path.name == RECOMMENDATION else "ragtune eval --run"
        raise ReportError(f"{path} is not valid JSON ({e}); re-create it with `{again} {path.parent.name}`.") from e
