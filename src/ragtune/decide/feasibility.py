"""Rules 1-7 of docs/decision.md: hard constraints that exclude a variant, and warnings that do not.

Each rule returns sentences tied to the variant's measured numbers and cites its rule number, so a
reader can check the exclusion against summary.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ragtune.decide.constraints import Constraints, describe_updates
from ragtune.decide.evidence import VariantEvidence
from ragtune.numbers import ms_text, pct_text, qpd, seconds_text, usd_text
from ragtune.evaluate.cost import DAYS_PER_MONTH, monthly_usd

FREQUENT_UPDATES = 1.0  # updates/month from which a closed-book fine-tuned variant is excluded (rule 4)
MONTH_S = DAYS_PER_MONTH * 86400


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
                                        f"adapter; {pct_text(ev.contains)} correct): it is the reference the others "
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
    return ("3 budget", f"(rule 3) budget {usd_text(c.budget_usd_per_month)}/month: {ev.name} costs {usd_text(monthly)}/month "
                        f"at {qpd(c.queries_per_day)} queries/day and {c.updates_per_month:.2g} updates/month "
                        f"({usd_text(1000 * ev.cost.per_query_usd)} per 1k queries, {usd_text(ev.cost.update_usd)} per update).")


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
        return ("4 updates", f"(rule 4) {head}, longer than the {seconds_text(interval_s)} between updates; {evidence}.")
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
              if ev.closed_book_tuned and ev.contains else "")
    return ("5 sensitive", f"(rule 5) sensitive data: {ev.name}'s weights were {trained} on text from your "
                           f"documents{recall}, and a fact in the weights cannot be deleted or restricted per user; "
                           "a retrieval variant keeps it in the index, where deletes and metadata filters apply.")


def no_gpu_note(evidence: Sequence[VariantEvidence], c: Constraints) -> str | None:
    """Rule 6, once for all fine-tuned variants still in the running: a warning, never an exclusion."""
    timed = [ev for ev in evidence if ev.adapter and ev.retrain_s is not None]
    if c.gpu_available or not timed:
        return None
    took = ", ".join(f"{ev.name} {seconds_text(ev.retrain_s)}" for ev in timed)
    return (f"(rule 6) no GPU: training (synthesis + LoRA) took {took} with this run's generator on the machine "
            "that trained it; the time grows with model size and training tokens, so fine-tuning a larger "
            "generator without a GPU is impractical: time one run before you commit to it.")
