"""`recommend`: measured results + the user's constraints -> which variant to deploy, and why.

A pure function over a run's summary and result records (docs/decision.md numbers the rules; every
reason cites one). Order: hard constraints exclude (rules 1-7); accuracy then finds one candidate better,
the leading ones equivalent within the margin, or cannot tell (rules 8-9, `ragtune.decide.verdict`); only
among equivalent candidates does cost at the user's volume decide (rule 10).
`recommend_run` reads a run folder (and an optional after-update run), recommends, and writes
`recommendation.json` next to summary.json so the HTML report can embed it.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Mapping, Sequence

from ragtune.config import CostSettings, Settings
from ragtune.decide.behaviour import behaviour_verdict, with_behaviour
from ragtune.decide.inputs import Constraints, VariantEvidence, constraints_from_settings, describe_updates, \
    gather_evidence
from ragtune.decide.rules import (FREQUENT_UPDATES, WIN_SHARE, Verdict, accuracy_on, judge, no_gpu_note, pair_with,
                                  paired_correct, win_shares)
from ragtune.decide.verdict import decide, headline, known_new_reason
from ragtune.errors import DecisionError, RunError
from ragtune.evaluate.cost import break_even_qpd, monthly_usd
from ragtune.evaluate.power import MARGIN
from ragtune.evaluate.results import Manifest, ResultRecord, Summary, read_manifest, read_results, read_summary
from ragtune.evaluate.stats import Estimate, compare
from ragtune.numbers import p_text, pct_text
from ragtune.runs import RECOMMENDATION, run_folder, write_text

if TYPE_CHECKING:
    from ragtune.project import Project

RULES_DOC = "docs/decision.md"


def recommend(summary: Summary, results: Sequence[ResultRecord], constraints: Constraints, *,
              after_summary: Summary | None = None, after_results: Sequence[ResultRecord] | None = None,
              resamples: int = 2000, seed: int = 0, manifest: Manifest | None = None,
              prices: CostSettings | None = None, margin: float = MARGIN) -> dict:
    """The recommendation as a JSON-serialisable dict (winner, decided_by, verdict, headline, reasons, power,
    candidates).

    `after_*`: a run made with `ragtune eval --freshness` after the documents changed; `manifest`: the run's
    manifest.json (says which variants retrieve and which are fine-tuned); `prices`: recompute costs at these;
    `margin`: the equivalence margin ([eval] equivalence_margin).
    """
    c = constraints
    freshness = _freshness(summary, after_summary)
    evidence = gather_evidence(summary, results, manifest=manifest, freshness=freshness, prices=prices)
    fresh_best = _fresh_best(evidence)
    verdicts = {v: judge(ev, c, fresh_best) for v, ev in evidence.items()}
    use_after = bool(after_results) and c.updates_per_month >= FREQUENT_UPDATES
    scored = after_results if use_after else results
    verdicts |= _missing_from(scored, verdicts) if use_after else {}
    feasible = [v for v, vd in verdicts.items() if vd.feasible]
    paired = paired_correct(scored, feasible)
    shares = win_shares(paired, resamples=resamples, seed=seed) if len(feasible) > 1 else \
        {v: 1.0 for v in feasible if paired.questions}
    compared = paired.questions or _all_questions(scored)
    accuracy = {v: accuracy_on(scored, v, compared, resamples=resamples, seed=seed) for v in evidence}
    reasons = [r for vd in verdicts.values() for _, r in vd.excluded]
    reasons += [n for v in feasible for n in verdicts[v].notes]
    reasons += [n for n in (no_gpu_note([evidence[v] for v in feasible], c),) if n]
    reasons += _which_run(c, use_after, freshness, after_results, len(compared)) if feasible else []
    reasons += _repriced(summary, prices)
    unmeasured = accuracy_unmeasured(scored)
    d = decide(feasible, shares, accuracy, evidence, c, scored, paired.questions, resamples=resamples, seed=seed,
               margin=margin, unmeasured=unmeasured)
    winner = d.winner
    reasons += d.reasons
    reasons += known_new_reason((after_summary if use_after else summary).known_new, winner, d.rival)
    reasons += _versus_reference(winner, evidence, scored, paired.questions, accuracy)
    excluded = {v: ", ".join(label for label, _ in vd.excluded) for v, vd in verdicts.items()
                if not evidence[v].reference}
    return {
        "winner": winner, "decided_by": d.decided_by, "verdict": d.verdict,
        "headline": headline(d, accuracy, evidence, excluded, shares, c, resamples),
        "reasons": reasons,
        "candidates": [_candidate(evidence[v], verdicts[v], accuracy[v], shares.get(v), c) for v in evidence],
        "constraints": asdict(c) | {"updates": describe_updates(c.updates_per_month)},
        "accuracy_on": "after-update run" if use_after else "run", "questions": len(compared),
        "resamples": resamples, "seed": seed, "win_share_needed": WIN_SHARE, "contenders": list(d.tied) or feasible,
        "equivalence_margin": margin, "power": [t.to_json() for t in d.tests.values()], "rules_doc": RULES_DOC,
        "break_even": tuned_vs_untuned(evidence, c),
    }


def tuned_vs_untuned(evidence: Mapping[str, VariantEvidence], c: Constraints) -> list[dict]:
    """Where each fine-tuned variant and each variant without training (retrieval, or a larger model) cost the
    same per month, at these constraints' updates: the volume that tips "fine-tune or not" on cost alone."""
    priced = [ev for ev in evidence.values() if ev.cost is not None]
    out = []
    for a in (ev for ev in priced if ev.adapter):
        for b in (ev for ev in priced if not ev.adapter and not ev.reference):
            volume = break_even_qpd(a.cost, b.cost, c.updates_per_month)
            cheaper = a.name if a.cost.per_query_usd < b.cost.per_query_usd else b.name
            out.append({"tuned": a.name, "untuned": b.name, "queries_per_day": volume,
                        "cheaper_above": cheaper if volume is not None else None,
                        "cheaper_always": None if volume is not None else (
                            a.name if monthly_usd(a.cost, 1, c.updates_per_month)
                            <= monthly_usd(b.cost, 1, c.updates_per_month) else b.name)})
    return out


