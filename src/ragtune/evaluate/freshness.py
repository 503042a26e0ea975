"""Freshness: what each variant answers after the documents change, and how long it takes to absorb a change.

Protocol (`ragtune eval --freshness NEW_DOCS`): the adapters stay as trained on the old documents, the
index is synced to the new ones (timed), then every variant answers questions about the new state.
A question whose answer changed carries `old_answers`; the others did not change. Reported per variant:
accuracy on changed and unchanged questions, the stale-answer rate (the answer gives the old value),
and the time to absorb the update: the measured index sync for retrieval variants, a retrain (synthesis +
training, from the training card) for closed-book fine-tuned variants.

A forgetting probe rides along (`--forgetting`): general-knowledge questions shipped with ragtune, asked
of the base model and each fine-tuned one without retrieval, so a user sees what fine-tuning cost elsewhere.
"""

from __future__ import annotations

from functools import partial
from importlib import resources
from pathlib import Path
from typing import Mapping, Sequence

from ragtune.evaluate.results import ResultRecord, as_records
from ragtune.evaluate.summary import metric_ci
from ragtune.runs import UPDATE, read_json_if, write_json


def general_knowledge_path() -> Path:
    """The shipped forgetting probe: 60 easy general-knowledge questions with 4 options each."""
    return Path(str(resources.files("ragtune") / "data" / "general_knowledge.jsonl"))


def write_update(run_dir: Path, update: dict) -> None:
    """`freshness.json`: what the update did (sync report, seconds, corpus versions before and after)."""
    write_json(run_dir / UPDATE, update)


def read_update(run_dir: Path) -> dict | None:
    return read_json_if(run_dir / UPDATE)


def freshness_summary(results: Sequence[ResultRecord | dict], variants: Sequence[str], update: dict,
                      retrain_s: Mapping[str, float | None], retrieval: Mapping[str, bool], *,
                      seed: int = 0, resamples: int = 2000) -> dict:
    """Per variant: correct on changed / unchanged questions, stale rate, seconds to absorb the update."""
    records = as_records(results)
    sync_s = update.get("sync_s")
    out: dict = {"update": update, "variants": {}}
    ci = partial(metric_ci, seed=seed, resamples=resamples)
    for v in variants:
        rows = [r for r in records if r.variant == v and r.gold]
        changed = [r for r in rows if r.old_answers]
        unchanged = [r for r in rows if not r.old_answers]
        if retrieval.get(v):
            absorb, how = sync_s, "index sync"
        elif retrain_s.get(v) is not None:
            absorb, how = retrain_s[v], "retrain (synthesis + training)"
        else:
            absorb, how = None, "never (no retrieval, no training)"
        out["variants"][v] = {"n_changed": len(changed), "n_unchanged": len(unchanged),
                              "correct_changed": ci(changed, "contains"), "correct_unchanged": ci(unchanged, "contains"),
                              "stale": ci(changed, "stale"), "absorb_s": absorb, "absorb_by": how,
                              "retrain_s": retrain_s.get(v)}
    return out
