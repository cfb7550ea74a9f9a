"""Tests against a baseline that survive many comparisons, and the size of each difference.

A compare table tests every row against the baseline on every ranked metric: with 4 rows and 3
metrics, 12 tests at alpha 0.05 give about a 46% chance of at least one false star when nothing
differs. The p-values of one table are therefore adjusted as one family:

- Holm (1979), "A simple sequentially rejective multiple test procedure", Scandinavian Journal
  of Statistics 6: controls the family-wise error rate (the chance of any false star), like
  Bonferroni, but rejects more. The default.
- Benjamini & Hochberg (1995), "Controlling the false discovery rate", JRSS B 57: controls the
  expected share of false stars among the stars; more lenient when many tests are run.

Each test is Welch's t-test (Welch 1947), and its effect size is the difference of the means,
row minus baseline, with a 95% confidence interval on Welch-Satterthwaite degrees of freedom
(Satterthwaite 1946, "An approximate distribution of estimates of variance components"). When
both groups are constant the test statistic is 0/0 or x/0: there is no p-value to report, only
the difference; two constant groups of three seeds are not evidence of anything.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from typing import Sequence

CORRECTIONS = ("none", "holm", "bh")
CORRECTION_NAMES = {"none": "no adjustment for multiple tests", "holm": "Holm-Bonferroni adjusted",
                    "bh": "Benjamini-Hochberg (false discovery rate) adjusted"}


@dataclasses.dataclass(frozen=True)
class Difference:
    """Mean of a row minus mean of the baseline, with its confidence interval (NaN when undefined)."""

    value: float
    low: float
    high: float
    degrees_of_freedom: float


@dataclasses.dataclass(frozen=True)
class WelchResult:
    p_value: float | None  # None: both groups constant, no test possible
    difference: Difference


def welch_test(row: Sequence[float], baseline: Sequence[float], confidence: float = 0.95) -> WelchResult:
    """Welch's two-sided t-test of ``row`` against ``baseline`` and the difference of their means."""
    from scipy import stats

    difference = mean_difference(row, baseline, confidence)
    if math.isnan(difference.degrees_of_freedom):
        return WelchResult(None, difference)
    standard_error = welch_standard_error(row, baseline)
    t = difference.value / standard_error
    return WelchResult(float(2 * stats.t.sf(abs(t), difference.degrees_of_freedom)), difference)


def mean_difference(row: Sequence[float], baseline: Sequence[float], confidence: float = 0.95) -> Difference:
    """mean(row) - mean(baseline) ± t(df) * SE, df by Welch-Satterthwaite; no interval without variance."""
    from scipy import stats

    value = statistics.fmean(row) - statistics.fmean(baseline)
    df = welch_degrees_of_freedom(row, baseline)
    if math.isnan(df):
        return Difference(value, math.nan, math.nan, math.nan)
    half_width = float(stats.t.ppf(0.5 + confidence / 2, df)) * welch_standard_error(row, baseline)
    return Difference(value, value - half_width, value + half_width, df)


def welch_standard_error(a: Sequence[float], b: Sequence[float]) -> float:
    return math.sqrt(statistics.variance(a) / len(a) + statistics.variance(b) / len(b))


def welch_degrees_of_freedom(a: Sequence[float], b: Sequence[float]) -> float:
    """Welch-Satterthwaite: (va + vb)^2 / (va^2/(na-1) + vb^2/(nb-1)), va = var(a)/na; NaN if both are 0."""
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    if va == 0 and vb == 0:
        return math.nan
    return (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))


def adjust(p_values: Sequence[float], method: str) -> list[float]:
    """The p-values of one family adjusted by ``method`` (one of CORRECTIONS), in the given order."""
    if method == "none":
        return [float(p) for p in p_values]
    if method == "holm":
        return holm_adjusted(p_values)
    if method == "bh":
        return benjamini_hochberg_adjusted(p_values)
    raise ValueError(f"unknown correction {method!r}; choose one of {', '.join(CORRECTIONS)}.")


def holm_adjusted(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: the i-th smallest of m gets (m - i + 1) p, never below the one before."""
    m = len(p_values)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(sorted(range(m), key=lambda i: p_values[i])):
        running = max(running, min(1.0, (m - rank) * p_values[index]))  # monotone: a later p cannot pass an earlier one
        adjusted[index] = running
    return adjusted


def benjamini_hochberg_adjusted(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg step-up adjustment: the i-th smallest of m gets m p / i, never above the one after."""
    m = len(p_values)
    adjusted = [0.0] * m
    running = 1.0
    for rank, index in reversed(list(enumerate(sorted(range(m), key=lambda i: p_values[i])))):
        running = min(running, m * p_values[index] / (rank + 1))
        adjusted[index] = running
    return adjusted