def recommend_run(proj: Project | Settings, run_dir: str | Path | None = None, after_dir: str | Path | None = None,
                  *, write: bool = True, task_dir: str | Path | None = None, **overrides) -> dict:
    """Recommend from a run folder (or id) with the project's `[cost]`/`[constraints]`, `overrides` on top
    (queries_per_day, updates_per_month, latency_ms, citations_required, sensitive_data, budget_usd_per_month,
    gpu_available; None keeps the setting). `task_dir`: a task run (`ragtune eval --task`) whose behaviour
    verdict is weighed next to the knowledge one (rule 14). Writes `recommendation.json` into the run folder
    unless `write=False`.
    """
    settings = proj if isinstance(proj, Settings) else proj.settings
    constraints = constraints_from_settings(settings, **overrides)
    run_path, summary, results, manifest = _read_run(settings.runs_dir, run_dir)
    after_path = after_summary = after_results = None
    if after_dir is not None:
        after_path, after_summary, after_results, _ = _read_run(settings.runs_dir, after_dir)
    out = recommend(summary, results, constraints, after_summary=after_summary, after_results=after_results,
                    resamples=settings.eval.bootstrap_resamples, seed=settings.eval.seed, manifest=manifest,
                    prices=settings.cost, margin=settings.eval.equivalence_margin)
    out["run"] = str(run_path)
    out["after_run"] = str(after_path) if after_path is not None else None
    if task_dir is not None:
        task_path, task_summary, task_results, task_manifest = _read_run(settings.runs_dir, task_dir)
        verdict = behaviour_verdict(task_summary)
        retrieves = verdict["winner"] is not None and \
            (task_manifest or Manifest()).retrieves(verdict["winner"], task_results)
        out = with_behaviour(out, verdict, task_path, task_summary, retrieves)
    if write:
        write_text(run_path / RECOMMENDATION, json.dumps(out, indent=2, allow_nan=False) + "\n")
    return out


def _read_run(runs_dir: Path, run: str | Path | None) -> tuple[Path, Summary, list[ResultRecord], Manifest | None]:
    """(folder, summary, results, manifest) of an eval run; a DecisionError that says what to run when it lacks one."""
    try:
        path = run_folder(runs_dir, run)
        summary = read_summary(path)
    except RunError as e:
        raise DecisionError(str(e)) from e
    results = read_results(path)
    if not results:
        raise DecisionError(f"{path} has no results.jsonl answers: run `ragtune eval` first.")
    return path, summary, results, read_manifest(path)


def _freshness(summary: Summary, after_summary: Summary | None) -> dict | None:
    if after_summary is None:
        return summary.freshness
    if not after_summary.freshness:
        raise DecisionError("the after-update run has no freshness figures: make it with "
                            "`ragtune eval -q QUESTIONS --freshness NEW_DOCS` after the documents change.")
    return after_summary.freshness


def _fresh_best(evidence: Mapping[str, VariantEvidence]) -> VariantEvidence | None:
    """The retrieval variant that answered the most changed facts after the update: rule 4's yardstick."""
    fresh = [ev for ev in evidence.values() if ev.retrieval and ev.freshness and ev.freshness.get("n_changed")]
    return max(fresh, key=lambda ev: ev.freshness["correct_changed"]["value"] or 0.0, default=None)


def _missing_from(scored: Sequence[ResultRecord], verdicts: Mapping[str, Verdict]) -> dict[str, Verdict]:
    asked = {r.variant for r in scored}
    return {v: Verdict(vd.excluded + (("9 not in after-run", f"(rule 9) {v} was not asked in the after-update "
                                       "run, so its accuracy on the current documents is unknown."),), vd.notes)
            for v, vd in verdicts.items() if vd.feasible and v not in asked}


