"""Power and equivalence of a paired comparison: the formulas against hand-computed values, a simulation that
McNemar's test rejects about 80 % of the time at `n_needed`, and equivalence on constructed differences."""

import math

import numpy as np
import pytest

from ragtune.evaluate.power import (graded_power, mcnemar_power, mde_graded, mde_mcnemar, n_equivalence, n_graded,
                                    n_mcnemar)
from ragtune.evaluate.stats import Comparison, compare, mcnemar, paired_bootstrap

Z_A2, Z_B, Z_A, Z_B2 = 1.959964, 0.841621, 1.644854, 1.281552  # z at 0.975, 0.80, 0.95, 0.90


def pairs(only_a: int, only_b: int, both: int = 0, neither: int = 0) -> tuple[list[int], list[int]]:
    a = [1] * only_a + [0] * only_b + [1] * both + [0] * neither
    b = [0] * only_a + [1] * only_b + [1] * both + [0] * neither
    return a, b


# --- the formulas ----------------------------------------------------------------------------


def test_connor_sample_size_by_hand():
    # (1.96 sqrt(.2) + 0.8416 sqrt(.2 - .0025))^2 / .0025 = (0.876523 + 0.374025)^2 / .0025 = 625.5 -> 626
    assert n_mcnemar(0.05, 0.2) == 626
    assert n_mcnemar(-0.05, 0.2) == 626  # the sign does not matter
    assert n_mcnemar(0.0, 0.2) is None  # no difference: no n detects it


def test_mcnemar_mde_inverts_the_sample_size():
    # sqrt(.2) (1.96 sqrt(57) + 0.8416 sqrt(57 - 1.96^2 + 0.8416^2)) / (57 + 0.8416^2)
    by_hand = math.sqrt(0.2) * (Z_A2 * math.sqrt(57) + Z_B * math.sqrt(57 - Z_A2**2 + Z_B**2)) / (57 + Z_B**2)
    assert mde_mcnemar(57, 0.2) == pytest.approx(by_hand, rel=1e-5)
    assert mde_mcnemar(57, 0.2) == pytest.approx(0.16254, abs=1e-4)
    for n, p_d in ((57, 0.2), (200, 0.3), (1000, 0.05)):
        d = mde_mcnemar(n, p_d)
        assert n_mcnemar(d, p_d) in (n, n + 1)  # ceil of the exact inverse
    assert math.isnan(mde_mcnemar(2, 0.5))  # fewer pairs than z_a^2 - z_b^2: nothing is detectable


def test_graded_formulas_by_hand():
    assert mde_graded(100, 0.5) == pytest.approx((Z_A2 + Z_B) * 0.5 / 10, rel=1e-5)  # 0.14008
    assert n_graded(0.1, 0.5) == 197  # (2.801585 * 0.5 / 0.1)^2 = 196.2
    assert n_graded(0.0, 0.5) is None


def test_equivalence_sample_size_by_hand():
    # TOST at a true difference of 0: (1.645 + 1.2816)^2 * 0.2 / 0.05^2 = 685.1 -> 686
    assert n_equivalence(0.2, 0.05) == 686
    assert n_equivalence(0.2, 0.10) == 172  # twice the margin, a quarter of the questions


def test_power_figures_of_a_comparison():
    # 5 vs 5 discordant of 20: difference 0, so no n_needed but n_equivalence at p_d = 0.5
    c = mcnemar(*pairs(5, 5, both=5, neither=5))
    assert c.diff == 0 and c.n_needed is None
    assert c.n_equivalence == math.ceil((Z_A + Z_B2) ** 2 * 0.5 / 0.05**2) == 1713
    assert c.mde == pytest.approx(mde_mcnemar(20, 0.5))
    # 3 vs 1 of 40: not significant; n_needed at d = 0.05, p_d = 0.1
    c = mcnemar(*pairs(3, 1, both=20, neither=16))
    assert not c.significant and c.n_needed == n_mcnemar(0.05, 0.1) and c.n_equivalence is None
    assert c.n_needed == math.ceil((Z_A2 * math.sqrt(0.1) + Z_B * math.sqrt(0.1 - 0.0025)) ** 2 / 0.0025)
    # significant: nothing more is needed
    assert mcnemar(*pairs(12, 0, both=8)).n_needed is None


