"""compare's power calculations (ganbench.results.power) against statsmodels' TTestIndPower, the
reference implementation of the two-sample t-test's power, and against cases with known answers."""

from __future__ import annotations

import math

import pytest

from ganbench.results.power import corrected_alpha, minimum_detectable_effect, seeds_needed, t_test_power

statsmodels_power = pytest.importorskip("statsmodels.stats.power")
REFERENCE = statsmodels_power.TTestIndPower()


@pytest.mark.parametrize("n", [2, 3, 5, 10])
@pytest.mark.parametrize("alpha", [0.05, 0.05 / 12])
@pytest.mark.parametrize("standardized", [0.3, 1.0, 2.5])
def test_power_equals_statsmodels(n, alpha, standardized):
    expected = REFERENCE.power(effect_size=standardized, nobs1=n, alpha=alpha, ratio=1.0, alternative="two-sided")
    # the same effect in a metric's own units: a difference of 3 * standardized with seed spread 3
    assert t_test_power(3.0 * standardized, 3.0, n, alpha) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("n", [3, 5, 10])
@pytest.mark.parametrize("alpha", [0.05, 0.05 / 6])
def test_the_minimum_detectable_effect_equals_statsmodels_solve_power(n, alpha):
    expected = REFERENCE.solve_power(effect_size=None, nobs1=n, alpha=alpha, power=0.8, ratio=1.0,
                                     alternative="two-sided")
    assert minimum_detectable_effect(2.0, n, alpha) == pytest.approx(2.0 * expected, rel=1e-6)


@pytest.mark.parametrize("standardized", [0.5, 1.0, 1.5, 3.0])
@pytest.mark.parametrize("alpha", [0.05, 0.05 / 8])
def test_seeds_needed_is_statsmodels_sample_size_rounded_up(standardized, alpha):
    exact = REFERENCE.solve_power(effect_size=standardized, nobs1=None, alpha=alpha, power=0.8, ratio=1.0,
                                  alternative="two-sided")
    assert seeds_needed(10.0 * standardized, 10.0, alpha) == max(2, math.ceil(exact - 1e-9))


def test_at_a_large_familys_alpha_the_mde_is_found_4_times_in_5_by_simulation():
    # alpha = 0.05 / 50 (a page of 50 tests), 3 seeds: statsmodels' lower tail is NaN here (it calls
    # scipy's nct.cdf), so the reference is the t-test itself, run on 100,000 simulated studies.
    import numpy as np
    from scipy import stats
    effect = minimum_detectable_effect(1.0, 3, 0.001)
    rng = np.random.default_rng(0)
    baseline, variant = rng.normal(0.0, 1.0, (100_000, 3)), rng.normal(effect, 1.0, (100_000, 3))
    found = stats.ttest_ind(baseline, variant, axis=1).pvalue < 0.001
    assert found.mean() == pytest.approx(0.8, abs=0.01)


def test_a_true_difference_of_one_mde_is_found_with_80_percent_power():
    effect = minimum_detectable_effect(1.0, 5, 0.01)
    assert t_test_power(effect, 1.0, 5, 0.01) == pytest.approx(0.8, abs=1e-9)


def test_known_answers():
    # At no difference the test rejects at its level: the power is alpha.
    assert t_test_power(0.0, 1.0, 7, 0.05) == pytest.approx(0.05, abs=1e-12)
    # Seeds that never vary detect any difference with the fewest seeds, and show no detectable size.
    assert seeds_needed(1.0, 0.0) == 2 and minimum_detectable_effect(0.0, 3) == 0.0
    # One seed has no spread to test with.
    assert minimum_detectable_effect(1.0, 1) is None
    # An effect a hundredth of the spread is out of reach of a benchmark's budget.
    assert seeds_needed(0.001, 10.0) is None


def test_the_corrected_alpha_is_the_threshold_of_the_best_p_value():
    assert corrected_alpha(0.05, 10) == pytest.approx(0.005)
    assert corrected_alpha(0.05, 10, "bh") == pytest.approx(0.005)
    assert corrected_alpha(0.05, 10, "none") == 0.05
    assert corrected_alpha(0.05, 0) == 0.05
