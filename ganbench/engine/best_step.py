"""The best step of each metric over the evaluations of a run, reported beside the headline.

The final checkpoint's figures are a run's headline: choosing the best of many evaluations
would flatter every variant by its noise, and unequally so. The best step is still worth
knowing (a run that peaked early and then degraded tells a story), so result.json carries it
under ``best``, labelled as such, for each metric whose evaluator declares a direction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable


def read_evaluations(path: Path) -> list[dict[str, Any]]:
    """Rows of evaluations.jsonl, read as every run log is (a line cut by a crash at the end is dropped)."""
    from ganbench.results.run_dir import read_log
    return read_log(Path(path))


def declared_directions(evaluators: Iterable[Any]) -> dict[str, str]:
    """metric -> "lower"/"higher", as the evaluators declare them (undeclared metrics have no best)."""
    directions: dict[str, str] = {}
    for evaluator in evaluators:
        directions.update(evaluator.directions)
    return directions


def best_steps(evaluations: Iterable[dict[str, Any]], directions: dict[str, str]) -> dict[str, dict[str, float]]:
    """``{metric: {"step": s, "value": v}}``: the best value of each directed metric; ties go to the earliest step.

    ``evaluations`` are rows ``{"step": s, "metrics": {...}}``; a later row for the same step
    (written again after a resume) replaces the earlier one.
    """
    by_step = {int(row["step"]): row.get("metrics", {}) for row in evaluations}
    best: dict[str, dict[str, float]] = {}
    for step in sorted(by_step):
        for metric, value in by_step[step].items():
            direction = directions.get(metric)
            if direction is None or value is None or value != value:  # undirected or NaN
                continue
            current = best.get(metric)
            if current is None or _better(value, current["value"], direction):
                best[metric] = {"step": step, "value": value}
    return best


def _better(value: float, than: float, direction: str) -> bool:
    return value < than if direction == "lower" else value > than


def best_of_run(evaluations_file: Path, during_training: list[dict[str, Any]], final_step: int,
                final_metrics: dict[str, float], evaluators: Iterable[Any]) -> dict[str, dict[str, float]]:
    """Best steps over every evaluation of a run: the log (which survives a resume), the rows of
    this process, and the final checkpoint's figures; only steps up to ``final_step`` count."""
    rows = [*read_evaluations(evaluations_file), *during_training]
    rows = [row for row in rows if int(row["step"]) <= final_step]
    if final_metrics:
        rows.append({"step": final_step, "metrics": final_metrics})
    return best_steps(rows, declared_directions(evaluators))
