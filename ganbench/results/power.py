"""The power of a comparison: how large a difference a table could have found, and how many seeds
would find a given one.

compare tests every row against the baseline with a two-sided two-sample t-test over seeds. Its
power against a true difference of means ``effect`` with n seeds a side and seed standard
deviation s is that of the noncentral t distribution (Cohen 1988, ch. 2; what statsmodels'
``TTestIndPower`` computes):

    df = 2n - 2,   noncentrality = (effect / s) * sqrt(n / 2)
    power = P(T > t(1 - alpha/2, df)) + P(T < -t(1 - alpha/2, df)),   T ~ noncentral t(df, noncentrality)

*The corrected alpha.* A table adjusts its m tests together (Holm by default). Holm declares the
test with the smallest p-value only when p < alpha / m, so a table whose one true difference sits
among m - 1 null ones finds it only at alpha / m: that is the alpha a "no difference" must be read
at (Benjamini-Hochberg's first step is the same threshold; without a correction it is alpha). The
minimum detectable effect and the seeds needed are computed there.
"""

from __future__ import annotations

import math

DEFAULT_ALPHA = 0.05
DEFAULT_POWER = 0.8
MAX_SEEDS = 10_000  # beyond this, "seeds needed" is reported as out of reach


def corrected_alpha(alpha: float, tests: int, correction: str = "holm") -> float:
    """The p-value the best test of a family of ``tests`` must beat: alpha / m under Holm, and under
    Benjamini-Hochberg when only one difference is true (its first step); alpha uncorrected."""
    return alpha if correction == "none" else alpha / max(tests, 1)


def t_test_power(effect: float, std: float, n: int, alpha: float = DEFAULT_ALPHA) -> float:
    """Power of the two-sided two-sample t-test with n seeds a side against a true difference ``effect``."""
    from scipy import stats
    if n < 2:
        raise ValueError(f"power needs at least 2 seeds a side, got {n}.")
    if std <= 0 or not math.isfinite(std):
        raise ValueError(f"power needs a positive, finite standard deviation, got {std}.")
    degrees = 2 * n - 2
    noncentrality = abs(effect) / std * math.sqrt(n / 2)
    critical = stats.t.ppf(1 - alpha / 2, degrees)
    # The lower tail P(T < -c) as the upper tail of -T (noncentrality negated): scipy's cdf far in the
    # tail returns NaN where sf returns the (tiny) number.
    return float(stats.nct.sf(critical, degrees, noncentrality) + stats.nct.sf(critical, degrees, -noncentrality))


def minimum_detectable_effect(std: float, n: int, alpha: float = DEFAULT_ALPHA,
                              power: float = DEFAULT_POWER) -> float | None:
    """The smallest true difference of means detected with ``power`` (None without 2 seeds or a spread)."""
    from scipy.optimize import brentq
    if n < 2 or not math.isfinite(std) or std < 0:
        return None
    if std == 0:
        return 0.0
    high = std
    while t_test_power(high, std, n, alpha) < power:  # widen the bracket until it holds the answer
        high *= 2
    return float(brentq(lambda effect: t_test_power(effect, std, n, alpha) - power, 0.0, high, xtol=1e-10 * std))


def seeds_needed(effect: float, std: float, alpha: float = DEFAULT_ALPHA, power: float = DEFAULT_POWER) -> int | None:
    """The fewest seeds a side that detect a true difference ``effect`` with ``power``; None past MAX_SEEDS."""
    if std == 0:
        return 2
    low, high = 2, 2
    while t_test_power(effect, std, high, alpha) < power:
        if high >= MAX_SEEDS:
            return None
        low, high = high, min(high * 2, MAX_SEEDS)
    while low < high:  # power rises with n: bisect for the first n that reaches it
        middle = (low + high) // 2
        if t_test_power(effect, std, middle, alpha) >= power:
            high = middle
        else:
            low = middle + 1
    return high
