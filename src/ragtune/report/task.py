"""The task (behaviour) section: format, labels, style and facts per variant of a `ragtune eval --task` run,
cost against format adherence, and the behaviour verdict (docs/decision.md, rules 11-14)."""

from __future__ import annotations

from pathlib import Path

from ragtune import numbers as fmt
from ragtune.report.charts import bar_chart, scatter_chart
from ragtune.report.data import RunData
from ragtune.report.elements import Cell, Chart, Section, Table, row
from ragtune.report.quality import comparison_cells

# (metric, label): the dimensions the chart and the table show, where the run measured them.
DIMENSIONS = (("format_ok", "format"), ("label_correct", "labels"), ("style", "style"), ("judge_tone", "tone (judge)"),
              ("contains", "facts"), ("stale", "stale facts"))
TABLE = DIMENSIONS[:4] + (("closeness", "chrF"),) + DIMENSIONS[4:]


def task_section(task: RunData | None, colors: dict[str, str], verdict: dict | None = None) -> Section:
    """`task`: the task run (None: none was given); `verdict`: `behaviour_verdict` of its summary."""
    title = "Behaviour: format, labels, style (task examples)"
    if task is None:
        return Section("task", title, missing="no task run in this report: `ragtune eval --task FILE` measures "
                       "format, labels and style on held-out examples; pass its run to `ragtune report --task RUN`.")
    behaviour = task.summary.extra.get("behaviour") or {}
    shown = [(m, label) for m, label in DIMENSIONS if any(task.metric(v, m) for v in task.variants)]
    if not shown:
        return Section("task", title, missing=f"run {task.run_id} measured none of format, labels, style or facts.")
    charts = [Chart("chart-task", bar_chart("chart-task", [label for _, label in shown],
                                            {v: [_plain(task.metric(v, m)) for m, _ in shown] for v in task.variants},
                                            ylabel="share of held-out examples (%)", colors=colors),
                    "Each dimension per variant, mean and 95 % bootstrap CI (stale: lower is better).")]
    cost = {v: (c or {}).get("per_1k_queries_usd") for v, c in ((task.summary.cost or {}).get("variants") or {}).items()}
    points = [(v, cost[v], _plain(task.metric(v, "format_ok"))) for v in task.variants
              if cost.get(v) is not None and task.metric(v, "format_ok")]
    if points:
        charts.append(Chart("chart-task-cost", scatter_chart("chart-task-cost", points, xlabel="US$ per 1k queries",
                                                             ylabel="format adherence (%)", colors=colors),
                            "What format adherence costs per query: few-shot and passages make prompts longer."))
    name = Path(behaviour["task"]).name if behaviour.get("task") else "the task"
    paragraphs = [f"{task.summary.variants[task.variants[0]].n} held-out examples of {name} "
                  f"({behaviour.get('train', '?')} to learn from; split seed {behaviour.get('split_seed', '?')}), "
                  f"run {task.run_id}. `format` = every configured check passes ({', '.join(behaviour.get('checks') or ['none'])}); "
                  "labels = the label field equals the reference; style = the classifier's probability that an "
                  "output reads like the user's own examples; facts = the reference's facts occur in the output "
                  "(docs/metrics.md, Task behaviour)."]
    if verdict and verdict.get("winner"):
        paragraphs.append(f"Verdict (rules 11-13): use {verdict['winner']}. {verdict['headline']}.")
    return Section("task", title, paragraphs=tuple(paragraphs), charts=tuple(charts),
                   tables=(_table(task, cost, behaviour), _comparisons(task)), notes=_style_note(behaviour))


def _table(task: RunData, cost: dict, behaviour: dict) -> Table:
    macro = behaviour.get("macro_f1") or {}
    shown = [(m, label) for m, label in TABLE if any(task.metric(v, m) for v in task.variants)]
    columns = ("variant", *(label for _, label in shown), *(("macro-F1",) if macro else ()), "prompt tokens",
               "$ / 1k queries")
    rows = []
    for v in task.variants:
        tokens = task.stats(v).tokens.prompt
        rows.append(row(v, *(Cell(fmt.ci(task.metric(v, m)), "num") for m, _ in shown),
                        *((Cell(fmt.ci(macro.get(v)), "num"),) if macro else ()),
                        Cell(fmt.DASH if tokens is None else f"{tokens:.0f}", "num"),
                        Cell(fmt.usd(cost.get(v)), "num")))
    return Table("table-task", columns, tuple(rows), "Mean with 95 % bootstrap CI; macro-F1 over the label set.")


def _comparisons(task: RunData) -> Table:
    names = dict(TABLE)
    rows = tuple(row(names[c.metric], *comparison_cells(c)) for c in task.summary.comparisons if c.metric in names)
    return Table("table-task-comparisons", ("dimension", "pair", "difference (a − b)", "test", "p", "examples",
                                            "verdict"), rows,
                 "Paired tests over the examples both variants answered (better only when p < 0.05).")


def _style_note(behaviour: dict) -> tuple[str, ...]:
    style = behaviour.get("style") or {}
    if not style:
        return ()
    auc = style.get("auc")
    if style.get("usable"):
        return (f"Style classifier: cross-validated AUC {auc:.2f} (at least {style.get('min_auc')}: scores shown).",)
    return (f"Style classifier: cross-validated AUC {'not measured' if auc is None else f'{auc:.2f}'}, below "
            f"{style.get('min_auc')}: it cannot tell the styles apart, so no style score is shown.",)


def _plain(estimate) -> dict | None:
    return None if estimate is None else estimate.to_json()
