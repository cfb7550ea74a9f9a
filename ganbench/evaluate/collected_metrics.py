"""The metrics of all evaluators of one run, merged so that each name keeps one meaning.

Two evaluators that report the same name would silently overwrite one another in result.json,
and compare would then rank one evaluator's number under the other's definition; that is
refused. A direction is recorded only where the evaluator declares one: a metric without one
(a mean loss, a step number) is shown by compare but never ranked, bolded or tested.
"""

from __future__ import annotations

from typing import Any

from ganbench.errors import EvaluationError


class CollectedMetrics:
    """Metric values, their declared directions, and which evaluator reported each name."""

    def __init__(self) -> None:
        self.metrics: dict[str, float] = {}
        self.directions: dict[str, str] = {}
        self.owners: dict[str, str] = {}

    def add(self, evaluator: Any, values: dict[str, float], prefix: str = "") -> None:
        """Merge one evaluator's figures (named with ``prefix``, ``raw_`` for the trained generator
        beside EMA's); a name another evaluator already reported is an error."""
        for name in values:
            owner = self.owners.get(name)
            if owner is not None and owner != evaluator.name:
                raise EvaluationError(
                    f"evaluators {owner!r} and {evaluator.name!r} both report the metric {name!r}; one run "
                    f"cannot hold two meanings of one name, so drop one of them or rename its metric.")
        for name, value in values.items():
            self.metrics[name] = float(value)
            self.owners[name] = evaluator.name
            declared = name[len(prefix):]
            if declared in evaluator.directions:
                self.directions[name] = evaluator.directions[declared]
