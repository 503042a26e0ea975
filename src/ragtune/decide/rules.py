"""The rules of docs/decision.md, each returning sentences that cite its number and the measured figures.

Rules 1-7 (`judge`): hard constraints that exclude a variant, and warnings that do not. Rule 8 (`win_shares`):
the questions every candidate answered are resampled with replacement; in each resample the candidate(s) with
the highest accuracy win it, a tie splitting the win evenly, so "which one is best?" is asked directly for any
number of candidates, where pairwise tests would need a multiple-comparison correction (what the shares mean,
better, equivalent or undetermined, is `ragtune.decide.verdict`). Rule 10 (`cheapest`): among contenders shown
equivalent, the cheapest at the user's volume wins, with the break-even volume that would flip the choice;
latency breaks what cost cannot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from ragtune.decide.inputs import Constraints, VariantEvidence, describe_updates
from ragtune.evaluate.cost import DAYS_PER_MONTH, break_even_qpd, monthly_usd
from ragtune.evaluate.results import ResultRecord
from ragtune.evaluate.stats import Estimate, bootstrap_ci
from ragtune.numbers import ms_text, pct_text, qpd, seconds_text, usd_text

FREQUENT_UPDATES = 1.0  # updates/month from which a closed-book fine-tuned variant is excluded (rule 4)
MONTH_S = DAYS_PER_MONTH * 86400
WIN_SHARE = 0.90  # a winner must hold this share of resamples; the contenders together hold at least this
_CELLS_PER_BLOCK = 4_000_000  # resampled cells held in memory at once


# -- rules 1-7: feasibility -----------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    """`excluded`: (short label, reason) per failed hard constraint; `notes`: reasons that do not exclude."""

    excluded: tuple[tuple[str, str], ...]
    notes: tuple[str, ...]

    @property
    def feasible(self) -> bool:
        return not self.excluded


def judge(ev: VariantEvidence, c: Constraints, fresh_best: VariantEvidence | None = None) -> Verdict:
    """Every hard constraint for one variant. `fresh_best`: the retrieval variant that answered the most
    changed facts after the update (the yardstick in rule 4's reason)."""
    if ev.reference:
        return Verdict((("7 reference", f"(rule 7) {ev.name} uses none of your documents (no passages, no "
                                        f"adapter; {_correct(ev.contains)}): it is the reference the others "
                                        "are measured against, never the recommendation."),), ())
    excluded: list[tuple[str, str]] = []
    notes: list[str] = []
    for rule in (_citations, _latency, _budget):
        out = rule(ev, c)
        if out:
            excluded.append(out)
    updates = _updates(ev, c, fresh_best)
    if updates and updates[0]:
        excluded.append(updates)
    elif updates:
        notes.append(updates[1])
    sensitive = _sensitive(ev, c)
    if sensitive:
        excluded.append(sensitive)
    notes += [n for n in (_cost_unknown(ev, c), _hybrid_staleness(ev, c)) if n]
    return Verdict(tuple(excluded), tuple(notes))


def _citations(ev: VariantEvidence, c: Constraints) -> tuple[str, str] | None:
    if not c.citations_required or ev.retrieval:
        return None
    return ("1 citations", f"(rule 1) citations required: {ev.name} retrieves no passages, so it has none to cite "
                           f"(it cited a document in {ev.cited_answers} of {ev.answers} answers; citation "
                           f"precision {pct_text(ev.citation_precision)}).")


def _latency(ev: VariantEvidence, c: Constraints) -> tuple[str, str] | None:
    if c.latency_ms is None or ev.p50_s is None or 1000 * ev.p50_s <= c.latency_ms:
        return None
    return ("2 latency", f"(rule 2) latency target {c.latency_ms:,.0f} ms: {ev.name} takes {ms_text(ev.p50_s)} per "
                         f"answer (median, retrieval + generation).")


def _budget(ev: VariantEvidence, c: Constraints) -> tuple[str, str] | None:
    if c.budget_usd_per_month is None or ev.cost is None:
        return None
    monthly = monthly_usd(ev.cost, c.queries_per_day, c.updates_per_month)
    if monthly <= c.budget_usd_per_month:
        return None
    return ("3 budget", f"(rule 3) budget {usd_text(c.budget_usd_per_month)}/month: {ev.name} costs "
                        f"{usd_text(monthly)}/month at {qpd(c.queries_per_day)} queries/day and "
                        f"{c.updates_per_month:.2g} updates/month ({usd_text(1000 * ev.cost.per_query_usd)} per 1k "
                        f"queries, {usd_text(ev.cost.update_usd)} per update).")


def _cost_unknown(ev: VariantEvidence, c: Constraints) -> str | None:
    if ev.cost is not None or c.budget_usd_per_month is None:
        return None
    return (f"(rule 3) {ev.name} has no cost figures in this run (0 measured answers or no summary.cost), so the "
            f"budget of {usd_text(c.budget_usd_per_month)}/month could not be checked.")


def _updates(ev: VariantEvidence, c: Constraints, fresh_best: VariantEvidence | None) -> tuple[str, str] | None:
    """(label, reason) to exclude, ("", note) to warn, None when the rule does not apply."""
    upm = c.updates_per_month
    if not ev.closed_book_tuned or upm <= 0:
        return None
    interval_s = MONTH_S / upm
    cost = f", {usd_text(ev.cost.update_usd)} each" if ev.cost else ""
    retrain = (f"every update needs a retrain ({seconds_text(ev.retrain_s)} measured{cost}; "
               f"{seconds_text(ev.retrain_s * upm)} of retraining a month)" if ev.retrain_s is not None
               else "every update needs a retrain (its time was not measured)")
    evidence = _stale_evidence(ev, fresh_best)
    head = f"your documents change {describe_updates(upm)}: {ev.name} knows only what it was trained on, so {retrain}"
    if ev.retrain_s is not None and ev.retrain_s >= interval_s:
        return ("4 updates", f"(rule 4) {head}, longer than the {seconds_text(interval_s)} between updates; "
                             f"{evidence}.")
    if upm >= FREQUENT_UPDATES:
        return ("4 updates", f"(rule 4) {head}; {evidence}.")
    return ("", f"(rule 4) {head}, counted in its monthly cost; {evidence}.")


def _stale_evidence(ev: VariantEvidence, fresh_best: VariantEvidence | None) -> str:
    f = ev.freshness
    if not f or not f.get("n_changed"):
        return ("how it answers changed facts was not measured (run `ragtune eval --freshness NEW_DOCS` and "
                "pass that run with --after)")
    text = (f"after an update, before its retrain, it answered {pct_text(f['correct_changed'])} of {f['n_changed']} "
            f"changed facts (stale answers: {pct_text(f['stale'])})")
    if fresh_best is not None and fresh_best.freshness:
        b = fresh_best.freshness
        text += f", {fresh_best.name} {pct_text(b['correct_changed'])} after a {seconds_text(b['absorb_s'])} index sync"
    return text


def _hybrid_staleness(ev: VariantEvidence, c: Constraints) -> str | None:
    """A fine-tuned variant with retrieval absorbs an update by index sync, but may answer from its weights."""
    f = ev.freshness
    if c.updates_per_month <= 0 or not ev.adapter or not ev.retrieval or not f or not f.get("n_changed"):
        return None
    stale = f.get("stale") or {}
    if not stale.get("value"):
        return None
    return (f"(rule 4) {ev.name} absorbs an update by an index sync ({seconds_text(f['absorb_s'])}) but still gave the "
            f"old value for {pct_text(stale)} of {f['n_changed']} changed facts, from its weights, until retrained.")


def _sensitive(ev: VariantEvidence, c: Constraints) -> tuple[str, str] | None:
    if not c.sensitive_data or not ev.adapter:
        return None
    trained = f"trained for {seconds_text(ev.retrain_s)}" if ev.retrain_s is not None else "trained"
    recall = (f" (with no passages it answers {pct_text(ev.contains)} of the questions from its weights)"
              if ev.closed_book_tuned and ev.contains is not None and ev.contains.measured else "")
    return ("5 sensitive", f"(rule 5) sensitive data: {ev.name}'s weights were {trained} on text from your "
                           f"documents{recall}, and a fact in the weights cannot be deleted or restricted per user; "
                           "a retrieval variant keeps it in the index, where deletes and metadata filters apply.")


def _correct(e: Estimate | None) -> str:
    """Accuracy in a sentence: "40 % [20-60] correct", or "accuracy not measured" (no reference answers)."""
    return f"{pct_text(e)} correct" if e is not None and e.measured else "accuracy not measured"


def no_gpu_note(evidence: Sequence[VariantEvidence], c: Constraints) -> str | None:
    """Rule 6, once for all fine-tuned variants still in the running: a warning, never an exclusion."""
    timed = [ev for ev in evidence if ev.adapter and ev.retrain_s is not None]
    if c.gpu_available or not timed:
        return None
    took = ", ".join(f"{ev.name} {seconds_text(ev.retrain_s)}" for ev in timed)
    return (f"(rule 6) no GPU: training (synthesis + LoRA) took {took} with this run's generator on the machine "
            "that trained it; the time grows with model size and training tokens, so fine-tuning a larger "
            "generator without a GPU is impractical: time one run before you commit to it.")


# -- rule 8: accuracy -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Paired:
    """Per question (rows) and variant (columns): 1 if the answer contained the gold answer, else 0."""

    variants: tuple[str, ...]
    questions: tuple[str, ...]
    correct: np.ndarray


def paired_correct(results: Sequence[ResultRecord], variants: Sequence[str]) -> Paired:
    """`contains` of the questions that every one of `variants` answered with a measured value."""
    by = _contains(results, variants)
    shared = set.intersection(*({q for q, x in by[v].items() if x is not None} for v in variants)) if variants \
        else set()
    questions = tuple(sorted(shared))
    matrix = np.array([[float(by[v][q]) for v in variants] for q in questions], dtype=float)
    return Paired(tuple(variants), questions, matrix.reshape(len(questions), len(variants)))


def win_shares(paired: Paired, *, resamples: int = 2000, seed: int = 0) -> dict[str, float]:
    """Share of bootstrap resamples of the questions in which each variant has the highest accuracy."""
    n_q, n_v = paired.correct.shape
    if n_v == 0 or n_q == 0:
        return {}
    rng = np.random.default_rng(seed)
    wins = np.zeros(n_v)
    block = max(1, _CELLS_PER_BLOCK // (n_q * n_v))
    for start in range(0, resamples, block):
        size = min(block, resamples - start)
        correct = paired.correct[rng.integers(0, n_q, size=(size, n_q))].sum(axis=1)  # (size, n_v) counts
        top = correct == correct.max(axis=1, keepdims=True)  # 0/1 sums: exact ties, no float noise
        wins += (top / top.sum(axis=1, keepdims=True)).sum(axis=0)
    return {v: float(w / resamples) for v, w in zip(paired.variants, wins)}


def contenders(shares: dict[str, float], threshold: float = WIN_SHARE) -> list[str]:
    """The fewest top variants whose win shares add up to `threshold`; equal shares at the cut all stay in."""
    ranked = sorted(shares, key=lambda v: -shares[v])
    chosen: list[str] = []
    total = 0.0
    for v in ranked:
        if total >= threshold - 1e-9 and shares[v] < shares[chosen[-1]] - 1e-12:
            break
        chosen.append(v)
        total += shares[v]
    return chosen


def accuracy_on(results: Sequence[ResultRecord], variant: str, questions: Sequence[str], *, resamples: int = 2000,
                seed: int = 0) -> Estimate:
    """`contains` of one variant over `questions`: mean and 95 % CI (NaN where nothing was measured)."""
    wanted = set(questions)
    values = [r.metrics.get("contains") for r in results if r.variant == variant and r.question_id in wanted]
    return bootstrap_ci(values, resamples=resamples, seed=seed)


def pair_with(results: Sequence[ResultRecord], a: str, b: str, questions: Sequence[str]) -> tuple[list, list]:
    """`contains` of a and b aligned by question over `questions`, for a paired test."""
    by = _contains(results, (a, b))
    return [by[a].get(q) for q in questions], [by[b].get(q) for q in questions]


def _contains(results: Sequence[ResultRecord], variants: Sequence[str]) -> dict[str, dict[str, float | None]]:
    return {v: {r.question_id: r.metrics.get("contains") for r in results if r.variant == v} for v in variants}


# -- rule 10: cost ---------------------------------------------------------------------------------

def cheapest(names: Sequence[str], evidence: Mapping[str, VariantEvidence],
             c: Constraints) -> tuple[str, str, list[str]]:
    """(winner, "cost" or "latency", reasons) among `names`, at `c.queries_per_day` and `c.updates_per_month`."""
    priced = [v for v in names if evidence[v].cost is not None]
    if not priced:
        return _fastest(names, evidence)
    monthly = {v: monthly_usd(evidence[v].cost, c.queries_per_day, c.updates_per_month) for v in priced}
    winner = min(priced, key=lambda v: (round(monthly[v], 9), _p50(evidence[v])))
    others = ", ".join(f"{v} {usd_text(monthly[v])}" for v in priced if v != winner)
    reasons = [f"(rule 10) at {qpd(c.queries_per_day)} queries/day and {c.updates_per_month:.2g} updates/month, "
               f"{winner} costs {usd_text(monthly[winner])}/month"
               + (f", the least of them ({others})." if others else ".")]
    if any(round(monthly[v], 9) == round(monthly[winner], 9) for v in priced if v != winner):
        reasons.append(f"(rule 10) equal monthly cost: {winner} wins on latency ({ms_text(evidence[winner].p50_s)} "
                       "per answer, median).")
    reasons += [_break_even(evidence[winner], evidence[v], c) for v in priced if v != winner]
    unpriced = [v for v in names if v not in priced]
    if unpriced:
        reasons.append(f"(rule 10) {', '.join(unpriced)}: no cost measured, so not compared on cost.")
    return winner, "cost", reasons


def _break_even(w: VariantEvidence, b: VariantEvidence, c: Constraints) -> str:
    wc, bc = w.cost, b.cost
    volume = break_even_qpd(wc, bc, c.updates_per_month)
    if volume is None:
        return (f"(rule 10) {w.name} is cheaper than {b.name} at every volume: {usd_text(1000 * wc.per_query_usd)} "
                f"vs {usd_text(1000 * bc.per_query_usd)} per 1k queries, {usd_text(wc.update_usd)} vs "
                f"{usd_text(bc.update_usd)} per update.")
    side = "above" if wc.per_query_usd < bc.per_query_usd else "below"
    other = "below" if side == "above" else "above"
    return (f"(rule 10) {w.name} and {b.name} break even at {qpd(volume)} queries/day ({c.updates_per_month:.2g} "
            f"updates/month): {w.name} is cheaper {side} it, {b.name} {other} it, so your volume of "
            f"{qpd(c.queries_per_day)}/day tips the choice.")


def _fastest(names: Sequence[str], evidence: Mapping[str, VariantEvidence]) -> tuple[str, str, list[str]]:
    winner = min(names, key=lambda v: _p50(evidence[v]))
    times = ", ".join(f"{v} {ms_text(evidence[v].p50_s)}" for v in names)
    return winner, "latency", [f"(rule 10) no cost figures in this run (summary.cost is missing), so the fastest "
                               f"wins: median time per answer {times}."]


def _p50(ev: VariantEvidence) -> float:
    return ev.p50_s if ev.p50_s is not None else float("inf")
