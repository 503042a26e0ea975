"""Rule 8's three cases, and where rule 10 (cost) may decide among them (docs/decision.md).

- *better*: one candidate has the highest accuracy in >= 90 % of the bootstrap resamples of the questions;
- *equivalent*: every other contender's paired difference to the leading candidate has its 90 % CI inside
  +-margin (two one-sided tests at 5 %, `[eval] equivalence_margin`). The measurements show them as good as
  each other, so the cheapest at the user's volume wins;
- *undetermined*: neither. Two variants whose intervals span 0-75 % are not shown to be equal, so cost does
  not quietly decide: the headline names the leading candidate (it is the `winner`, so a report has a variant
  to show), the runner-up, and how many questions would settle it; cost stays a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

from ragtune.decide.inputs import Constraints, VariantEvidence
from ragtune.decide.rules import WIN_SHARE, cheapest, contenders, pair_with
from ragtune.evaluate.cost import monthly_usd
from ragtune.evaluate.results import ResultRecord
from ragtune.evaluate.stats import Comparison, Estimate, compare
from ragtune.numbers import difference_text, ms_text, pct, pct_text, points_text, usd_text

BETTER, EQUIVALENT, UNDETERMINED = "better", "equivalent", "undetermined"
ONLY, NONE = "only feasible", "none feasible"


@dataclass(frozen=True)
class Decision:
    """`winner`: the variant to deploy (the leading candidate when undetermined; None when none is feasible);
    `decided_by`: accuracy, cost, latency, undetermined, only feasible or none feasible; `verdict`: better,
    equivalent, undetermined, only feasible or none feasible; `tests`: the leader against every other feasible
    candidate, paired on `contains` with power and equivalence; `tied`: the contenders (rule 8)."""

    winner: str | None
    decided_by: str
    verdict: str
    reasons: tuple[str, ...] = ()
    leader: str | None = None
    runner_up: str | None = None
    tied: tuple[str, ...] = ()
    tests: Mapping[str, Comparison] = field(default_factory=dict)
    cheapest: tuple[str, str] | None = None  # undetermined: rule 10's pick and how ("cost"/"latency"), a reason only

    @property
    def rival(self) -> str | None:
        """Who the winner's lead is measured against: the leader when cost chose another, else the runner-up."""
        return self.leader if self.winner != self.leader else self.runner_up


def decide(feasible: Sequence[str], shares: Mapping[str, float], accuracy: Mapping[str, Estimate],
           evidence: Mapping[str, VariantEvidence], c: Constraints, scored: Sequence[ResultRecord],
           questions: Sequence[str], *, resamples: int, seed: int, margin: float,
           unmeasured: str | None = None) -> Decision:
    """Rules 8 and 10 over the feasible candidates: better, equivalent (cost decides) or undetermined.
    `unmeasured`: why no answer of the run could be scored (no reference answers): then accuracy says nothing
    and, with no evidence to wait for, cost and latency decide, saying so."""
    if not feasible:
        return Decision(None, NONE, NONE)
    if len(feasible) == 1:
        said = (f"(rule 8) accuracy was not measured: {unmeasured}.",) if unmeasured else ()
        return Decision(feasible[0], ONLY, ONLY, said, leader=feasible[0])
    if unmeasured:
        return _unmeasured(feasible, evidence, c, unmeasured)
    ranked = sorted(feasible, key=lambda v: (-shares.get(v, 0.0), -_value(accuracy[v]), feasible.index(v)))
    leader, runner_up = ranked[0], ranked[1]
    tests = {v: _versus(scored, leader, v, questions, resamples, seed, margin) for v in ranked[1:]} if questions \
        else {}
    base = dict(leader=leader, runner_up=runner_up, tests=tests)
    power = _power(tests.get(runner_up))
    if not shares:
        winner, how, reasons = cheapest(feasible, evidence, c)
        return Decision(leader, UNDETERMINED, UNDETERMINED, (
            "(rule 8) no question was answered by every feasible variant, so accuracy cannot compare them "
            f"({', '.join(feasible)}); {leader} is named for its accuracy on its own {accuracy[leader].n} questions.",
            *_cost_as_reason(winner, how, reasons, evidence[winner], c)), tied=tuple(feasible),
            cheapest=(winner, how), **base)
    listed = "; ".join(f"{v} {pct_text(accuracy[v])} (best in {pct(shares[v])})" for v in ranked if v in shares)
    if shares[leader] >= WIN_SHARE:
        return Decision(leader, "accuracy", BETTER, (
            f"(rule 8) better: {leader} has the highest accuracy in {pct(shares[leader])} of {resamples} bootstrap "
            f"resamples of the questions (>= {pct(WIN_SHARE)} needed): {listed}.", *power), tied=(leader,), **base)
    tied = [v for v in ranked if v in contenders(dict(shares))]
    winner, how, reasons = cheapest(tied, evidence, c)
    others = [v for v in tied if v != leader]
    together = f"together they are in {pct(sum(shares[v] for v in tied))}"
    if all(tests[v].equivalent for v in others):
        return Decision(winner, how, EQUIVALENT, (
            f"(rule 8) equivalent: no variant is best in {pct(WIN_SHARE)} of {resamples} resamples ({listed}; "
            f"{together}), and the 90 % CI of {leader}'s difference to {_and(others)} lies inside "
            f"±{points_text(margin)} points ({_differences(tests, others)}).", *power, *reasons), tied=tuple(tied),
            **base)
    return Decision(leader, UNDETERMINED, UNDETERMINED, (
        f"(rule 8) undetermined: no variant is best in {pct(WIN_SHARE)} of {resamples} resamples ({listed}; "
        f"{together}), and the 90 % CI of {leader}'s difference to {_and(others)} reaches beyond "
        f"±{points_text(margin)} points ({_differences(tests, others)}): the measurements cannot tell them apart "
        f"yet; {_settle(tests, others)}.", *power, *_cost_as_reason(winner, how, reasons, evidence[winner], c)),
        tied=tuple(tied), cheapest=(winner, how), **base)


