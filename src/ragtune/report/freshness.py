"""Freshness before and after a document update: how often each variant gave the then-current value of the
changed facts before the update (the earlier run, scored against the old answers) and after it (the
freshness run), how often it still gives the old value, and how long the update takes to absorb."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ragtune import numbers as fmt
from ragtune.evaluate.metrics import contains_answer
from ragtune.evaluate.stats import Estimate, bootstrap_ci
from ragtune.report.charts import bar_chart
from ragtune.report.data import CORRECT, RunData
from ragtune.report.elements import Cell, Chart, Section, Table, row

SERIES = {"before the update": "#7f9fbf", "after the update": "#2ca02c", "stale after (old value)": "#d62728"}


@dataclass(frozen=True)
class FreshnessRow:
    """One variant on the changed facts; an estimate is None where nothing was measured."""

    variant: str
    n_changed: int
    before: Estimate | None
    after: Estimate | None
    unchanged_after: Estimate | None
    stale: Estimate | None
    absorb_s: float | None
    absorb_by: str


def before_after(before: RunData | None, after: RunData) -> list[FreshnessRow]:
    """Per variant of `after`: changed facts are its questions with `old_answers`; `before` (optional) is a
    run on the old documents, whose answers to the same question ids are scored against those old answers."""
    seed, resamples = after.summary.seed, after.summary.resamples

    def ci(values: Sequence[float | None]) -> Estimate | None:
        estimate = bootstrap_ci(values, seed=seed, resamples=resamples)
        return estimate if estimate.n else None

    absorb = (after.summary.freshness or {}).get("variants", {})
    rows = []
    for v in after.variants:
        answered = [r for r in after.results if r.variant == v and r.gold]
        changed = [r for r in answered if r.old_answers]
        old = {r.question_id: r.old_answers for r in changed}
        then = [contains_answer(r.answer, old[r.question_id])
                for r in (before.results if before else []) if r.variant == v and r.question_id in old]
        info = absorb.get(v, {})
        rows.append(FreshnessRow(v, len(changed), ci(then), ci([r.metrics.get(CORRECT) for r in changed]),
                                 ci([r.metrics.get(CORRECT) for r in answered if not r.old_answers]),
                                 ci([r.metrics.get("stale") for r in changed]),
                                 info.get("absorb_s"), info.get("absorb_by") or "unknown (no freshness summary)"))
    return rows


def freshness_section(run: RunData, after: RunData | None, colors: dict[str, str]) -> Section:
    title = "Freshness: before and after a document update"
    before, later = (run, after) if after else (None, run)
    rows = before_after(before, later) if after or run.summary.freshness else []
    if not any(r.n_changed for r in rows):
        reason = (f"run {later.run_id} has no changed facts (no question with `old_answers`)" if rows else
                  "this run measured no document update")
        return Section("freshness", title, missing=f"{reason}: run `ragtune eval --freshness NEW_DOCS` with questions "
                       "whose changed answers carry `old_answers`, then `ragtune report OLD_RUN --after NEW_RUN`.")
    series = {"before the update": [r.before for r in rows]} if before else {}
    series |= {"after the update": [r.after for r in rows], "stale after (old value)": [r.stale for r in rows]}
    chart = bar_chart("chart-freshness", [r.variant for r in rows], series, ylabel="changed facts (%)", colors=SERIES)
    table = Table("table-freshness", ("variant", "changed facts", "correct before", "correct after",
                                      "unchanged facts after", "stale after", "time to absorb"), tuple(
        row(r.variant, Cell(str(r.n_changed), "num"), Cell(fmt.ci(r.before) if before else "not given", "num"),
            Cell(fmt.ci(r.after), "num"), Cell(fmt.ci(r.unchanged_after), "num"),
            Cell(fmt.ci(r.stale), _stale_class(r.stale)), _absorb(r)) for r in rows))
    return Section("freshness", title, paragraphs=(_update_text(before, later),
                   "Correct before: the earlier run's answers to the same questions, scored against the old "
                   "answers (the facts as they were). Correct after: the new answers after the update. Stale: "
                   "the answer still gives the old value. Time to absorb: an index re-sync for retrieval "
                   "variants, a retrain (synthesis + training) for closed-book fine-tuned ones."),
                   charts=(Chart("chart-freshness", chart, "Changed facts answered correctly before and after "
                                 "the update, and stale answers after it (95 % CI)."),),
                   tables=(table,))


def _update_text(before: RunData | None, after: RunData) -> str:
    update = (after.summary.freshness or {}).get("update") or {}
    what = ""
    if update:
        what = (f" The update added {len(update.get('added', []))}, changed {len(update.get('changed', []))} and "
                f"removed {len(update.get('removed', []))} documents; the index sync took "
                f"{fmt.seconds(update.get('sync_s'))} (corpus version {update.get('version_before')} → "
                f"{update.get('version_after')}).")
    runs = (f"Before: run {before.run_id}; after: run {after.run_id}." if before else
            f"After: run {after.run_id} (pass the run before the update as RUN and this one as --after to add "
            "the before column).")
    return runs + what


def _stale_class(stale: Estimate | None) -> str:
    return "num bad" if stale and stale.value > 0 else "num"


def _absorb(r: FreshnessRow) -> Cell:
    if r.absorb_s is None:
        return Cell(r.absorb_by)
    return Cell(f"{fmt.seconds(r.absorb_s)} ({r.absorb_by})")
