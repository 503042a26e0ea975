"""questions_mc.jsonl: every answerable v1 question with four options.

Distractors are values of the same type from the fact table (another bike's price for a price, another
person for a name), the nearest in size for numbers; where the table has too few, plausible made-up
values of the same shape fill in. The right option's slot is balanced over the four with the seeded RNG.
"""

from __future__ import annotations

import math
import random
import re

from fact_table import Fact
from question_bank import SPECS

OPTIONS = 4
_NUMBER = re.compile(r"^(\D*?)(\d[\d,]*(?:\.\d+)?)(.*)$")
NUMERIC_KINDS = {"price", "fee", "bike-weight", "weight", "battery", "range", "torque", "years", "days", "months",
                 "hours", "minutes", "percent", "count", "distance", "load", "brightness", "volume", "pressure", "year"}
EXTRA = {  # same-shaped values for types the fact table holds too few of
    "award": ("Golden Spoke Award", "Benelux Cycling Prize", "Velo Innovation Award"),
    "email": ("service@quellmoor.example", "hello@quellmoor.example", "info@quellmoor.example"),
    "time": ("17:00", "19:00", "12:00", "17:30"),
    "version": ("RideOS 4.0", "RideOS 4.1", "RideOS 3.9"),
    "dimensions": ("72 x 36 x 60 cm", "84 x 40 x 70 cm", "90 x 44 x 72 cm"),
    "ages": ("3 to 5", "5 to 8", "6 to 9"),
}


def _split_number(text: str) -> tuple[str, float, str] | None:
    m = _NUMBER.match(text)
    if not m:
        return None
    return m.group(1), float(m.group(2).replace(",", "")), m.group(3)


def _format_like(template: str, value: float) -> str:
    prefix, old, suffix = _split_number(template)  # type: ignore[misc]
    number = _NUMBER.match(template).group(2)  # type: ignore[union-attr]
    if "." in number:
        text = f"{value:.{len(number.split('.')[1])}f}"
    else:
        text = f"{int(round(value)):,}" if "," in number or value >= 10000 else str(int(round(value)))
    return f"{prefix}{text}{suffix}"


def _perturbed(correct: str, kind: str) -> list[str]:
    """Numbers near the right one, with the same prefix, unit and precision."""
    parts = _split_number(correct)
    if parts is None:
        return []
    _, value, _ = parts
    if kind == "year":
        return [str(int(value) + d) for d in (-3, -2, -1, 1, 2, 3)]
    factors = (0.6, 0.75, 0.8, 1.25, 1.5, 2.0) if value >= 10 else (0.5, 0.75, 1.5, 2.0, 3.0)
    out = []
    for f in factors:
        v = value * f
        if value >= 100:
            v = round(v, -1)
        out.append(_format_like(correct, v))
    return out


def _distance(a: str, b: str) -> float:
    pa, pb = _split_number(a), _split_number(b)
    if pa and pb and pa[1] > 0 and pb[1] > 0:
        return abs(math.log(pa[1]) - math.log(pb[1]))
    return 0.0


def _same_shape(a: str, b: str) -> bool:
    pa, pb = _split_number(a), _split_number(b)
    if pa is None or pb is None:
        return pa is None and pb is None
    return pa[0] == pb[0] and pa[2] == pb[2]


def distractors(fact: Fact, table: dict[str, Fact], rng: random.Random, norm) -> list[str]:
    """Three wrong options of the fact's type, none equal (after normalisation) to an accepted answer."""
    correct = fact.answers[0]
    taken = {norm(a) for a in fact.answers}
    numeric = fact.kind in NUMERIC_KINDS
    pool = [f.answers[0] for f in table.values()
            if f.kind == fact.kind and (not numeric or _same_shape(f.answers[0], correct))]
    pool += EXTRA.get(fact.kind, ())
    if numeric and len({norm(p) for p in pool} - taken) < OPTIONS - 1:
        pool += _perturbed(correct, fact.kind)
    unique: dict[str, str] = {}
    for value in sorted(pool):
        if norm(value) not in taken and norm(value) not in unique:
            unique[norm(value)] = value
    candidates = list(unique.values())
    if numeric:  # the nearest in size are the plausible ones
        candidates = sorted(candidates, key=lambda v: (_distance(v, correct), v))[:6]
    return rng.sample(candidates, OPTIONS - 1)


def mc_questions(questions: list[dict], table: dict[str, Fact], seed: int, norm) -> list[dict]:
    """`norm` is ragtune's answer normaliser, so "€3,490" and "3,490 euros" count as one value."""
    rng = random.Random(f"{seed}/mc")
    answer_key = {s.id: s.keys[-1] for s in SPECS}
    answerable = [q for q in questions if q["answers"]]
    slots = [i % OPTIONS for i in range(len(answerable))]
    rng.shuffle(slots)
    out = []
    for q, slot in zip(answerable, slots):
        fact = table[answer_key[q["id"]]]
        options = distractors(fact, table, rng, norm)
        options.insert(slot, q["answers"][0])
        out.append({**q, "options": options})
    return out
