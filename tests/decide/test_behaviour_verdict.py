"""Rules 11-13 on constructed task summaries: ties by paired test, format and facts together, cost decides."""

from ragtune.decide.behaviour import behaviour_verdict
from ragtune.evaluate.results import Summary, VariantSummary
from ragtune.evaluate.stats import Comparison, Estimate


def summary(values: dict[str, dict[str, float]], better: dict[tuple[str, str, str], str], cost: dict[str, float]):
    variants = {v: VariantSummary(40, {m: Estimate(x, max(x - 0.1, 0), min(x + 0.1, 1), 40) for m, x in ms.items()},
                                  {}) for v, ms in values.items()}
    comparisons = []
    names = list(values)
    for metric in ("format_ok", "contains"):
        for i, a in enumerate(names):
            for b in names[i + 1:]:
                winner = better.get((metric, a, b)) or better.get((metric, b, a))
                comparisons.append(Comparison(a, b, 0.0, 0.0, 0.0, 0.01 if winner else 0.5, "mcnemar-exact", 40,
                                              winner is not None, winner, metric))
    return Summary(variants, tuple(comparisons),
                   cost={"variants": {v: {"per_1k_queries_usd": c} for v, c in cost.items()}})


def test_the_variant_that_wins_format_and_ties_on_facts_wins_both():
    s = summary({"fewshot+rag": {"format_ok": 0.58, "contains": 0.64},
                 "task-ft+rag": {"format_ok": 0.97, "contains": 0.61},
                 "rag": {"format_ok": 0.20, "contains": 0.66}},
                {("format_ok", "task-ft+rag", "fewshot+rag"): "task-ft+rag",
                 ("format_ok", "task-ft+rag", "rag"): "task-ft+rag",
                 ("format_ok", "fewshot+rag", "rag"): "fewshot+rag"},
                {"fewshot+rag": 0.05, "task-ft+rag": 0.02, "rag": 0.03})
    v = behaviour_verdict(s)
    assert v["dimensions"]["format"]["ties"] == ["task-ft+rag"]
    assert set(v["dimensions"]["facts"]["ties"]) == {"rag", "fewshot+rag", "task-ft+rag"}
    assert v["both"] == ["task-ft+rag"] and v["winner"] == "task-ft+rag"
    assert v["headline"].startswith("task-ft+rag over fewshot+rag: format 97 % [87-100] vs 58 % [48-68]; "
                                    "facts 61 % [51-71] vs 64 % [54-74] (cannot tell apart)")
    assert v["headline"].endswith("$0.0200 vs $0.0500 per 1k queries")


def test_when_format_cannot_be_told_apart_the_cheapest_wins():
    s = summary({"fewshot": {"format_ok": 0.90}, "task-ft": {"format_ok": 0.93}}, {},
                {"fewshot": 0.09, "task-ft": 0.02})
    v = behaviour_verdict(s)
    assert v["both"] == ["task-ft", "fewshot"] and v["winner"] == "task-ft"
    s = summary({"fewshot": {"format_ok": 0.90}, "task-ft": {"format_ok": 0.93}}, {},
                {"fewshot": 0.01, "task-ft": 0.02})
    assert behaviour_verdict(s)["winner"] == "fewshot"  # no measured format gain: training is not worth it


def test_nothing_measured():
    assert behaviour_verdict(Summary({}))["winner"] is None
