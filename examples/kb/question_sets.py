"""The question files: questions.jsonl (the v1 state) and questions_v2.jsonl (after the update).

Tags follow from the facts: a question whose facts are equal in both versions is `static`, one whose
answer differs is `changes` in v1 and `updated` in v2 (with `old_answers`), one whose fact is gone is
`removed` in v2 (answers []), one whose fact exists only in v2 is `new`. Sources are the documents that
declared the question's fact keys, so they are exact.
"""

from __future__ import annotations

import random
from typing import Iterable

from fact_table import Fact
from page import Page
from question_bank import SPECS, Spec
from unknowns import UNANSWERABLE

STATIC_CONTROLS = 10  # static questions repeated in questions_v2.jsonl


def record(qid: str, question: str, answers: Iterable[str], sources: Iterable[str], tags: Iterable[str],
           old_answers: Iterable[str] = ()) -> dict:
    out = {"id": qid, "question": question, "answers": list(answers), "sources": sorted(set(sources)),
           "tags": list(tags)}
    if old_answers:
        out["old_answers"] = list(old_answers)
    return out


def sources_of(keys: Iterable[str], docs: dict[str, Page]) -> list[str]:
    keys = set(keys)
    return sorted(doc_id for doc_id, page in docs.items() if page.facts & keys)


def status(spec: Spec, v1: dict[str, Fact], v2: dict[str, Fact]) -> str:
    """"static", "changes", "removed" (answer fact gone in v2) or "new" (answer fact only in v2)."""
    answer_key = spec.keys[-1]
    if answer_key not in v1:
        return "new"
    if answer_key not in v2:
        return "removed"
    return "static" if all(v1.get(k) == v2.get(k) for k in spec.keys) else "changes"


def v1_questions(v1: dict[str, Fact], v2: dict[str, Fact], docs: dict[str, Page]) -> list[dict]:
    out = []
    for spec in SPECS:
        state = status(spec, v1, v2)
        if state == "new":
            continue
        tags = ("static" if state == "static" else "changes",) + spec.tags
        out.append(record(spec.id, spec.question, v1[spec.keys[-1]].answers, sources_of(spec.keys, docs), tags))
    out += [record(u.id, u.question, (), (), ("unanswerable",)) for u in UNANSWERABLE]
    return out


def v2_questions(v1: dict[str, Fact], v2: dict[str, Fact], docs: dict[str, Page], seed: int) -> list[dict]:
    out, statics = [], []
    for spec in SPECS:
        state = status(spec, v1, v2)
        key = spec.keys[-1]
        if state == "changes":
            out.append(record(spec.id, spec.question, v2[key].answers, sources_of(spec.keys, docs),
                              ("updated",) + spec.tags, old_answers=v1[key].answers))
        elif state == "removed":
            out.append(record(spec.id, spec.question, (), (), ("removed",), old_answers=v1[key].answers))
        elif state == "new":
            out.append(record(spec.id, spec.question, v2[key].answers, sources_of(spec.keys, docs), ("new",)))
        elif not spec.tags:
            statics.append(spec)
    for spec in sorted(random.Random(f"{seed}/controls").sample(statics, STATIC_CONTROLS), key=SPECS.index):
        out.append(record(spec.id, spec.question, v2[spec.keys[-1]].answers, sources_of(spec.keys, docs),
                          ("static",)))
    return out
