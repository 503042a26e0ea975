"""The first section: the recommendation (from `ragtune.decide.recommend`) or, without one, the most accurate
variant with its CI, and the key numbers of every variant behind either."""

from __future__ import annotations

from ragtune import numbers as fmt
from ragtune.evaluate.stats import Estimate
from ragtune.report.data import CORRECT, RunData
from ragtune.report.elements import Cell, Section, Table, row

RECOMMEND = ("No recommendation yet: run `ragtune recommend` (e.g. `ragtune recommend --queries-per-day 50000 "
             "--updates weekly --latency-ms 800`) to weigh accuracy, latency, cost and freshness against your "
             "constraints.")


def headline_section(run: RunData, recommendation: dict | None, after: RunData | None) -> Section:
    if recommendation:
        candidates = candidates_table(recommendation.get("candidates"))
        tables = [candidates or overview_table(run, after, recommendation.get("winner"))]
        decided, verdict = recommendation.get("decided_by"), recommendation.get("verdict")
        said = ([f"Verdict: {verdict}."] if verdict else []) + ([f"Decided by: {decided}."] if decided else [])
        return Section("headline", "Recommendation", paragraphs=(str(recommendation.get("headline", "")),),
                       notes=(" ".join(said),) if said else (),
                       bullets=tuple(str(r) for r in recommendation.get("reasons", [])), tables=tuple(tables))
    return Section("headline", "Headline", paragraphs=(best_on_accuracy(run), RECOMMEND),
                   tables=(overview_table(run, after, None),))


def best_on_accuracy(run: RunData) -> str:
    """The most accurate variant with its CI, and whether a paired test separates it from the runner-up."""
    ranked = sorted((v for v in run.variants if run.metric(v, CORRECT)),
                    key=lambda v: run.metric(v, CORRECT).value, reverse=True)
    if not ranked:
        return "No variant has scored answers in this run, so none can be called most accurate."
    best = ranked[0]
    text = f"Most accurate here: {best}, {_correct(run.metric(best, CORRECT))}."
    if len(ranked) == 1:
        return text
    second = ranked[1]
    test = next((c for c in run.summary.comparisons if c.metric == CORRECT and {c.a, c.b} == {best, second}), None)
    if test and test.significant:
        return text + f" It is significantly better than the runner-up {second} (p = {fmt.p_text(test.p_value)}, " \
                      f"{test.test})."
    p = f" (p = {fmt.p_text(test.p_value)})" if test else ""
    settle = "more questions would narrow the intervals"
    if test and test.n_needed:
        settle = f"about {test.n_needed:,} questions would decide it at the observed difference"
    elif test and test.n_equivalence:
        settle = (f"the difference is 0, and about {test.n_equivalence:,} questions would show them equivalent "
                  f"within ±{fmt.points_text(test.margin)} points")
    return text + f" It is not significantly better than the runner-up {second}{p}: {settle}."


def _correct(e: Estimate) -> str:
    return f"{100 * e.value:.0f} % correct (95 % CI {100 * e.low:.0f}–{100 * e.high:.0f} %, n = {e.n})"


def overview_table(run: RunData, after: RunData | None, winner: str | None) -> Table:
    cost = (run.summary.cost or {}).get("variants", {})
    fresh = ((after or run).summary.freshness or {}).get("variants", {})
    volume = (run.summary.cost or {}).get("prices", {}).get("queries_per_day")
    columns = ("variant", "correct", "hallucinated", "p50 latency",
               f"$ / month at {fmt.qpd(volume)} queries/day" if volume else "$ / month", "changed facts after update")
    rows = []
    for v in run.variants:
        rows.append(row(Cell(v + (" (recommended)" if v == winner else ""), "winner" if v == winner else ""),
                        Cell(fmt.ci(run.metric(v, CORRECT)), "num"), Cell(fmt.ci(run.metric(v, "hallucinated")), "num"),
                        Cell(fmt.seconds(run.stats(v).p50_s), "num"),
                        Cell(fmt.usd(cost.get(v, {}).get("monthly_usd")), "num"),
                        Cell(fmt.ci(fresh.get(v, {}).get("correct_changed")), "num")))
    return Table("table-overview", columns, tuple(rows), "The numbers behind the headline (95 % CI, n = questions "
                 "measured); each has its own section below.")


# The recommender's candidate fields worth a column, in order; others stay in recommendation.json.
CANDIDATE_COLUMNS = (("variant", "variant"), ("accuracy", "correct"), ("win_share", "best in (share of resamples)"),
                     ("monthly_usd", "$ / month"), ("p50_s", "p50 latency"),
                     ("changed_facts", "changed facts after update"),
                     ("stale", "stale after update"), ("excluded_by", "excluded by rule"))


def candidates_table(candidates: object) -> Table | None:
    """The recommender's candidates, one row each: the known fields, or every scalar field if none is known."""
    if not isinstance(candidates, list) or not candidates or not all(isinstance(c, dict) for c in candidates):
        return None
    keys = {k for c in candidates for k in c}
    columns = [(k, label) for k, label in CANDIDATE_COLUMNS if k in keys]
    if len(columns) < 2:
        columns = [(k, k.replace("_", " ")) for k in dict.fromkeys(k for c in candidates for k in c)
                   if all(isinstance(c.get(k), (str, int, float, bool, type(None))) for c in candidates)]
    if not columns:
        return None
    return Table("table-candidates", tuple(label for _, label in columns),
                 tuple(row(*(_field(k, c.get(k)) for k, _ in columns)) for c in candidates),
                 "Candidates as the recommender weighed them (all fields: recommendation.json).")


def _field(key: str, x: object) -> Cell:
    if x is None:
        return Cell(fmt.DASH)
    if isinstance(x, dict):
        return Cell(fmt.ci(x), "num")
    if isinstance(x, list):
        return Cell(", ".join(map(str, x)) or fmt.DASH)
    if isinstance(x, bool):
        return Cell("yes" if x else "no")
    if isinstance(x, (int, float)):
        text = (fmt.usd(x) if key.endswith("_usd") else fmt.seconds(x) if key.endswith("_s") else
                fmt.pct(x) if key.endswith("share") else f"{x:.3g}")
        return Cell(text, "num")
    return Cell(str(x))
