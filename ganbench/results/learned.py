"""Known answers in a comparison: which rows learned, and how large an effect the table could see.

*Learned.* A trained configuration whose headline metric (modes covered, domain FID) is not
better than that of the one-mode / one-class control of its data has not learned the data: a
generator that samples one mode or one class of the real data does as well. compare marks such a
row "not learned" in every format (DESIGN.md, "Known answers"). The control is matched on the
data set and resolution, as controls are made; a row whose data has no such control in the table
gets no mark.

*Minimum detectable effect.* When no test against the baseline is significant, "no difference"
has a size: the smallest true difference of means that the table's two-sided t-test with n seeds
a side detects with 80% power, from the baseline's seed standard deviation s, at the table's
corrected alpha (0.05 / m over its m tests: the threshold Holm puts on the best p-value). The
maths (noncentral t) is in ganbench.results.power.
"""

from __future__ import annotations

import json
from typing import Sequence

from ganbench.results.comparison import Comparison, GroupSummary
from ganbench.results.power import MAX_SEEDS, corrected_alpha, minimum_detectable_effect, seeds_needed

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


def detectable_effect_note(comparison: Comparison) -> str | None:
    """When a baseline was tested and nothing is significant: the effect each metric could have shown."""
    baseline = comparison.baseline
    if baseline is None or not comparison.tests:
        return None
    tested = [name for name in comparison.metrics if comparison.directions.get(name)]
    if any(group.metrics[name].significant for group in comparison.groups for name in tested if name in group.metrics):
        return None
    tests = comparison.family.tests if comparison.family else comparison.tests
    alpha = corrected_alpha(MDE_ALPHA, tests, comparison.correction)
    sizes = []
    for name in tested:
        summary = baseline.metrics.get(name)
        if summary is None or summary.n < 2:
            continue
        if summary.std == 0:  # a spread of 0 would claim that any difference is seen: there is no estimate
            sizes.append(f"{name} unknown (the baseline's {summary.n} seeds do not vary)")
            continue
        effect = minimum_detectable_effect(summary.std, summary.n, alpha, MDE_POWER)
        if effect is not None:
            sizes.append(f"{name} {effect:.3g} (s = {summary.std:.3g}, n = {summary.n})")
    if not sizes:
        return None
    return (f"Nothing is significant, so no difference larger than about the minimum detectable effect is "
            f"likely: {'; '.join(sizes)}. MDE: the true difference of means the two-sided t-test detects with "
            f"{MDE_POWER:.0%} power at {alpha_text(comparison, tests, alpha)}, from the baseline's seed "
            f"standard deviation s, n seeds a side (noncentral t).")


def alpha_text(comparison: Comparison, tests: int, alpha: float) -> str:
    """Which alpha the minimum detectable effect was computed at, and why."""
    if comparison.correction == "none":
        return f"α = {alpha:.3g} (no correction)"
    if tests < 2:
        return f"α = {alpha:.3g} (the table has {'one test' if tests else 'no test'} to correct for)"
    over = "the study's family" if comparison.family else "the table's family"
    return f"α = {MDE_ALPHA}/{tests} = {alpha:.3g} ({over} of {tests} tests: the threshold its best p-value must clear)"


def known_answer_notes(comparison: Comparison) -> list[str]:
    """The learned count, where nothing is significant the minimum detectable effect, and the seeds
    that ``--power`` asked for."""
    notes = (learned_note(comparison), detectable_effect_note(comparison), seeds_needed_note(comparison))
    return [note for note in notes if note]


def parse_power(requests: Sequence[str], comparison: Comparison) -> list[tuple[str, float]]:
    """``--power`` values (``METRIC=EFFECT``, or ``EFFECT`` for the metric the table ranks by) as
    (metric, effect) pairs in the order given; every mistake is one ConfigError."""
    from ganbench.errors import ConfigError
    if requests and comparison.baseline is None:
        raise ConfigError("--power needs --baseline: the seeds are counted from the baseline's spread over its seeds.")
    effects: list[tuple[str, float]] = []
    for request in requests:
        metric, sep, text = str(request).rpartition("=")
        metric = metric.strip() if sep else (comparison.sort_metric or "")
        tested = [name for name in comparison.metrics if comparison.directions.get(name)]
        if metric not in tested:
            raise ConfigError(f"--power {request!r} names no tested metric of this table; "
                              f"give METRIC=EFFECT with one of: {', '.join(tested) or 'none'}.")
        try:
            effect = float(text)
        except ValueError:
            raise ConfigError(f"--power {request!r}: the effect must be a number, the difference of means to "
                              f"detect in {metric}'s units.") from None
        if not effect > 0 or effect == float("inf"):
            raise ConfigError(f"--power {request!r}: the effect must be a positive, finite difference of means.")
        summary = comparison.baseline.metrics.get(metric)
        if summary is None or summary.n < 2:
            raise ConfigError(f"--power {request!r}: the baseline has fewer than 2 seeds of {metric}, so its spread "
                              f"is unknown; run more seeds of it first.")
        effects.append((metric, effect))
    return effects


def seeds_needed_note(comparison: Comparison) -> str | None:
    """For each ``--power`` request: the seeds a configuration needs to find that difference."""
    if not comparison.power_effects or comparison.baseline is None:
        return None
    tests = comparison.family.tests if comparison.family else comparison.tests
    alpha = corrected_alpha(MDE_ALPHA, tests, comparison.correction)
    answers = []
    for metric, effect in comparison.power_effects:
        summary = comparison.baseline.metrics[metric]
        if summary.std == 0:
            answers.append(f"a {metric} difference of {effect:g}: unknown, the baseline's {summary.n} seeds do "
                           f"not vary (train more seeds or longer for a pilot)")
            continue
        seeds = seeds_needed(effect, summary.std, alpha, MDE_POWER)
        count = f"more than {MAX_SEEDS:,}" if seeds is None else str(seeds)
        answers.append(f"a {metric} difference of {effect:g}: {count} seeds per configuration "
                       f"(s = {summary.std:.3g} over the baseline's {summary.n} seeds)")
    return (f"Seeds needed to find, with {MDE_POWER:.0%} power at {alpha_text(comparison, tests, alpha)}, "
            f"{'; '.join(answers)}. The spread is this table's baseline's, read as a pilot (ganbench.results.power).")
