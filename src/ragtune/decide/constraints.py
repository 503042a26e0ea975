"""The user's constraints for `ragtune recommend`: volume, how often the documents change, and hard requirements.

Defaults come from `ragtune.toml` (`[cost]` volume and updates, `[constraints]` the rest); the CLI flags
override them. The rules that use each field are in docs/decision.md.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ragtune.config import Settings
from ragtune.errors import DecisionError

# Updates per month for the words `--updates` accepts; 4.3 = 52 weeks / 12 months.
UPDATES_PER_MONTH = {"never": 0.0, "yearly": 1 / 12, "quarterly": 1 / 3, "monthly": 1.0, "weekly": 4.3,
                     "daily": 30.0}


@dataclass(frozen=True)
class Constraints:
    """What the deployment needs. `None` for `latency_ms` / `budget_usd_per_month`: no target."""

    queries_per_day: float = 1000.0
    updates_per_month: float = 4.0
    latency_ms: float | None = None  # p50 seconds per answer (retrieval + generation) must stay under this
    citations_required: bool = False  # every answer must cite the passages it used
    sensitive_data: bool = False  # facts must be deletable and access-controlled
    budget_usd_per_month: float | None = None
    gpu_available: bool = False  # for (re)training

    def __post_init__(self):
        bad = [f"{name} must be >= 0 (got {getattr(self, name)})"
               for name in ("queries_per_day", "updates_per_month") if getattr(self, name) < 0]
        bad += [f"{name} must be > 0, or left unset for no target (got {getattr(self, name)})"
                for name in ("latency_ms", "budget_usd_per_month")
                if getattr(self, name) is not None and getattr(self, name) <= 0]
        if bad:
            raise DecisionError("invalid constraints: " + "; ".join(bad))


def parse_updates(value: str | float) -> float:
    """`weekly` -> 4.3 updates per month; a number is taken as updates per month."""
    if isinstance(value, (int, float)):
        return float(value)
    word = value.strip().lower()
    if word in UPDATES_PER_MONTH:
        return UPDATES_PER_MONTH[word]
    try:
        return float(word)
    except ValueError:
        raise DecisionError(f"--updates {value!r}: use one of {', '.join(UPDATES_PER_MONTH)}, "
                            "or a number of updates per month (e.g. 2)") from None


def describe_updates(per_month: float) -> str:
    """4.3 -> "weekly (4.3 times a month)", 2 -> "2 times a month", 0 -> "never"."""
    if per_month == 0:
        return "never"
    word = next((w for w, n in UPDATES_PER_MONTH.items() if abs(n - per_month) < 1e-9), None)
    number = f"{per_month:.2g} times a month"
    return f"{word} ({number})" if word else number


def constraints_from_settings(settings: Settings, **overrides) -> Constraints:
    """`[cost]` and `[constraints]` from ragtune.toml, then every override that is not None.

    `updates_per_month` may be a word (`weekly`); `latency_ms=0` or `budget_usd_per_month=0` clears a target.
    """
    c, s = settings.constraints, settings.cost
    base = Constraints(queries_per_day=s.queries_per_day, updates_per_month=s.updates_per_month,
                       latency_ms=c.latency_ms, citations_required=c.citations_required,
                       sensitive_data=c.sensitive_data, budget_usd_per_month=c.budget_usd_per_month,
                       gpu_available=c.gpu_available)
    known = {f.name for f in fields(Constraints)}
    unknown = set(overrides) - known
    if unknown:
        raise TypeError(f"unknown constraint(s): {', '.join(sorted(unknown))}")
    given = {k: v for k, v in overrides.items() if v is not None}
    if "updates_per_month" in given:
        given["updates_per_month"] = parse_updates(given["updates_per_month"])
    for target in ("latency_ms", "budget_usd_per_month"):
        if given.get(target) == 0:
            given[target] = None
    return replace(base, **given)