def _unmeasured(feasible: Sequence[str], evidence: Mapping[str, VariantEvidence], c: Constraints,
                why: str) -> Decision:
    """No answer could be scored: no accuracy evidence will come from more of these questions, so cost decides."""
    winner, how, reasons = cheapest(feasible, evidence, c)
    return Decision(winner, how, UNDETERMINED, (
        f"(rule 8) accuracy was not measured: {why} (`answers` in the questions file), so cost and latency "
        f"decide ({', '.join(feasible)}).", *reasons), tied=tuple(feasible))


def _versus(scored: Sequence[ResultRecord], leader: str, other: str, questions: Sequence[str], resamples: int,
            seed: int, margin: float) -> Comparison:
    a, b = pair_with(scored, leader, other, questions)
    return replace(compare(a, b, (leader, other), resamples=resamples, seed=seed, margin=margin), metric="contains")


def _cost_as_reason(winner: str, how: str, reasons: list[str], ev: VariantEvidence, c: Constraints) -> list[str]:
    """Rule 10's figures for an undetermined verdict: shown, but cost does not decide between unequal evidence."""
    pick = (f"cheapest of them at your volume is {winner} ({usd_text(_month(ev, c))}/month)" if how == "cost" else
            f"fastest of them is {winner} ({ms_text(ev.p50_s)} per answer)")
    return [f"(rule 10) cost does not decide an undetermined verdict: the {pick}, the choice once more questions "
            "show them equivalent."] + \
        [r for r in reasons if " wins" not in r]  # the lines that would pick a winner are the sentence above


def _differences(tests: Mapping[str, Comparison], others: Sequence[str]) -> str:
    return "; ".join(f"vs {v}: {_diff(tests[v])}" for v in others)


def _diff(t: Comparison) -> str:
    """The paired difference with its 90 % CI (the interval the equivalence test reads) and its n."""
    return f"difference {difference_text(t.diff, t.eq_low, t.eq_high)} (90 % CI) on {t.n} questions"


def _settle(tests: Mapping[str, Comparison], others: Sequence[str]) -> str:
    """How many questions would settle it: the most that any pair needs, at its observed difference."""
    needed = [tests[v].n_needed for v in others if tests[v].n_needed]
    if needed:
        return f"about {max(needed):,} questions would settle it at the observed difference"
    equal = [tests[v].n_equivalence for v in others if tests[v].n_equivalence]
    if equal:
        return (f"the observed difference is 0: about {max(equal):,} questions would show them equivalent within "
                f"±{points_text(tests[others[0]].margin)} points, if they are")
    return "more questions would settle it"


def _power(t: Comparison | None) -> tuple[str, ...]:
    """Rule 8's power line: what the leader's comparison with the runner-up could have detected."""
    if t is None or t.n == 0 or t.mde != t.mde:  # NaN: too few questions to detect anything
        return ()
    return (f"(rule 8) power: with {t.n} questions a difference smaller than {points_text(t.mde)} points could not "
            f"be detected (80 % power, alpha 0.05; {t.a} vs {t.b} at their observed disagreement).",)


