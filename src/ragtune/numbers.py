"""How ragtune writes measured numbers, in one place: tables (a dash where nothing was measured),
sentences ("47 % [21-73]", "not measured"), and the terminal's narrow tables ("0.45 (.29-.61)").

An estimate is `{value, low, high, n}` as summary.json holds it (`ragtune.evaluate.stats.Estimate`).
"""

from __future__ import annotations

import math

DASH = "–"
UNMEASURED = "not measured"


def finite(x: float | None) -> float | None:
    """NaN (nothing measured) becomes None, so JSON files stay strict JSON."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def usd(x: float | None, missing: str = "-") -> str:
    """Dollars with the digits a small per-query figure needs ($0.0035, $3.23, $1.2e-05); one format everywhere."""
    if x is None:
        return missing
    if x == 0:
        return "$0"
    return f"${x:,.2f}" if x >= 1 else f"${x:.4f}" if x >= 1e-4 else f"${x:.2e}"


# -- tables (the HTML report) --------------------------------------------------------------------

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


def decimal(x: float | None) -> str:
    """A 0-1 figure in a table cell: two decimals, "-" where nothing was measured."""
    return "-" if x is None else f"{x:.2f}"


def seconds(x: float | None) -> str:
    if x is None:
        return DASH
    if x >= 3600:
        return f"{x / 3600:.1f} h"
    if x >= 60:
        return f"{x / 60:.1f} min"
    return f"{x:.2f} s" if x < 10 else f"{x:.0f} s"


def p_value(p: float) -> str:
    """A test's p-value in a table or the terminal: three significant digits."""
    return f"{p:.3g}"


def qpd(x: float | None) -> str:
    """Queries per day: 50000 -> "50,000", 1111.1 -> "1,111", 0.5 -> "0.5"."""
    return DASH if x is None else f"{x:,.0f}" if x >= 10 else f"{x:.2g}"


# -- sentences (the recommendation's reasons) ----------------------------------------------------

def pct_text(e: dict | None) -> str:
    """An estimate as "47 % [21-73]"; "not measured" without a value."""
    if not e or e.get("value") is None:
        return UNMEASURED
    if e.get("low") is None or e.get("high") is None:
        return f"{100 * e['value']:.0f} %"
    return f"{100 * e['value']:.0f} % [{100 * e['low']:.0f}-{100 * e['high']:.0f}]"


def p_text(p: float) -> str:
    """A test's p-value in a sentence: two significant digits."""
    return f"{p:.2g}"


def points_text(x: float | None, *, signed: bool = False) -> str:
    """A difference of rates in percentage points: 0.234 -> "23", signed -0.05 -> "-5" (never "-0")."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return UNMEASURED
    r = round(100 * x) or 0  # -0.0 rounds to 0, written without a sign
    return f"{r:+d}" if signed and r else f"{r:d}"


def difference_text(d: float, low: float, high: float) -> str:
    """A paired difference with its interval: "+4 points [-8, +16]"."""
    return f"{points_text(d, signed=True)} points [{points_text(low, signed=True)}, {points_text(high, signed=True)}]"


def usd_text(x: float | None) -> str:
    return usd(x, missing=UNMEASURED)


def seconds_text(s: float | None) -> str:
    if s is None:
        return UNMEASURED
    if s < 120:
        return f"{s:.3g} s"
    if s < 7200:
        return f"{s:.0f} s ({s / 60:.0f} min)"
    return f"{s:,.0f} s ({s / 3600:.1f} h)"


def ms_text(s: float | None) -> str:
    return UNMEASURED if s is None else f"{1000 * s:,.0f} ms"


# -- the terminal's tables (80 columns) ----------------------------------------------------------

def ci_compact(e: dict | None) -> str:
    """`0.45 (.29-.61)`; "-" when not measured."""
    if not e or e.get("value") is None:
        return "-"
    return f"{e['value']:.2f} ({_short(e['low'])}-{_short(e['high'])})"


def _short(x: float) -> str:
    """0.2 -> ".20", 1.0 -> "1.0": CI bounds in four characters."""
    return "1.0" if x >= 0.995 else f"{x:.2f}".lstrip("0")


def ratio_text(x: float | None) -> str:
    """A time ratio: 0.4812 -> "0.48x", 1.7 -> "1.70x"; "not measured" without one."""
    return UNMEASURED if x is None else f"{x:.2f}x"
