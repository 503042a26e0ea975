"""Statistics for comparing evaluation variants: a 95 % CI on every rate, and paired tests.

A summary may call one variant "better" only where a paired difference is significant; `compare`
picks the test (McNemar for 0/1 outcomes, a paired bootstrap for graded scores). Every comparison also
carries the difference's CI, what its n could detect and would need (`ragtune.evaluate.power`), and
whether it shows the two equivalent within a margin (the 90 % CI inside it: two one-sided tests). `None` marks an
unmeasured score (e.g. an LLM judge that failed) and is always left out, never counted as 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Iterator, Sequence

import numpy as np

from ragtune.evaluate.power import ALPHA, MARGIN, Z_ONE_SIDED, Power, graded_power, mcnemar_power


Score = float | bool | None
ESTIMATE_KEYS = ("value", "low", "high", "n")
COMPARISON_KEYS = ("metric", "a", "b", "diff", "low", "high", "p_value", "test", "n", "significant", "better", "mde",
                   "n_needed", "n_equivalence", "eq_low", "eq_high", "margin", "equivalent")
EQUIVALENCE_CONFIDENCE = 1 - 2 * ALPHA  # TOST at alpha: the difference's 90 % CI inside +-margin


@dataclass(frozen=True)
class Estimate(Mapping):
    """A mean with its confidence interval; `n` counts only the measured values (NaN: nothing measured).

    It also reads as its summary.json object `{value, low, high, n}` (None where nothing was measured):
    the form `ragtune.numbers` formats and the report's charts draw.
    """

    value: float
    low: float
    high: float
    n: int

    @property
    def measured(self) -> bool:
        return not math.isnan(self.value)

    def to_json(self) -> dict:
        return {k: self[k] for k in ESTIMATE_KEYS}

    @classmethod
    def from_json(cls, obj: Mapping) -> Estimate:
        return cls(*(_nan(obj.get(k)) for k in ("value", "low", "high")), int(obj.get("n") or 0))

    def __getitem__(self, key: str):
        if key not in ESTIMATE_KEYS:
            raise KeyError(key)
        return _none_if_nan(getattr(self, key))

    def __iter__(self) -> Iterator[str]:
        return iter(ESTIMATE_KEYS)

    def __len__(self) -> int:
        return len(ESTIMATE_KEYS)


@dataclass(frozen=True)
class Comparison:
    """A paired comparison of variant `a` against `b`; `diff` is mean(a) - mean(b) over `n` pairs.

    `better` names the significantly better variant, or is None when the difference is not significant.
    `low`/`high`: the difference's 95 % paired-bootstrap CI; `eq_low`/`eq_high` its 90 % CI, and `equivalent`
    when that lies inside +-`margin` (two one-sided tests at 5 %). `mde`, `n_needed`, `n_equivalence`: what
    this n could detect and how many questions would decide it (`ragtune.evaluate.power`).
    """

    a: str
    b: str
    diff: float
    low: float
    high: float
    p_value: float
    test: str
    n: int
    significant: bool
    better: str | None
    metric: str = ""  # the metric compared, where a summary names it
    mde: float = math.nan
    n_needed: int | None = None
    n_equivalence: int | None = None
    eq_low: float = math.nan
    eq_high: float = math.nan
    margin: float = math.nan
    equivalent: bool = False

    def to_json(self) -> dict:
        """summary.json's comparison object: `metric` first, NaN as null."""
        return {k: _none_if_nan(getattr(self, k)) for k in COMPARISON_KEYS}

    @classmethod
    def from_json(cls, obj: Mapping) -> Comparison:
        return cls(obj["a"], obj["b"], _nan(obj.get("diff")), _nan(obj.get("low")), _nan(obj.get("high")),
                   _nan(obj.get("p_value")), obj.get("test", ""), int(obj.get("n") or 0),
                   bool(obj.get("significant")), obj.get("better"), obj.get("metric", ""), _nan(obj.get("mde")),
                   obj.get("n_needed"), obj.get("n_equivalence"), _nan(obj.get("eq_low")), _nan(obj.get("eq_high")),
                   _nan(obj.get("margin")), bool(obj.get("equivalent")))


