"""The per-question drill-down: each question with its gold answer and every variant's answer, citations
and verdict, plus whether the variants disagree (the filter's "only where variants disagree")."""

from __future__ import annotations

from dataclasses import dataclass

from ragtune.evaluate.results import ResultRecord
from ragtune.report.data import CORRECT, RunData


@dataclass(frozen=True)
class VariantAnswer:
    text: str
    cited: tuple[str, ...]
    verdict: str  # "ok", "bad" or "na" (not scored)
    label: str


@dataclass(frozen=True)
class QuestionRow:
    id: str
    question: str
    gold: tuple[str, ...]
    tags: tuple[str, ...]
    answers: tuple[VariantAnswer | None, ...]  # one per variant, None where the variant did not answer
    referenced: bool = True  # False: no reference answer (a log export), so an empty `gold` is not "decline"

    @property
    def disagree(self) -> bool:
        """True when the scored variants do not all get the same verdict."""
        return len({a.verdict for a in self.answers if a is not None and a.verdict != "na"}) > 1


def question_rows(run: RunData) -> list[QuestionRow]:
    """Questions in the order the run asked them; answers in the order of `run.variants`."""
    by_question: dict[str, dict[str, ResultRecord]] = {}
    for r in run.results:
        by_question.setdefault(r.question_id, {})[r.variant] = r
    rows = []
    for qid, answers in by_question.items():
        first = next(iter(answers.values()))
        rows.append(QuestionRow(qid, first.question, first.gold, first.tags,
                                tuple(_answer(answers[v]) if v in answers else None for v in run.variants),
                                first.referenced))
    return rows


def _answer(record: ResultRecord) -> VariantAnswer:
    metrics = record.metrics
    correct = metrics.get(CORRECT)
    if correct is not None:
        verdict, label = ("ok", "correct") if correct else ("bad", "wrong")
    elif not record.gold and metrics.get("abstained_correctly") is not None:
        verdict, label = (("ok", "declined, rightly") if metrics["abstained_correctly"]
                          else ("bad", "answered; should decline"))
    else:
        verdict, label = "na", "not scored"
    return VariantAnswer(record.answer, record.cited_doc_ids, verdict, label)


def all_tags(rows: list[QuestionRow]) -> list[str]:
    return sorted({t for r in rows for t in r.tags})
