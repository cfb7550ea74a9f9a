"""Known answers in a comparison: which rows learned, and how large an effect the table could see.

*Learned.* A trained configuration whose headline metric (modes covered, domain FID) is not
better than that of the one-mode / one-class control of its data has not learned the data: a
generator that samples one mode or one class of the real data does as well. compare marks such a
row "not learned" in every format (DESIGN.md, "Known answers"). The control is matched on the
data set and resolution, as controls are made; a row whose data has no such control in the table
gets no mark.

*Minimum detectable effect.* When no test against the baseline is significant, "no difference"
has a size: the smallest true difference of means that a two-sided t-test at alpha with n seeds
per side would detect with the given power, from the baseline's seed standard deviation s
(the normal-theory formula with t quantiles, e.g. Cohen 1988, ch. 2):

    MDE = (t(1 - alpha/2, 2n - 2) + t(power, 2n - 2)) * s * sqrt(2 / n)

It is computed at alpha 0.05 before the multiple-testing correction, so the corrected test needs
an effect at least this large.
"""

from __future__ import annotations

import json
import math
from typing import Sequence

from ganbench.results.comparison import Comparison, GroupSummary

COLLAPSE_CONTROLS = ("one-mode", "one-class")
MDE_ALPHA = 0.05
MDE_POWER = 0.8
NOT_LEARNED = "not learned"


def headline_metric(comparison: Comparison) -> str | None:
    """The declared headline among the shown metrics: the figure a row must beat the control on."""
    from ganbench.results.headline import default_sort_metric
    name, is_headline = default_sort_metric(comparison.metrics, comparison.directions)
    return name if is_headline else None


def data_key(group: GroupSummary) -> str:
    """The data a group was trained on (or a control sampled), as controls are matched."""
    config = group.runs[0].config
    return json.dumps([config.get("dataset"), config.get("resolution")], sort_keys=True, default=str)


def collapse_controls(groups: Sequence[GroupSummary]) -> dict[str, GroupSummary]:
    """data key -> the one-mode or one-class control of that data."""
    return {data_key(group): group for group in groups if group.control in COLLAPSE_CONTROLS}


def mark_learned(comparison: Comparison) -> None:
    """Set ``learned`` on every trained group that has a collapse control of its data and a headline value."""
    metric = headline_metric(comparison)
    direction = comparison.directions.get(metric) if metric else None
    if direction not in ("lower", "higher"):
        return
    controls = collapse_controls(comparison.groups)
    for group in comparison.groups:
        control = controls.get(data_key(group))
        if group.control is not None or control is None:
            continue
        ours, theirs = group.metrics.get(metric), control.metrics.get(metric)
        if ours is None or theirs is None or not ours.n or not theirs.n:
            continue
        group.learned = ours.mean < theirs.mean if direction == "lower" else ours.mean > theirs.mean


def has_marks(comparison: Comparison) -> bool:
    return any(group.learned is not None for group in comparison.groups)


def learned_text(group: GroupSummary) -> str:
    """The learned column's cell: yes, not learned, or a dash (a control, or no control to judge by)."""
    if group.learned is None:
        return "—"
    return "yes" if group.learned else NOT_LEARNED


def learned_note(comparison: Comparison) -> str | None:
    """How many configurations learned, against which control and on which metric."""
    if not has_marks(comparison):
        return None
    judged = [group for group in comparison.groups if group.learned is not None]
    learned = sum(bool(group.learned) for group in judged)
    return (f"Learned: {learned} of {len(judged)} trained configuration{'s' * (len(judged) != 1)} beat the "
            f"one-mode/one-class control of their data on {headline_metric(comparison)} (mean over seeds); a row "
            f"marked '{NOT_LEARNED}' does no better than real samples of a single mode or class.")


def minimum_detectable_effect(std: float, n: int, alpha: float = MDE_ALPHA, power: float = MDE_POWER) -> float | None:
    """The smallest difference of means a two-sided t-test with n seeds a side detects with ``power``."""
    if n < 2 or not math.isfinite(std):
        return None
    from scipy import stats
    degrees = 2 * n - 2
    return float((stats.t.ppf(1 - alpha / 2, degrees) + stats.t.ppf(power, degrees)) * std * math.sqrt(2 / n))


def detectable_effect_note(comparison: Comparison) -> str | None:
    """When a baseline was tested and nothing is significant: the effect each metric could have shown."""
    baseline = comparison.baseline
    if baseline is None or not comparison.tests:
        return None
    tested = [name for name in comparison.metrics if comparison.directions.get(name)]
    if any(group.metrics[name].significant for group in comparison.groups for name in tested if name in group.metrics):
        return None
    sizes = []
    for name in tested:
        summary = baseline.metrics.get(name)
        effect = minimum_detectable_effect(summary.std, summary.n) if summary else None
        if effect is not None:
            sizes.append(f"{name} {effect:.3g} (s = {summary.std:.3g}, n = {summary.n})")
    if not sizes:
        return None
    return (f"Nothing is significant, so no difference larger than about the minimum detectable effect is "
            f"likely: {'; '.join(sizes)}. MDE = (t(1-α/2) + t(power)) · s · √(2/n) at α = {MDE_ALPHA} before "
            f"correction and {MDE_POWER:.0%} power, from the baseline's seed standard deviation s and n, "
            f"2n-2 degrees of freedom.")