def test_no_discordance_is_floored_at_one_pair():
    power = mcnemar_power(20, 0, 0.0, False)
    assert power.mde == pytest.approx(mde_mcnemar(20, 1 / 20))
    assert power.n_equivalence == n_equivalence(1 / 20, 0.05)
    assert graded_power(25, 0.0, 0.0, False).mde == pytest.approx(mde_graded(25, math.sqrt(1 / 25)))


# --- the simulation: at n_needed, McNemar rejects about 80 % of the time ----------------------


@pytest.mark.parametrize("p_d, d", [(0.3, 0.1), (0.2, 0.1)])
def test_mcnemar_rejects_about_80_percent_of_the_time_at_n_needed(p_d, d):
    n = n_mcnemar(d, p_d)
    rng = np.random.default_rng(7)
    cells = rng.multinomial(n, [(p_d + d) / 2, (p_d - d) / 2, 1 - p_d], size=300)  # a only, b only, agree
    rejected = [mcnemar(*pairs(int(x), int(y), both=int(z)), resamples=100).significant for x, y, z in cells]
    assert 0.65 <= np.mean(rejected) <= 0.95, (n, np.mean(rejected))


def test_at_the_mde_the_same_n_is_needed():
    n, p_d = 150, 0.25
    d = mde_mcnemar(n, p_d)
    assert abs(n_mcnemar(d, p_d) - n) <= 1


# --- equivalence: the 90 % CI inside +-margin ---------------------------------------------------


def test_nearly_identical_variants_on_many_questions_are_equivalent():
    c = mcnemar(*pairs(2, 2, both=300, neither=96))  # 4 disagreements in 400
    assert c.equivalent and -0.05 < c.eq_low <= 0 <= c.eq_high < 0.05
    assert c.low <= c.eq_low and c.eq_high <= c.high  # the 90 % CI lies inside the 95 % one
    assert c.margin == 0.05


def test_few_questions_or_a_real_difference_are_not_equivalent():
    assert not mcnemar(*pairs(5, 5, both=5, neither=5)).equivalent  # 20 questions: CI about +-25 points
    far = mcnemar(*pairs(40, 0, both=300, neither=60))  # 10 points apart on 400
    assert far.significant and not far.equivalent and far.eq_low > 0.05


def test_identical_answers_need_enough_questions_to_be_equivalent():
    # no disagreement at all: the bootstrap CI is [0, 0]; the floor of one pair makes it +-1.645/n
    twenty = mcnemar(*pairs(0, 0, both=15, neither=5))
    assert not twenty.equivalent and twenty.eq_high == pytest.approx(Z_A / 20, rel=1e-4)
    assert mcnemar(*pairs(0, 0, both=30, neither=10)).equivalent  # +-4.1 points at 40


def test_the_margin_decides_equivalence():
    a, b = pairs(5, 5, both=5, neither=5)
    assert not compare(a, b, margin=0.05).equivalent
    wide = compare(a, b, margin=0.5)
    assert wide.equivalent and wide.margin == 0.5


def test_graded_scores_get_the_same_figures():
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, 300)
    close = paired_bootstrap(list(x), list(np.clip(x + rng.normal(0, 0.01, 300), 0, 1)))
    assert close.equivalent and not math.isnan(close.mde) and close.mde < 0.01
    apart = paired_bootstrap(list(x[:30]), list(x[30:60]))
    assert not apart.equivalent and apart.n_needed is not None and apart.n_needed > 30


def test_comparisons_from_older_summaries_read_without_power():
    old = {"metric": "contains", "a": "rag", "b": "ft", "diff": 0.1, "low": None, "high": None, "p_value": 0.3,
           "test": "mcnemar-exact", "n": 20, "significant": False, "better": None}
    c = Comparison.from_json(old)
    assert math.isnan(c.mde) and c.n_needed is None and c.n_equivalence is None and not c.equivalent
    new = mcnemar(*pairs(3, 1, both=20, neither=16), names=("rag", "ft"))
    assert Comparison.from_json(new.to_json()).to_json() == new.to_json()
