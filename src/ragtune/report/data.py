"""A finished eval run as the report reads it: manifest, result records and summary, read through
`ragtune.evaluate.results` (the report only reads: a torn last line of results.jsonl is left in place)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ragtune.errors import ReportError, RunError
from ragtune.evaluate.results import (Manifest, ResultRecord, Summary, VariantSummary, read_manifest, read_results,
                                      read_summary)
from ragtune.evaluate.stats import Estimate
from ragtune.runs import RECOMMENDATION, RESULTS, SUMMARY, read_json_if

CORRECT = "contains"  # the metric the report calls "correct" (docs/metrics.md)


@dataclass(frozen=True)
class RunData:
    """One eval run folder, read once."""

    path: Path
    manifest: Manifest | None  # None: not written by `ragtune eval`
    results: list[ResultRecord]
    summary: Summary

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def variants(self) -> list[str]:
        """Variants in the order the run evaluated them (summary.json keeps that order)."""
        return list(self.summary.variants)

    def stats(self, variant: str) -> VariantSummary:
        """The variant's figures in summary.json."""
        return self.summary.variants[variant]

    def metric(self, variant: str, name: str) -> Estimate | None:
        """A summary metric's estimate, or None when it was not measured."""
        s = self.summary.variants.get(variant)
        return s.metric(name) if s is not None else None

    def uses_retrieval(self, variant: str) -> bool:
        """`Manifest.retrieves`: what the run recorded, else whether the variant's answers retrieved passages."""
        return (self.manifest or Manifest()).retrieves(variant, self.results)

    @property
    def k(self) -> int:
        settings = self.manifest.settings if self.manifest else {}
        return int(self.summary.k or settings.get("retrieval", {}).get("top_k", 5))


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
    try:
        return RunData(run_dir, read_manifest(run_dir), read_results(run_dir), read_summary(run_dir))
    except RunError as e:
        raise ReportError(str(e)) from e


def read_recommendation(run_dir: Path) -> dict | None:
    """What `ragtune recommend` wrote into the run folder, or None if it has not run there."""
    try:
        return read_json_if(Path(run_dir) / RECOMMENDATION, redo=f"ragtune recommend {Path(run_dir).name}")
    except RunError as e:
        raise ReportError(str(e)) from e
