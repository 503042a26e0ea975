"""Answer quality sections: accuracy (overall, per tag, paired tests), retrieval, hallucination and
abstention, and the forgetting probe."""

from __future__ import annotations

import math

from ragtune import numbers as fmt
from ragtune.report.charts import bar_chart
from ragtune.report.data import CORRECT, RunData
from ragtune.report.elements import Cell, Chart, Section, Table, row

BEHAVIOUR = (("hallucinated", "hallucinated"), ("abstained_correctly", "declined an unanswerable question"),
             ("wrongly_declined", "declined an answerable question"))
RETRIEVAL = ("hit", "recall", "precision", "mrr", "ndcg")
GROUNDING = (("citation_precision", "citation precision"), ("citation_recall", "citation recall"),
             ("groundedness", "groundedness"))


def accuracy_section(run: RunData, colors: dict[str, str]) -> Section:
    title = "Accuracy per variant"
    variants = [v for v in run.variants if run.metric(v, CORRECT)]
    if not variants:
        return Section("accuracy", title, missing="no answerable question was scored in this run "
                       "(every question has empty `answers`, or none has `answers` at all: no reference answer), "
                       "so there is no accuracy to show.")
    overall = bar_chart("chart-accuracy", ["all answerable questions"],
                        {v: [run.metric(v, CORRECT)] for v in variants}, ylabel="correct (%)", colors=colors)
    tags = sorted({t for v in variants for t in run.stats(v).by_tag if run.stats(v).tag(t)})
    charts = [Chart("chart-accuracy", overall, "Correct answers (`contains`), mean and 95 % bootstrap CI.")]
    if tags:
        by_tag = {v: [run.stats(v).tag(t) for t in tags] for v in variants}
        charts.append(Chart("chart-accuracy-by-tag", bar_chart("chart-accuracy-by-tag", tags, by_tag,
                                                               ylabel="correct (%)", colors=colors),
                            "Correct answers per question tag, 95 % CI; small tags have wide intervals."))
    table = Table("table-accuracy", ("variant", "correct", "exact match", "token F1", "questions"), tuple(
        row(v, Cell(fmt.ci(run.metric(v, CORRECT)), "num"), Cell(fmt.ci(run.metric(v, "exact_match")), "num"),
            Cell(fmt.ci(run.metric(v, "f1")), "num"), Cell(str(run.stats(v).n), "num"))
        for v in variants))
    return Section("accuracy", title, paragraphs=(
        "A question counts as correct when the gold answer occurs in the answer (`contains`, docs/metrics.md). "
        "Bars show the mean with its 95 % bootstrap confidence interval; overlapping intervals mean the "
        "difference may be chance, so the paired tests below decide.",),
        charts=tuple(charts), tables=(table, comparisons_table(run)),
        notes=() if tags else ("The questions carry no tags, so there is no per-tag breakdown.",))


def comparisons_table(run: RunData) -> Table:
    """Paired tests on correct answers: which variant is significantly better, if any."""
    rows = [row(*comparison_cells(c)) for c in run.summary.comparisons if c.metric == CORRECT]
    return Table("table-comparisons", ("pair", "difference (a − b)", "test", "p", "questions", "verdict"),
                 tuple(rows), "Paired comparisons on correct answers over the questions both variants answered "
                 "(better only when p < 0.05).")


def comparison_cells(c) -> tuple[Cell | str, ...]:
    """One paired test as table cells: pair, difference (a - b), test, p, questions, verdict (better, equivalent
    within the margin, or not significant with what this n could detect and the questions that would decide)."""
    verdict = Cell(f"{c.better} better", "ok") if c.significant else Cell(_undecided(c))
    diff = fmt.DASH if math.isnan(c.diff) else f"{100 * c.diff:+.0f} pts"
    return (f"{c.a} vs {c.b}", Cell(diff, "num"), c.test, Cell(fmt.p_value(c.p_value), "num"), Cell(str(c.n), "num"),
            verdict)


def _undecided(c) -> str:
    if c.equivalent:
        return f"equivalent within ±{fmt.points_text(c.margin)} pts (90 % CI)"
    if math.isnan(c.mde):  # a summary from before power was recorded, or too few questions
        return "no significant difference"
    need = (f"; ~{c.n_needed:,} questions would decide it" if c.n_needed else
            f"; ~{c.n_equivalence:,} would show equivalence" if c.n_equivalence else "")
    return f"not significant (detects ≥ {fmt.points_text(c.mde)} pts{need})"


