"""One family of tests for a whole study: several compare tables of the same runs adjusted together.

Holm (1979, "A simple sequentially rejective multiple test procedure", Scandinavian Journal of
Statistics 6) bounds the chance of any false star *within the family it is given*. compare gives it
one table. A study page that reads two tables of the same runs against the same baseline (quality in
one, stability in the other) makes all of their claims at once, so adjusting each table alone lets
the page's chance of a false star grow with the number of tables. A study therefore declares its
family in its suite (``[study] family = "page"``, docs/sweeps.md) and the page renderer adjusts the
p-values of every table of the page on those runs as one family, here.

Only the adjustment changes: each test, its difference and interval stay those of its own table.
"""

from __future__ import annotations

from typing import Sequence

from ganbench.results.comparison import Comparison, MetricSummary, StudyFamily
from ganbench.results.learned import known_answer_notes
from ganbench.results.significance import adjust

FAMILY_SCOPES = ("table", "page")  # table: each compare table alone (compare's default); page: the study's pages


def tested_cells(comparison: Comparison) -> list[tuple[tuple[str, str, str], MetricSummary]]:
    """Every cell of a table that holds a p-value against the baseline, keyed by (row, metric, baseline)."""
    base = comparison.baseline.group if comparison.baseline else ""
    return [((group.group, name, base), summary) for group in comparison.groups for name in comparison.metrics
            if (summary := group.metrics.get(name)) is not None and summary.p_value is not None]


def adjust_over_family(comparisons: Sequence[Comparison], name: str,
                       reason: str = "the study declares one family") -> StudyFamily:
    """Adjust the p-values of all ``comparisons`` as one family (their shared correction) and re-star them.

    A test that two tables both show (the same row, metric and baseline) counts once. Each comparison
    keeps its own test count (its ``tests``); its ``family`` says what it was adjusted over. Tables
    must use the same correction: a family has one."""
    corrections = {comparison.correction for comparison in comparisons}
    if len(corrections) > 1:
        raise ValueError(f"the tables of one family use different corrections ({', '.join(sorted(corrections))}); "
                         f"a family has one.")
    cells = [cell for comparison in comparisons for cell in tested_cells(comparison)]
    p_values = {key: summary.p_value for key, summary in cells}  # one test per key, in table order
    family = StudyFamily(name, len(p_values), len(comparisons), reason)
    adjusted = dict(zip(p_values, adjust(list(p_values.values()), corrections.pop()))) if p_values else {}
    for key, summary in cells:
        summary.p_adjusted = adjusted[key]
        summary.significant = adjusted[key] < comparisons[0].alpha
    for comparison in comparisons:
        comparison.family = family
        # The stars changed, and with them whether "nothing is significant" and at which alpha.
        comparison.learned_notes = known_answer_notes(comparison)
    return family
