"""`recommend_run`: read an eval run folder (and an optional after-update run), recommend, and write
`recommendation.json` next to summary.json so the HTML report can embed it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ragtune.config import Settings
from ragtune.decide.constraints import constraints_from_settings
from ragtune.errors import DecisionError
from ragtune.decide.recommend import recommend
from ragtune.evaluate.runner import read_results
from ragtune.evaluate.summary import SUMMARY

if TYPE_CHECKING:
    from ragtune.project import Project

RECOMMENDATION = "recommendation.json"


def find_run(runs_dir: Path, run: str | Path | None) -> Path:
    """A run id under `runs_dir`, or a folder; None: the newest run with a summary.json."""
    if run is None:
        done = sorted(runs_dir.glob(f"*/{SUMMARY}"), key=lambda p: p.stat().st_mtime) if runs_dir.is_dir() else []
        if not done:
            raise DecisionError(f"no evaluated run under {runs_dir}: run `ragtune eval -q QUESTIONS` first.")
        return done[-1].parent
    path = Path(run)
    for candidate in (path, runs_dir / str(run)):
        if candidate.is_dir():
            return candidate
    raise DecisionError(f"run {run} not found: pass a run id under {runs_dir} or a run folder "
                        "(`ragtune status` lists the runs).")


def load_run(run_dir: Path) -> tuple[dict, list[dict], dict | None]:
    """(summary, results, manifest) of an eval run; a clear error when it was never summarised."""
    summary_path = run_dir / SUMMARY
    if not summary_path.is_file():
        raise DecisionError(f"{run_dir} has no {SUMMARY}: run `ragtune eval` first (an interrupted eval resumes "
                            f"with `ragtune eval -q QUESTIONS --run {run_dir.name}`).")
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise DecisionError(f"{summary_path} is not valid JSON ({e}); re-run `ragtune eval --run {run_dir.name}`.") \
            from e
    results = read_results(run_dir)
    if not results:
        raise DecisionError(f"{run_dir} has no results.jsonl answers: run `ragtune eval` first.")
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else None
    return summary, results, manifest


def recommend_run(proj: Project | Settings, run_dir: str | Path | None = None, after_dir: str | Path | None = None,
                  *, write: bool = True, **overrides) -> dict:
    """Recommend from a run folder (or id) with the project's `[cost]`/`[constraints]`, `overrides` on top
    (queries_per_day, updates_per_month, latency_ms, citations_required, sensitive_data, budget_usd_per_month,
    gpu_available; None keeps the setting). Writes `recommendation.json` into the run folder unless `write=False`.
    """
    settings = proj if isinstance(proj, Settings) else proj.settings
    constraints = constraints_from_settings(settings, **overrides)
    run_path = find_run(settings.runs_dir, run_dir)
    summary, results, manifest = load_run(run_path)
    after_summary = after_results = None
    if after_dir is not None:
        after_path = find_run(settings.runs_dir, after_dir)
        after_summary, after_results, _ = load_run(after_path)
    out = recommend(summary, results, constraints, after_summary=after_summary, after_results=after_results,
                    resamples=settings.eval.bootstrap_resamples, seed=settings.eval.seed, manifest=manifest,
                    prices=settings.cost)
    out["run"] = str(run_path)
    out["after_run"] = str(after_path) if after_dir is not None else None
    if write:
        temp = run_path / f".{RECOMMENDATION}.tmp-{os.getpid()}"
        temp.write_text(json.dumps(out, indent=2, allow_nan=False) + "\n", encoding="utf-8")
        os.replace(temp, run_path / RECOMMENDATION)
    return out
