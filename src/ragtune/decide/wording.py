"""How the recommendation writes measured numbers, so every reason reads the same way ("47 % [21-73]")."""

from __future__ import annotations

import math

from ragtune.evaluate.cost import format_usd


def pct(e: dict | None) -> str:
    """An estimate `{value, low, high}` as "47 % [21-73]"; "not measured" without a value."""
    if not e or e.get("value") is None:
        return "not measured"
    if e.get("low") is None or e.get("high") is None:
        return f"{100 * e['value']:.0f} %"
    return f"{100 * e['value']:.0f} % [{100 * e['low']:.0f}-{100 * e['high']:.0f}]"


def usd(x: float | None) -> str:
    return format_usd(x, missing="not measured")


def qpd(x: float) -> str:
    """Queries per day: 50000 -> "50,000", 1111.1 -> "1,111", 0.5 -> "0.5"."""
    return f"{x:,.0f}" if x >= 10 else f"{x:.2g}"


def seconds(s: float | None) -> str:
    if s is None:
        return "not measured"
    if s < 120:
        return f"{s:.3g} s"
    if s < 7200:
        return f"{s:.0f} s ({s / 60:.0f} min)"
    return f"{s:,.0f} s ({s / 3600:.1f} h)"


def ms(s: float | None) -> str:
    return "not measured" if s is None else f"{1000 * s:,.0f} ms"


def finite(x: float | None) -> float | None:
    """NaN (nothing measured) becomes None, so recommendation.json is strict JSON."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x