def _none_if_nan(x):
    """NaN (nothing measured) as None, so the JSON files stay strict JSON."""
    return None if isinstance(x, float) and math.isnan(x) else x


def _nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


def _check(confidence: float, resamples: int) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")


def _pairs(a: Sequence[Score], b: Sequence[Score]) -> tuple[np.ndarray, np.ndarray]:
    """Align scores by question, dropping questions where either side is unmeasured."""
    if len(a) != len(b):
        raise ValueError(f"paired scores need one value per question on both sides: got {len(a)} and {len(b)}")
    kept = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    return np.array([x for x, _ in kept], dtype=float), np.array([y for _, y in kept], dtype=float)


def _resampled_means(values: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """Means of `resamples` bootstrap samples, drawn as one (resamples, n) index matrix."""
    rng = np.random.default_rng(seed)
    return values[rng.integers(0, len(values), size=(resamples, len(values)))].mean(axis=1)


def _interval(means: np.ndarray, confidence: float) -> tuple[float, float]:
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return float(low), float(high)


def _difference(deltas: np.ndarray, confidence: float, resamples: int, seed: int) -> tuple[np.ndarray, ...]:
    """(resampled means, (low, high), (eq_low, eq_high)): the difference's CI and its TOST (90 %) CI.

    When every question gives the same difference (two variants right on exactly the same questions) the
    bootstrap interval collapses to a point, which would call 20 questions proof of equivalence; the TOST
    interval then takes the floor the power figures take (one pair's uncertainty, sd = sqrt(1/n)): d +- z/n."""
    means = _resampled_means(deltas, resamples, seed)
    eq = _interval(means, EQUIVALENCE_CONFIDENCE)
    if np.all(deltas == deltas[0]):
        d, half = float(deltas[0]), Z_ONE_SIDED / deltas.size
        eq = (d - half, d + half)
    return means, _interval(means, confidence), eq


def _with_power(cmp: Comparison, power: Power, eq: tuple[float, float], margin: float) -> Comparison:
    inside = bool(-margin < eq[0] and eq[1] < margin)  # NaN bounds compare False: never equivalent
    return replace(cmp, mde=power.mde, n_needed=power.n_needed, n_equivalence=power.n_equivalence, eq_low=eq[0],
                   eq_high=eq[1], margin=margin, equivalent=inside)


def _verdict(names: tuple[str, str], diff: float, p_value: float, alpha: float) -> tuple[bool, str | None]:
    significant = bool(p_value < alpha) and diff != 0
    return significant, (names[0] if diff > 0 else names[1]) if significant else None


def bootstrap_ci(
    values: Sequence[Score], *, confidence: float = 0.95, resamples: int = 2000, seed: int = 0
) -> Estimate:
    """Percentile-bootstrap CI of the mean of per-question scores; None values are left out."""
    _check(confidence, resamples)
    arr = np.array([v for v in values if v is not None], dtype=float)
    if arr.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0)
    if np.all(arr == arr[0]):  # no spread: skip resampling, whose float sums could jitter the bounds
        return Estimate(float(arr[0]), float(arr[0]), float(arr[0]), int(arr.size))
    low, high = _interval(_resampled_means(arr, resamples, seed), confidence)
    return Estimate(float(arr.mean()), low, high, int(arr.size))


