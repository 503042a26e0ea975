import math

import numpy as np
import pytest

from ragtune.evaluate.stats import Estimate, bootstrap_ci, compare, mcnemar, paired_bootstrap


def table(a_only: int, b_only: int, both: int = 0, neither: int = 0) -> tuple[list[bool], list[bool]]:
    """Paired right/wrong outcomes with the given 2x2 counts (a_only = b10, b_only = b01)."""
    a = [True] * a_only + [False] * b_only + [True] * both + [False] * neither
    b = [False] * a_only + [True] * b_only + [True] * both + [False] * neither
    return a, b


GRADED = [float(x) for x in np.random.default_rng(7).uniform(0, 1, size=60)]


# --- bootstrap_ci ---------------------------------------------------------------------------


def test_bootstrap_ci_is_reproducible_with_a_seed_and_changes_with_another():
    first = bootstrap_ci(GRADED, seed=1)
    assert bootstrap_ci(GRADED, seed=1) == first
    other = bootstrap_ci(GRADED, seed=2)
    assert (other.low, other.high) != (first.low, first.high)
    assert other.value == first.value


def test_bootstrap_ci_contains_the_mean():
    est = bootstrap_ci(GRADED)
    assert est.value == pytest.approx(np.mean(GRADED))
    assert est.low < est.value < est.high
    assert est.n == 60


def test_bootstrap_ci_narrows_as_n_grows():
    small = bootstrap_ci([1, 0] * 10)
    large = bootstrap_ci([1, 0] * 500)
    assert small.value == large.value == 0.5
    assert (large.high - large.low) < (small.high - small.low) / 3


def test_bootstrap_ci_leaves_out_unmeasured_values():
    est = bootstrap_ci([1, None, 0, None, 1])
    assert est.n == 3
    assert est.value == pytest.approx(2 / 3)
    assert est == bootstrap_ci([1, 0, 1])  # same n and seed: same resamples


def test_bootstrap_ci_of_constant_input_has_no_width():
    assert bootstrap_ci([0.3] * 7) == Estimate(0.3, 0.3, 0.3, 7)
    assert bootstrap_ci([1, 1, 1, None]) == Estimate(1.0, 1.0, 1.0, 3)


def test_bootstrap_ci_of_nothing_measured_is_nan():
    for values in ([], [None, None]):
        est = bootstrap_ci(values)
        assert est.n == 0 and math.isnan(est.value) and math.isnan(est.low) and math.isnan(est.high)


def test_bootstrap_ci_rejects_a_bad_confidence():
    with pytest.raises(ValueError, match="confidence"):
        bootstrap_ci([1, 0], confidence=95)


# --- mcnemar --------------------------------------------------------------------------------


def test_mcnemar_exact_one_sided_table():
    a, b = table(a_only=10, b_only=0, both=5, neither=5)
    result = mcnemar(a, b, names=("tuned", "base"))
    assert result.test == "mcnemar-exact"
    assert result.p_value == 2 * 0.5**10 == 0.001953125
    assert result.diff == pytest.approx(10 / 20)
    assert result.n == 20
    assert result.significant and result.better == "tuned"
    # McNemar gives no interval itself: the CI is a paired bootstrap of the per-question differences
    assert 0.0 < result.low < result.diff < result.high <= 1.0
    assert result.low <= result.eq_low <= result.eq_high <= result.high


def test_mcnemar_exact_small_hand_computed():
    # 6 discordant, 1 vs 5: p = 2 * (C(6,0) + C(6,1)) / 2**6 = 14/64
    result = mcnemar(*table(a_only=1, b_only=5))
    assert result.p_value == pytest.approx(0.21875)
    assert not result.significant and result.better is None


def test_mcnemar_balanced_discordance_gives_p_one():
    result = mcnemar(*table(a_only=5, b_only=5, both=3))
    assert result.p_value == 1.0
    assert result.diff == 0.0
    assert not result.significant and result.better is None


def test_mcnemar_without_discordant_pairs_gives_p_one():
    result = mcnemar(*table(0, 0, both=4, neither=6))
    assert result.p_value == 1.0 and not result.significant


def test_mcnemar_chi_square_with_continuity_correction():
    # chi2 = (|10 - 30| - 1)**2 / 40 = 9.025 -> p = erfc(sqrt(9.025 / 2))
    result = mcnemar(*table(a_only=10, b_only=30), names=("a", "b"))
    assert result.test == "mcnemar-chi2"
    assert result.p_value == pytest.approx(0.002663, abs=1e-6)
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(9.025 / 2)), rel=1e-12)
    assert result.diff == pytest.approx(-20 / 40)
    assert result.significant and result.better == "b"


def test_mcnemar_switches_to_chi_square_at_25_discordant_pairs():
    assert mcnemar(*table(12, 12)).test == "mcnemar-exact"
    assert mcnemar(*table(12, 13)).test == "mcnemar-chi2"


def test_mcnemar_drops_unmeasured_pairs_and_rejects_graded_scores():
    result = mcnemar([True, None, False, True], [False, True, None, True])
    assert result.n == 2
    with pytest.raises(ValueError, match="paired_bootstrap"):
        mcnemar([1, 0.5], [0, 1])


# --- paired_bootstrap ------------------------------------------------------------------------


def test_paired_bootstrap_detects_a_clear_difference():
    a = [1.0] * 160 + [0.0] * 40  # 80 % right
    b = [1.0] * 40 + [0.0] * 160  # 20 % right
    result = paired_bootstrap(a, b, names=("tuned", "base"))
    assert result.diff == pytest.approx(0.6)
    assert 0 < result.low < 0.6 < result.high
    assert result.p_value == pytest.approx(1 / 2001)
    assert result.significant and result.better == "tuned"
    assert paired_bootstrap(b, a, names=("base", "tuned")).better == "tuned"


def test_paired_bootstrap_finds_nothing_in_identical_lists():
    result = paired_bootstrap(GRADED, list(GRADED))
    assert result.diff == 0.0
    assert result.p_value == 1.0
    assert not result.significant and result.better is None


def test_paired_bootstrap_is_reproducible_and_drops_unmeasured_pairs():
    a = GRADED[:30] + [None, 0.5]
    b = GRADED[30:] + [0.5, None]
    result = paired_bootstrap(a, b, seed=3)
    assert result.n == 30
    assert result == paired_bootstrap(a, b, seed=3)
    assert result.diff == pytest.approx(np.mean(GRADED[:30]) - np.mean(GRADED[30:]))


def test_paired_bootstrap_rejects_unpaired_lengths():
    with pytest.raises(ValueError, match="one value per question"):
        paired_bootstrap([1.0, 0.0], [1.0])


# --- compare ---------------------------------------------------------------------------------


def test_compare_uses_mcnemar_for_binary_outcomes():
    a, b = table(a_only=10, b_only=0, both=5)
    assert compare(a, b, ("x", "y")).test == "mcnemar-exact"
    as_floats = compare([float(v) for v in a] + [None], [float(v) for v in b] + [1.0], ("x", "y"))
    assert as_floats.test == "mcnemar-exact" and as_floats.better == "x" and as_floats.n == 15


def test_compare_uses_paired_bootstrap_for_graded_scores():
    result = compare([1.0, 0.5, 0.0, 1.0], [0.0, 0.5, 1.0, 1.0], ("x", "y"))
    assert result.test == "paired-bootstrap"
    assert (result.a, result.b) == ("x", "y")
