"""Support tickets to Quellmoor Cycles, answered in the house format: the demo's behaviour task.

Each example is a customer message (`input`) and the reply Customer Care would send (`output`): one JSON
object with a `category` (the label), a `priority` and a `reply` that greets the customer by name, states
the one relevant fact from the documents and signs off the house way. Every fact comes from the fact table
(`facts.py`), so `answers` holds the value the reply must state, and a fact the v2 update changes gives
the ticket the tag `changes` and, in `tickets_v2.jsonl`, the new value with the old one in `old_answers`.

Deterministic for a seed: the names, the message wordings and the order are drawn from `random.Random`.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

from facts import Company

CATEGORIES = ("billing", "repair", "returns", "delivery", "warranty", "support")
PRIORITIES = ("low", "normal", "high")
SIGN_OFF = "Kind regards,\nQuellmoor Customer Care"
NAMES = ("Ana", "Bram", "Chloe", "Dries", "Elif", "Femke", "Gust", "Hanne", "Ines", "Jasper", "Kato", "Lotte",
         "Mehdi", "Nora", "Olivier", "Pieter", "Rania", "Senne", "Tess", "Ugo", "Vera", "Wout", "Yara", "Zoe")
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["category", "priority", "reply"],
    "additionalProperties": False,
    "properties": {
        "category": {"enum": list(CATEGORIES)},
        "priority": {"enum": list(PRIORITIES)},
        "reply": {"type": "string", "pattern": "^Hello [A-Z][a-z]+,", "minLength": 30},
    },
}


@dataclass(frozen=True)
class Fact:
    """One thing a customer asks about: its category and priority, how it is asked, how it is answered."""

    key: str
    category: str
    priority: str
    asks: tuple[str, ...]  # message templates ({name} signs the message)
    states: str  # the sentence of the reply that holds the fact, with {value}
    value: str


def facts(c: Company) -> list[Fact]:
    p, s = c.policies, c.support
    out = []
    for b in c.bikes:
        out.append(Fact(f"price:{b.slug}", "billing", "normal",
                        (f"How much does the {b.name} cost?", f"What is the price of a {b.name} at the moment?",
                         f"I'm saving up for the {b.name}. What does it cost now?"),
                        f"The {b.name} costs EUR {{value}}.", f"{b.price:,}"))
    for a in c.accessories:
        out.append(Fact(f"price:{a.slug}", "billing", "low",
                        (f"What does the {a.name} cost?", f"Could you tell me the price of the {a.name}?"),
                        f"The {a.name} costs EUR {{value}}.", str(a.price)))
    for e in c.errors:
        out.append(Fact(f"error:{e.code}", "repair", "high",
                        (f"My {e.drive} display shows {e.code} and the motor stopped. What now?",
                         f"Error {e.code} keeps coming back on my {e.drive}. What does it mean?",
                         f"Urgent: {e.code} on the {e.drive} screen this morning, I need the bike for work."),
                        f"Error {e.code} means {{value}}: please {e.action}.", e.meaning))
    out += [
        Fact("returns:days", "returns", "normal",
             ("How many days do I have to return a bike?", "I changed my mind about my new bike. Can I still return it?",
              "What is your return window for bikes?"),
             "You can return a bike within {value} of delivery.", f"{p.return_days} days"),
        Fact("returns:refund", "returns", "normal",
             ("When will I get my money back after a return?", "How long does a refund take?"),
             "We refund you within {value} of receiving the bike.", f"{p.refund_days} days"),
        Fact("delivery:fee", "delivery", "low",
             ("What does home delivery of a bike cost?", "Is delivery of a bike to my house free?"),
             "Home delivery of a bike costs EUR {value}.", str(p.delivery_fee)),
        Fact("delivery:free", "delivery", "low",
             ("From what amount is accessory shipping free?", "Do you ship accessories for free?"),
             "Accessories ship free on orders over EUR {value}.", str(p.free_shipping_over)),
        Fact("warranty:frame", "warranty", "normal",
             ("How long is the frame warranty?", "My frame cracked after three years. Is that covered?"),
             "Our frames carry a {value} warranty.", f"{p.frame_warranty_years} years"),
        Fact("warranty:battery", "warranty", "normal",
             ("How long is the battery under warranty?", "My battery holds less charge now. Is it still covered?"),
             "The battery warranty lasts {value}.", f"{p.battery_warranty_years} years"),
        Fact("warranty:motor", "warranty", "normal",
             ("What warranty do you give on the motor?", "Is the motor of my e-bike covered, and for how long?"),
             "The motor is covered for {value}.", f"{p.motor_warranty_years} years"),
        Fact("support:close", "support", "low",
             ("Until what time can I call you on weekdays?", "When does your phone line close on weekdays?"),
             "Our phone line is open on weekdays until {value}.", s.weekday_close),
        Fact("support:saturday", "support", "low",
             ("Are you open on Saturday, and until when?", "Can I reach support on Saturdays?"),
             "On Saturdays we are open until {value}.", s.saturday_close),
        Fact("billing:finance", "billing", "normal",
             ("Can I pay for a bike in instalments?", "Do you offer interest-free financing?"),
             "You can spread the price over {value} without interest.", f"{p.finance_months} months"),
        Fact("billing:tradein", "billing", "low",
             ("How much do I get if I trade in my old bike?", "What is your trade-in offer?"),
             "We credit {value} of the original price for a trade-in.", f"{p.trade_in_pct}%"),
        Fact("support:service", "support", "normal",
             ("When is the first service due?", "After how many kilometres should I bring my bike in?"),
             "The first service is due after {value}.", f"{s.first_service_km} km"),
    ]
    return out


def reply(name: str, fact: Fact, value: str) -> str:
    return f"Hello {name},\n\nThank you for your message. {fact.states.format(value=value)}\n\n{SIGN_OFF}"


def tickets(v1: Company, v2: Company, seed: int, per_fact: int = 9) -> tuple[list[dict], list[dict]]:
    """(v1 tickets, v2 tickets): the same ids; v2 states the updated facts with the v1 value as old_answers.
    A fact absent from v2 (a discontinued bike) keeps its v1 ticket and has no v2 one."""
    rng = random.Random(seed)
    after = {f.key: f for f in facts(v2)}
    out1, out2 = [], []
    n = 0
    for fact in facts(v1):
        for k in range(per_fact):
            name = rng.choice(NAMES)
            ask = fact.asks[k % len(fact.asks)]
            opener = rng.choice(("Hi,", "Hello,", "Good morning,", "Dear Quellmoor,"))
            message = f"{opener}\n{ask}\n{rng.choice(('Thanks', 'Regards', 'Best'))}, {name}"
            new = after.get(fact.key)
            changed = new is not None and new.value != fact.value
            tags = [fact.category] + (["changes"] if changed else []) + (["removed"] if new is None else [])
            n += 1
            tid = f"ticket-{n:03d}"
            base = {"id": tid, "input": message, "label": fact.category, "tags": tags}
            out1.append({**base, "output": _output(fact, name, fact.value), "answers": [fact.value]})
            if new is not None:
                row = {**base, "output": _output(new, name, new.value), "answers": [new.value]}
                if changed:
                    row["old_answers"] = [fact.value]
                out2.append(row)
    order = list(range(len(out1)))
    rng.shuffle(order)
    index = {row["id"]: i for i, row in enumerate(out1)}
    out1 = [out1[i] for i in order]
    out2 = sorted(out2, key=lambda r: order.index(index[r["id"]]))
    return out1, out2


def _output(fact: Fact, name: str, value: str) -> str:
    return json.dumps({"category": fact.category, "priority": fact.priority, "reply": reply(name, fact, value)},
                      ensure_ascii=False)


def lines(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")


def schema_bytes() -> bytes:
    return (json.dumps(SCHEMA, indent=2) + "\n").encode("utf-8")