def paired_bootstrap(
    a_scores: Sequence[Score], b_scores: Sequence[Score], *, names: tuple[str, str] = ("a", "b"),
    confidence: float = 0.95, resamples: int = 2000, seed: int = 0, alpha: float = 0.05, margin: float = MARGIN,
) -> Comparison:
    """Paired bootstrap over questions: CI of mean(a) - mean(b), a two-sided p-value, power and equivalence.

    The p-value centres the resampled differences at 0 (the null) and counts those at least as
    extreme as the observed one, with add-one smoothing so it is never exactly 0.
    """
    _check(confidence, resamples)
    a, b = _pairs(a_scores, b_scores)
    if a.size == 0:
        return Comparison(*names, math.nan, math.nan, math.nan, 1.0, "paired-bootstrap", 0, False, None)
    deltas = a - b
    diff = float(deltas.mean())
    means, (low, high), eq = _difference(deltas, confidence, resamples, seed)
    # The tolerance keeps a resample equal to the observed difference from missing by float noise.
    extreme = int(np.count_nonzero(np.abs(means - diff) >= abs(diff) - 1e-12))
    p_value = (extreme + 1) / (resamples + 1)
    significant, better = _verdict(names, diff, p_value, alpha)
    cmp = Comparison(*names, diff, low, high, p_value, "paired-bootstrap", int(a.size), significant, better)
    sd = float(deltas.std(ddof=1)) if a.size > 1 else 0.0
    return _with_power(cmp, graded_power(int(a.size), sd, diff, significant, margin), eq, margin)


def mcnemar(
    a_correct: Sequence[bool | None], b_correct: Sequence[bool | None], *,
    names: tuple[str, str] = ("a", "b"), alpha: float = 0.05, confidence: float = 0.95, resamples: int = 2000,
    seed: int = 0, margin: float = MARGIN,
) -> Comparison:
    """McNemar's test on paired right/wrong outcomes; only the discordant questions carry evidence.

    Exact two-sided binomial test below 25 discordant pairs, else chi-square with continuity
    correction (1 dof). McNemar itself gives no CI on the accuracy difference: `low`/`high` come from a
    paired bootstrap of the per-question differences (seeded), as in `paired_bootstrap`.
    """
    a, b = _pairs(a_correct, b_correct)
    if not np.isin(a, (0.0, 1.0)).all() or not np.isin(b, (0.0, 1.0)).all():
        raise ValueError("mcnemar needs 0/1 (right/wrong) outcomes; use paired_bootstrap for graded scores")
    only_a = int(np.count_nonzero((a == 1) & (b == 0)))  # b10: a right, b wrong
    only_b = int(np.count_nonzero((a == 0) & (b == 1)))  # b01: a wrong, b right
    discordant = only_a + only_b
    if discordant == 0:
        p_value, test = 1.0, "mcnemar-exact"
    elif discordant < 25:
        tail = sum(math.comb(discordant, i) for i in range(min(only_a, only_b) + 1))
        p_value, test = min(1.0, 2 * tail / 2**discordant), "mcnemar-exact"
    else:
        chi2 = (abs(only_a - only_b) - 1) ** 2 / discordant
        p_value, test = math.erfc(math.sqrt(chi2 / 2)), "mcnemar-chi2"
    if a.size == 0:
        return Comparison(*names, math.nan, math.nan, math.nan, p_value, test, 0, False, None)
    diff = (only_a - only_b) / a.size
    significant, better = _verdict(names, diff, p_value, alpha)
    _, (low, high), eq = _difference(a - b, confidence, resamples, seed)
    cmp = Comparison(*names, diff, low, high, p_value, test, int(a.size), significant, better)
    return _with_power(cmp, mcnemar_power(int(a.size), discordant, diff, significant, margin), eq, margin)


def compare(
    a_scores: Sequence[Score], b_scores: Sequence[Score], names: tuple[str, str] = ("a", "b"), *,
    confidence: float = 0.95, resamples: int = 2000, seed: int = 0, alpha: float = 0.05, margin: float = MARGIN,
) -> Comparison:
    """The summary's test: McNemar when every measured value is 0/1, else a paired bootstrap; both with the
    difference's CI, power and equivalence within +-`margin`."""
    measured = [v for v in (*a_scores, *b_scores) if v is not None]
    test = mcnemar if measured and all(v in (0, 1) for v in measured) else paired_bootstrap
    return test(a_scores, b_scores, names=names, confidence=confidence, resamples=resamples, seed=seed, alpha=alpha,
                margin=margin)
