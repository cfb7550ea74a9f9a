"""Multiple-test adjustment and effect sizes against hand computations (issue 17, item 3)."""

import math

import pytest

from ganbench.results.significance import (adjust, benjamini_hochberg_adjusted, holm_adjusted, mean_difference,
                                           welch_test)


def test_holm_multiplies_the_ith_smallest_by_m_minus_i_plus_1_and_stays_monotone():
    # Sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> raised to 0.06 (monotone).
    assert holm_adjusted([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm_adjusted([0.5, 0.6]) == pytest.approx([1.0, 1.0])  # capped at 1


def test_benjamini_hochberg_multiplies_by_m_over_rank_and_stays_monotone():
    # Sorted: 0.005*4/1 = 0.02, 0.01*4/2 = 0.02, 0.03*4/3 = 0.04, 0.04*4/4 = 0.04.
    assert benjamini_hochberg_adjusted([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    # 0.02*3/1 = 0.06 is lowered to the next one's 0.021*3/2 = 0.0315 (step-up monotonicity).
    assert benjamini_hochberg_adjusted([0.02, 0.021, 0.5]) == pytest.approx([0.0315, 0.0315, 0.5])


def test_no_correction_leaves_p_values_alone_and_an_unknown_one_is_refused():
    assert adjust([0.01, 0.2], "none") == [0.01, 0.2]
    with pytest.raises(ValueError, match="unknown correction"):
        adjust([0.01], "sidak")


def test_difference_of_means_has_a_welch_satterthwaite_interval():
    # 11 - 2 = 9; SE = sqrt(1/3 + 1/3); df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4; t(0.975, 4) = 2.7764.
    difference = mean_difference([10.0, 11.0, 12.0], [1.0, 2.0, 3.0])
    assert difference.value == pytest.approx(9.0)
    assert difference.degrees_of_freedom == pytest.approx(4.0)
    half = 2.776445 * math.sqrt(2 / 3)
    assert (difference.low, difference.high) == pytest.approx((9 - half, 9 + half), rel=1e-5)


def test_two_constant_groups_get_no_p_value_only_their_difference():
    result = welch_test([1.0, 1.0, 1.0], [2.0, 2.0, 2.0])
    assert result.p_value is None
    assert result.difference.value == -1.0 and math.isnan(result.difference.low)


def test_one_constant_group_is_still_tested():
    from scipy import stats
    result = welch_test([8.0, 8.0, 8.0], [4.0, 5.0, 6.0])
    # t = 3 / sqrt(1/3), df = 2 (all variance from the second group).
    assert result.p_value == pytest.approx(2 * stats.t.sf(3 / math.sqrt(1 / 3), 2))


def family_table(p_values: list[float], prefix: str = "m"):
    """A compare table of one row tested against a baseline on one metric per p-value."""
    from ganbench.results.compare import Comparison, GroupSummary, MetricSummary
    names = [f"{prefix}{index}" for index in range(len(p_values))]
    label = {"arch": "mlp", "loss": "bce", "dataset": "ring8", "stabilizers": "none"}
    row = GroupSummary("row", label, "", [], {name: MetricSummary(name, "lower", [1.0, 2.0], p_value=p)
                                          for name, p in zip(names, p_values)})
    baseline = GroupSummary("base", {**label, "arch": "dcgan"}, "", [], {name: MetricSummary(name, "lower", [1.0, 2.0]) for name in names},
                            baseline=True)
    return Comparison([row, baseline], names, dict.fromkeys(names, "lower"), names[0], baseline,
                      tests=len(p_values))


def adjusted(table) -> list[float]:
    return [table.groups[0].metrics[name].p_adjusted for name in table.metrics]


def test_two_tables_of_one_study_are_adjusted_as_one_family_of_four():
    from ganbench.results.family import adjust_over_family
    quality, stability = family_table([0.01, 0.04], "fid"), family_table([0.03, 0.005], "loss_var")
    family = adjust_over_family([quality, stability], "the toy study")
    # Alone each table stars both of its tests (0.01*2, 0.04; 0.005*2, 0.03). Over the family of 4, by hand:
    # 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> 0.06 (never below the one before).
    assert (family.tests, family.tables) == (4, 2)
    assert adjusted(quality) == pytest.approx([0.03, 0.06])
    assert adjusted(stability) == pytest.approx([0.06, 0.02])
    assert [quality.groups[0].metrics[name].significant for name in quality.metrics] == [True, False]
    assert [stability.groups[0].metrics[name].significant for name in stability.metrics] == [False, True]
    note = quality.significance_note()
    assert "over the family of 4 tests of the toy study, across its 2 tables" in note
    assert "this table's 2: 1 row × 2 metrics" in note


def test_tables_with_different_corrections_are_not_one_family():
    from ganbench.results.family import adjust_over_family
    holm, bh = family_table([0.01]), family_table([0.02])
    bh.correction = "bh"
    with pytest.raises(ValueError, match="different corrections"):
        adjust_over_family([holm, bh], "a study")


def test_a_test_shown_in_two_tables_of_the_family_counts_once():
    from ganbench.results.family import adjust_over_family
    first, second = family_table([0.01, 0.04]), family_table([0.01, 0.04])  # the same row, metrics, baseline
    family = adjust_over_family([first, second], "a study")
    assert family.tests == 2  # not 4: Holm gives 0.02 and 0.04, as over one table
    assert adjusted(first) == adjusted(second) == pytest.approx([0.02, 0.04])
