"""Which metric ranks a comparison table when the user names none.

Each evaluator declares a ``headline`` (its one summary figure: FID, modes covered). The table
ranks by the headline of the first evaluator among the shown metrics, in the order the runs
wrote them. Without any declared headline it falls back to the first metric with a direction,
and says so in the footnote. A 0/1 flag such as ``collapse`` used to rank tables this way, and
every row tied at rank 1.
"""

from __future__ import annotations

from typing import Sequence


def declared_headlines() -> set[str]:
    """The headline metric of every registered evaluator (built-in and plugin)."""
    from ganbench.plugin_host import plugins
    entries = plugins.registry().entries("evaluator")
    return {entry.cls.headline for entry in entries if getattr(entry.cls, "headline", None)}


def default_sort_metric(metrics: Sequence[str], directions: dict[str, str | None],
                        headlines: set[str] | None = None) -> tuple[str | None, bool]:
    """(the metric to rank by, whether it is a declared headline) among the shown ``metrics``."""
    headlines = declared_headlines() if headlines is None else headlines
    ranked = [name for name in metrics if directions.get(name)]
    for name in ranked:
        if name in headlines:
            return name, True
    return (ranked[0], False) if ranked else (None, False)