def retrieval_section(run: RunData, colors: dict[str, str]) -> Section:
    title = f"Retrieval (document level, k = {run.k})"
    variants = [v for v in run.variants if run.uses_retrieval(v) and run.metric(v, f"hit@{run.k}")]
    if not variants:
        return Section("retrieval", title, missing=f"no retrieval variant in this run (variants: "
                       f"{', '.join(run.variants) or 'none'}); add rag, ft+rag or raft to `ragtune eval --variants` "
                       "to measure retrieval.")
    names = [f"{m}@{run.k}" for m in RETRIEVAL]
    chart = bar_chart("chart-retrieval", names, {v: [run.metric(v, m) for m in names] for v in variants},
                      ylabel="score (%)", colors=colors)
    table = Table("table-retrieval", ("variant", *names, *(label for _, label in GROUNDING)), tuple(
        row(v, *(Cell(fmt.ci(run.metric(v, m)), "num") for m in names),
            *(Cell(fmt.ci(run.metric(v, m)), "num") for m, _ in GROUNDING)) for v in variants))
    return Section("retrieval", title, paragraphs=(
        "Relevant documents are each question's `sources`; hit = any relevant document in the top k, recall = "
        "share of relevant documents found, MRR = 1 / rank of the first one, nDCG with binary gains "
        "(docs/metrics.md). Variants sharing a retriever retrieve the same passages.",),
        charts=(Chart("chart-retrieval", chart, f"Retrieval metrics at k = {run.k}, mean and 95 % CI."),),
        tables=(table,))


def behaviour_section(run: RunData, colors: dict[str, str]) -> Section:
    title = "Hallucination and abstention"
    variants = [v for v in run.variants if any(run.metric(v, m) for m, _ in BEHAVIOUR)]
    if not variants:
        return Section("behaviour", title, missing="no hallucination or abstention metrics in this run's summary "
                       "(re-summarize it with the current ragtune).")
    labels = [label for _, label in BEHAVIOUR]
    chart = bar_chart("chart-behaviour", labels, {v: [run.metric(v, m) for m, _ in BEHAVIOUR] for v in variants},
                      ylabel="share of questions (%)", colors=colors)
    table = Table("table-behaviour", ("variant", *labels, "declined (all questions)"), tuple(
        row(v, *(Cell(fmt.ci(run.metric(v, m)), "num") for m, _ in BEHAVIOUR),
            Cell(fmt.ci(run.metric(v, "declined")), "num")) for v in variants))
    notes = ()
    if not any(run.metric(v, "abstained_correctly") for v in variants):
        notes = ("No unanswerable question (empty `answers`) in this run, so declining correctly is not measured.",)
    return Section("behaviour", title, paragraphs=(
        "Hallucinated: an answerable question answered wrongly without declining, or an unanswerable one "
        "answered at all. A good variant declines unanswerable questions and answers the others.",),
        charts=(Chart("chart-behaviour", chart, "Hallucination and abstention rates, mean and 95 % CI."),),
        tables=(table,), notes=notes)


def forgetting_section(run: RunData, after: RunData | None) -> Section:
    title = "Forgetting probe (general knowledge)"
    source = run if run.summary.forgetting else after if after and after.summary.forgetting else None
    if source is None:
        return Section("forgetting", title, missing="no forgetting probe in this run: add `--forgetting` to "
                       "`ragtune eval` to ask base and each fine-tuned variant general-knowledge questions.")
    probe = source.summary.forgetting
    table = Table("table-forgetting", ("variant", "correct (generated)", "correct (multiple choice)",
                                       "multiple choice, length-normalised"), tuple(
        row(v, *(Cell(fmt.ci(m.get(k)), "num") for k in ("contains", "mc_correct", "mc_correct_norm")))
        for v, m in probe["variants"].items()))
    bullets = tuple(_comparison(c) for c in probe.get("comparisons", []))
    return Section("forgetting", title, paragraphs=(
        f"{probe['questions']} general-knowledge questions shipped with ragtune (run {source.run_id}), asked "
        "without retrieval: a drop from base to a fine-tuned variant is what fine-tuning cost elsewhere.",),
        bullets=bullets, tables=(table,))


def _comparison(c: dict) -> str:
    verdict = f"{c['better']} is better" if c["significant"] else "no significant difference"
    return f"{c['a']} vs {c['b']}: {verdict} (p = {fmt.p_value(c['p_value'])}, {c['test']})"
