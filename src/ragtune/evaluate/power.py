"""What a paired comparison's n could have found: the smallest detectable difference, the questions that
would decide the observed difference, and the questions that would show equivalence.

A comparison that is not significant says nothing by itself: two variants within a point of each other and
two whose intervals span 0-75 % read the same. These figures tell them apart (docs/metrics.md, Statistics).
All at two-sided alpha 0.05 and 80 % power, normal approximations:

- 0/1 outcomes (McNemar): Connor (1987), n = (z_{a/2} sqrt(p_d) + z_b sqrt(p_d - d^2))^2 / d^2, where p_d is
  the share of discordant pairs (floored at 1/n: no discordance at all still leaves one pair's uncertainty);
- graded scores (paired bootstrap): n = ((z_{a/2} + z_b) sd / d)^2, sd of the per-question differences
  (floored at sqrt(1/n) the same way);
- equivalence (two one-sided tests at 5 %, true difference 0): n = (z_a + z_{b/2})^2 var / margin^2, where var
  is p_d for 0/1 outcomes and sd^2 for graded scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

ALPHA = 0.05
POWER = 0.80
MARGIN = 0.05  # [eval] equivalence_margin's default: +-5 points
_Z = NormalDist().inv_cdf
Z_TWO_SIDED = _Z(1 - ALPHA / 2)  # 1.960: a two-sided test at alpha
Z_ONE_SIDED = _Z(1 - ALPHA)  # 1.645: each one-sided test of TOST
Z_POWER = _Z(POWER)  # 0.842
Z_POWER_TOST = _Z(1 - (1 - POWER) / 2)  # 1.282: TOST at a true difference of 0 splits beta over both sides


@dataclass(frozen=True)
class Power:
    """`mde`: the smallest difference this n detects with 80 % power (NaN: none, n is too small);
    `n_needed`: questions that make the observed difference significant at 80 % power (None when it already
    is, or when it is 0); `n_equivalence`: questions that show equivalence within the margin at 80 % power
    (only when the observed difference is 0, where `n_needed` has no answer)."""

    mde: float
    n_needed: int | None
    n_equivalence: int | None


def mde_mcnemar(n: int, p_d: float) -> float:
    """Connor's sample size solved for d: sqrt(p_d) (z_a sqrt(n) + z_b sqrt(n - z_a^2 + z_b^2)) / (n + z_b^2).

    Squaring sqrt(n) d - z_a sqrt(p_d) = z_b sqrt(p_d - d^2) gives a quadratic in d; this is its larger root.
    Capped at 1 (a difference in accuracy is at most 100 points)."""
    za, zb = Z_TWO_SIDED, Z_POWER
    inner = n - za**2 + zb**2
    if n < 1 or inner < 0 or p_d <= 0:
        return math.nan
    return min(1.0, math.sqrt(p_d) * (za * math.sqrt(n) + zb * math.sqrt(inner)) / (n + zb**2))


def n_mcnemar(d: float, p_d: float) -> int | None:
    """Connor (1987): pairs for McNemar's test to detect `d` at discordance `p_d` (None: d = 0 or d^2 > p_d)."""
    if is_zero(d) or d * d > p_d:
        return None
    return math.ceil((Z_TWO_SIDED * math.sqrt(p_d) + Z_POWER * math.sqrt(p_d - d * d)) ** 2 / (d * d))


def mde_graded(n: int, sd: float) -> float:
    """(z_{a/2} + z_b) sd / sqrt(n): the paired difference in means this n detects with 80 % power."""
    return math.nan if n < 1 else (Z_TWO_SIDED + Z_POWER) * sd / math.sqrt(n)


def n_graded(d: float, sd: float) -> int | None:
    """Pairs for a paired test of means to detect `d` with 80 % power (None: d = 0)."""
    return None if is_zero(d) else math.ceil(((Z_TWO_SIDED + Z_POWER) * sd / d) ** 2)


def n_equivalence(variance: float, margin: float) -> int | None:
    """TOST at a true difference of 0: pairs to show |difference| < margin with 80 % power."""
    if margin <= 0:
        return None
    return math.ceil((Z_ONE_SIDED + Z_POWER_TOST) ** 2 * variance / margin**2)


def is_zero(d: float) -> bool:
    """An observed difference of 0: a mean of float differences can miss 0 by rounding."""
    return abs(d) < 1e-12


def mcnemar_power(n: int, discordant: int, diff: float, significant: bool, margin: float = MARGIN) -> Power:
    """The power figures of a McNemar comparison: `discordant` pairs of `n`, observed difference `diff`."""
    if n == 0:
        return Power(math.nan, None, None)
    p_d = max(discordant, 1) / n
    needed = None if significant else n_mcnemar(diff, p_d)
    return Power(mde_mcnemar(n, p_d), needed, n_equivalence(p_d, margin) if is_zero(diff) else None)


def graded_power(n: int, sd: float, diff: float, significant: bool, margin: float = MARGIN) -> Power:
    """The power figures of a paired bootstrap comparison: `sd` of the `n` per-question differences."""
    if n == 0:
        return Power(math.nan, None, None)
    sd = max(sd, math.sqrt(1 / n))
    needed = None if significant else n_graded(diff, sd)
    return Power(mde_graded(n, sd), needed, n_equivalence(sd * sd, margin) if is_zero(diff) else None)