def known_new_reason(known_new: Mapping | None, winner: str | None, rival: str | None) -> list[str]:
    """Which part of the questions the winner's lead over its rival comes from: facts new to the model (the
    reference, `base`, got them wrong closed-book) or facts it already knew; the lead in correct answers of
    each part is its accuracy difference times its questions."""
    parts = (known_new or {}).get("variants") or {}
    if not winner or not rival or winner not in parts or rival not in parts:
        return []
    w, r = parts[winner], parts[rival]
    n = {p: known_new.get(p) or 0 for p in ("known", "new")}
    gain = {p: n[p] * (w[p]["value"] - r[p]["value"]) for p in n
            if n[p] and w[p]["value"] is not None and r[p]["value"] is not None}
    lead = max(gain, key=lambda p: gain[p], default=None)

    def on(p: str, named: bool) -> str:
        if not n[p] or p not in gain:
            return f"no {p} facts measured"
        if named:
            return f"{winner} {pct(w[p]['value'])} vs {rival} {pct(r[p]['value'])} on {n[p]} {p} facts"
        return f"on {n[p]} {p} facts {pct(w[p]['value'])} vs {pct(r[p]['value'])}"

    if lead is None or gain[lead] <= 0:
        return [f"(rule 8) known vs new facts ({known_new.get('reference')} right closed-book or not): "
                f"{on('new', True)}; {on('known', False)}."]
    other = "known" if lead == "new" else "new"
    where = "facts new to the model" if lead == "new" else "facts the model already knew"
    return [f"(rule 8) the lead comes from {where}: {on(lead, True)}; {on(other, False)}."]


def headline(d: Decision, accuracy: Mapping[str, Estimate], evidence: Mapping[str, VariantEvidence],
             excluded: Mapping[str, str], shares: Mapping[str, float], c: Constraints, resamples: int) -> str:
    """One sentence with the verdict word and its numbers; `excluded`: the rule labels of each excluded variant."""
    if d.winner is None:
        why = "; ".join(f"{v}: rule {labels}" for v, labels in excluded.items())
        return f"No variant meets all your constraints ({why}). Relax one of them; the reasons give the numbers."
    w = d.winner
    acc = f"{pct_text(accuracy[w])} correct" if accuracy[w].measured else "accuracy not measured"
    if d.verdict == UNDETERMINED and d.leader is None:  # accuracy not measured at all: cost or latency chose
        how = (f"answers fastest of {_and(d.tied)}" if d.decided_by == "latency" else
               f"is the cheapest of {_and(d.tied)} at your volume ({usd_text(_month(evidence[w], c))}/month)")
        return f"Undetermined on accuracy, which was not measured (no reference answers): use {w}, which {how}."
    if d.verdict == ONLY:
        return f"Use {w}: the only variant that meets your constraints ({acc})."
    if d.verdict == BETTER:
        return (f"Better: use {w}, the most accurate variant that meets your constraints ({acc}, best in "
                f"{pct(shares[w])} of {resamples} resamples).")
    if d.verdict == EQUIVALENT:
        t = max((d.tests[v] for v in d.tied if v != d.leader), key=lambda t: max(abs(t.eq_low), abs(t.eq_high)))
        pick = f"the fastest of them ({ms_text(evidence[w].p50_s)} per answer, {acc})" if d.decided_by == "latency" \
            else f"the cheapest of them at your volume ({usd_text(_month(evidence[w], c))}/month, {acc})"
        return (f"Equivalent: {_and(d.tied)} are equivalent on accuracy within ±{points_text(t.margin)} points "
                f"({t.a} vs {t.b}: {_diff(t)}); use {w}, {pick}.")
    others = [v for v in d.tied if v != d.leader] or [d.runner_up]
    cheap = d.cheapest or cheapest(d.tied, evidence, c)[:2]  # set by `decide`; recomputed for a hand-made one
    n = max((d.tests[v].n for v in others if v in d.tests), default=accuracy[w].n)
    return (f"Undetermined: {w} leads ({pct_text(accuracy[w])}) but cannot be told apart from "
            f"{_and([f'{v} ({pct_text(accuracy[v])})' for v in others])} on {n} questions; "
            f"{_settle(d.tests, [v for v in others if v in d.tests])}. "
            f"{'Cheapest' if cheap[1] == 'cost' else 'Fastest'} of them: {cheap[0]}.")


def _month(ev: VariantEvidence, c: Constraints) -> float | None:
    return monthly_usd(ev.cost, c.queries_per_day, c.updates_per_month) if ev.cost else None


def _and(names: Sequence[str]) -> str:
    return ", ".join(names)


def _value(e: Estimate) -> float:
    return e.value if e.measured else -1.0