def _repriced(summary: Summary, prices: CostSettings | None) -> list[str]:
    """Say so when costs were recomputed at prices other than those the run recorded."""
    recorded = (summary.cost or {}).get("prices")
    if prices is None or not recorded:
        return []
    volume = ("queries_per_day", "updates_per_month")  # the constraints, not prices
    changed = [k for k, x in prices.model_dump().items() if k not in volume and recorded.get(k) != x]
    if not changed:
        return []
    listed = ", ".join(f"{k} {recorded.get(k)} -> {getattr(prices, k)}" for k in changed)
    return [f"(rule 3) costs are recomputed at the [cost] prices of ragtune.toml, not the run's: {listed}."]


def _all_questions(results: Sequence[ResultRecord]) -> list[str]:
    return sorted({r.question_id for r in results})


def _which_run(c: Constraints, use_after: bool, freshness: dict | None, after_results, n: int) -> list[str]:
    if use_after:
        return [f"(rule 9) your documents change {describe_updates(c.updates_per_month)}, so accuracy is measured "
                f"on the after-update run ({n} questions about the current documents, adapters as trained before "
                "the change)."]
    if after_results:
        return [f"(rule 9) updates are rarer than monthly ({describe_updates(c.updates_per_month)}), so accuracy is "
                f"measured on the main run ({n} questions, adapters trained on the same documents); the "
                "after-update run informs rule 4 only."]
    if c.updates_per_month > 0 and freshness:
        return [f"(rule 9) this run was itself measured after an update: accuracy ({n} questions) is on the "
                "current documents, adapters as trained before the change."]
    if c.updates_per_month > 0:
        return [f"(rule 9) your documents change {describe_updates(c.updates_per_month)}, but no after-update run "
                f"was given: accuracy ({n} questions) is measured before any change; run `ragtune eval "
                "--freshness NEW_DOCS` and pass it with --after."]
    return []


def accuracy_unmeasured(results: Sequence[ResultRecord]) -> str | None:
    """Why accuracy says nothing at all about this run, or None when some answer was scored: questions without
    reference answers (a log export) and unanswerable ones give no `contains` to compare variants on."""
    if not results or any(r.metrics.get("contains") is not None for r in results):
        return None
    referenced = {r.question_id: r.referenced for r in results}
    without = sum(not x for x in referenced.values())
    if without == len(referenced):
        return f"none of the {without} questions has a reference answer"
    return (f"no question has an answer to check ({without} without reference answers, "
            f"{len(referenced) - without} unanswerable)")


def _versus_reference(winner: str | None, evidence: Mapping[str, VariantEvidence], scored: Sequence[ResultRecord],
                      questions: Sequence[str], accuracy: Mapping[str, Estimate]) -> list[str]:
    """How much the documents add: the winner against the model without them, on the same questions."""
    ref = "base" if "base" in evidence else next((v for v, ev in evidence.items() if ev.reference), None)
    if winner is None or ref is None or not questions:
        return []
    a, b = pair_with(scored, winner, ref, questions)
    cmp = compare(a, b, (winner, ref))
    if cmp.n == 0:
        return []
    verdict = (f"{winner} is measurably better ({cmp.test}, p = {p_text(cmp.p_value)})" if cmp.better == winner else
               f"the difference is not significant ({cmp.test}, p = {p_text(cmp.p_value)}): on these questions your "
               "documents add nothing measurable yet")
    return [f"(rule 7) {ref}, without your documents, answers {pct_text(accuracy[ref])} of the same {cmp.n} questions, "
            f"{winner} {pct_text(accuracy[winner])}: {verdict}."]


def _candidate(ev: VariantEvidence, vd: Verdict, acc: Estimate, share: float | None, c: Constraints) -> dict:
    f = ev.freshness or {}
    return {
        "variant": ev.name, "role": "reference" if ev.reference else "candidate", "feasible": vd.feasible,
        "excluded_by": [label for label, _ in vd.excluded], "excluded_because": [r for _, r in vd.excluded],
        "notes": list(vd.notes), "retrieval": ev.retrieval, "adapter": ev.adapter, "accuracy": acc.to_json(),
        "win_share": share,
        "monthly_usd": monthly_usd(ev.cost, c.queries_per_day, c.updates_per_month) if ev.cost else None,
        "per_1k_queries_usd": 1000 * ev.cost.per_query_usd if ev.cost else None,
        "update_usd": ev.cost.update_usd if ev.cost else None, "p50_s": ev.p50_s, "retrain_s": ev.retrain_s,
        "answers": ev.answers, "cited_answers": ev.cited_answers,
        "citation_precision": ev.citation_precision.to_json() if ev.citation_precision is not None else None,
        "changed_facts": f.get("correct_changed"), "stale": f.get("stale"), "absorb_s": f.get("absorb_s"),
    }
