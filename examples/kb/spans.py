"""Values as written in the documents, and the short answer spans a question accepts for them.

One formatter per value type, shared by the prose and the questions, so a gold answer is always
written the way the documents write it (`contains_answer` needs the span contiguous).
"""

from __future__ import annotations


def eur(amount: int | str) -> str:
    """3490 -> "€3,490"; "4.95" -> "€4.95"."""
    return f"€{amount:,}" if isinstance(amount, int) else f"€{amount}"


def euros(amount: int | str) -> str:
    return f"{amount:,} euros" if isinstance(amount, int) else f"{amount} euros"


def kg(weight: float | int) -> str:
    return f"{weight:g} kg"


def unit(value: int, word: str) -> str:
    """4, "year" -> "4 years"; 1, "year" -> "1 year"."""
    return f"{value} {word}{'' if value == 1 else 's'}"


def pct(value: int) -> str:
    return f"{value}%"


def clock_12h(time: str) -> str:
    """ "18:00" -> "6 pm"; "9:30" -> "9:30 am"."""
    hour, minute = (int(p) for p in time.split(":"))
    suffix = "am" if hour < 12 else "pm"
    hour12 = hour % 12 or 12
    return f"{hour12} {suffix}" if minute == 0 else f"{hour12}:{minute:02d} {suffix}"


def national_phone(phone: str) -> str:
    """ "+32 9 555 01 77" -> "09 555 01 77" (how a local caller writes it)."""
    _, area, rest = phone.split(" ", 2)
    return f"0{area} {rest}"


def price_answers(amount: int | str) -> tuple[str, ...]:
    return (eur(amount), euros(amount), f"EUR {amount:,}" if isinstance(amount, int) else f"EUR {amount}")


def kg_answers(weight: float) -> tuple[str, ...]:
    return (kg(weight), f"{weight:g} kilograms")


def unit_answers(value: int, word: str) -> tuple[str, ...]:
    """ "45 days" and "45-day" (as in "a 45-day window")."""
    return (unit(value, word), f"{value}-{word}")


def km_answers(value: int) -> tuple[str, ...]:
    return (f"{value} km", f"{value} kilometres", f"{value} kilometers")


def pct_answers(value: int) -> tuple[str, ...]:
    return (pct(value), f"{value} percent", f"{value} per cent")


def time_answers(time: str) -> tuple[str, ...]:
    twelve = clock_12h(time)
    return (time, twelve, twelve.replace("am", "a.m.").replace("pm", "p.m."))


def phone_answers(phone: str) -> tuple[str, ...]:
    return (phone, national_phone(phone))
