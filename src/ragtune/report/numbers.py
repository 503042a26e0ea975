"""How the report writes numbers: rates as percentages with their 95 % CI, seconds, dollars."""

from __future__ import annotations

from ragtune.evaluate.cost import format_usd

DASH = "–"


def pct(x: float | None) -> str:
    return DASH if x is None else f"{100 * x:.0f} %"


def ci(estimate: dict | None, *, percent: bool = True) -> str:
    """`31 % (13–56, n=16)`: the mean, its 95 % CI and the questions measured; a dash when not measured."""
    if not estimate or estimate.get("value") is None:
        return DASH
    scale, digits, unit = (100, 0, " %") if percent else (1, 2, "")
    v, lo, hi, n = (estimate.get(k) for k in ("value", "low", "high", "n"))
    inside = [] if lo is None or hi is None or lo == hi else [f"{scale * lo:.{digits}f}{DASH}{scale * hi:.{digits}f}"]
    inside += [] if n is None else [f"n={n}"]
    return f"{scale * v:.{digits}f}{unit}" + (f" ({', '.join(inside)})" if inside else "")


def seconds(x: float | None) -> str:
    if x is None:
        return DASH
    if x >= 3600:
        return f"{x / 3600:.1f} h"
    if x >= 60:
        return f"{x / 60:.1f} min"
    return f"{x:.2f} s" if x < 10 else f"{x:.0f} s"


def usd(x: float | None) -> str:
    return format_usd(x, missing=DASH)


def qpd(x: float | None) -> str:
    return DASH if x is None else f"{x:,.0f}" if x >= 10 else f"{x:.1f}"
