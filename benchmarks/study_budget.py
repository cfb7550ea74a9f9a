"""A study's budget, read off its baseline's learning curve: from which step does the baseline beat
the one-mode / one-class control of its data on the headline metric?

    python -m benchmarks.study_budget runs/limited-data --baseline stabilizers=none \\
        --by arch --by dataset.subset

A study's comparison is readable only where its baseline has learned the data (issue 27, "Budgets
where the baseline learns"): a baseline no better than real samples of a single mode or class
cannot be beaten or matched in any sense that matters. The runs must have been trained with
``--eval-every`` so that each one wrote evaluations.jsonl; the control runs come from the same
sweep's ``--controls``.

The rule, fixed before any study was re-run with it (results/study-budgets.md):

- The baseline's value at a step is its mean over seeds, as compare's learned mark reads it
  (ganbench.results.learned), and the control's value is its mean over seeds.
- The baseline **learned from step S** when its mean beats the control's at S and at every later
  evaluated step, the last one (the budget) included: a curve that dips back is not counted from
  its first good step.
- A study's budget is adequate when every one of its tables' baselines learned by the budget.

``--metric NAME`` (repeatable) names the page's metrics, so that the headline among them is the
one the page ranks by. ``--by KEY`` (repeatable) splits the runs into the study's tables (one baseline each), with the
keys compare's ``--where`` takes; ``--where`` keeps a subset first. The output is one Markdown
table, a row per study table: the control's value, the baseline's curve, the step from which it
learned and the verdict.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from benchmarks.reproductions.learning_curve import curve_points
from ganbench.errors import ConfigError
from ganbench.results.compare import compare, filter_runs, run_value, valid_keys
from ganbench.results.conditions import MISSING
from ganbench.results.comparison import GroupSummary, is_better
from ganbench.results.index import IndexedRun, default_index_path, ensure_index, load_runs
from ganbench.results.learned import collapse_controls, data_key, headline_metric


@dataclass
class BaselineCurve:
    """One study table's baseline against the collapse control of its data."""

    cell: dict[str, str]  # the --by keys' values that name the table
    metric: str
    direction: str
    control: str  # one-mode or one-class
    control_value: float
    points: dict[int, list[float]]  # step -> the seeds' values

    @property
    def budget(self) -> int:
        return max(self.points)

    def mean(self, step: int) -> float:
        return statistics.fmean(self.points[step])

    def beats_control(self, step: int) -> bool:
        return is_better(self.mean(step), self.control_value, self.direction)

    def learned_from(self) -> int | None:
        """The first step from which the mean beats the control at every later evaluation, or None."""
        first = None
        for step in sorted(self.points):
            if self.beats_control(step):
                first = step if first is None else first
            else:
                first = None
        return first


def seed_points(group: GroupSummary, metric: str) -> dict[int, list[float]]:
    """step -> the values of the seeds evaluated at that step."""
    points: dict[int, list[float]] = {}
    for run in group.runs:
        for step, value in curve_points(Path(run.path), metric).items():
            points.setdefault(step, []).append(value)
    return points


def table_cells(runs: Sequence[IndexedRun], by: Sequence[str]) -> list[dict[str, str]]:
    """The distinct values of the ``--by`` keys among the trained runs, one dict per study table."""
    for key in by:
        if all(run_value(run, key) is MISSING for run in runs):
            raise ConfigError(f"--by {key!r} is not a run setting; valid keys: {', '.join(valid_keys(runs))}.")
    cells = {tuple(str(run_value(run, key)) for key in by) for run in runs if not run.control}
    return [dict(zip(by, values)) for values in sorted(cells)]


def baseline_curve(runs: Sequence[IndexedRun], cell: dict[str, str], baseline: str,
                   metrics: Sequence[str] = ()) -> BaselineCurve:
    """The baseline of one study table, with the collapse control of its data; the headline metric is
    the one compare ranks the table by with these ``metrics`` shown (the page's --metric flags)."""
    cell_runs = filter_runs(runs, [f"{key}={value}" for key, value in cell.items()])
    comparison = compare(cell_runs, metrics=metrics, baseline=baseline)
    metric = headline_metric(comparison)
    if metric is None:
        raise ConfigError(f"the runs of {describe(cell)} have no headline metric to judge learning by.")
    base = comparison.baseline
    control = collapse_controls(comparison.groups).get(data_key(base))
    if control is None or metric not in control.metrics:
        raise ConfigError(f"{describe(cell)} has no one-mode/one-class control; sweep the study with --controls.")
    return BaselineCurve(cell, metric, comparison.directions[metric], control.control,
                         control.metrics[metric].mean, seed_points(base, metric))


def describe(cell: dict[str, str]) -> str:
    return ", ".join(f"{key}={value}" for key, value in cell.items()) or "the runs"


def verdict(curve: BaselineCurve) -> str:
    start = curve.learned_from()
    if start is None:
        return f"**not learned by step {curve.budget}**"
    return f"learned from step {start} ({start / curve.budget:.0%} of the budget)"


def curve_text(curve: BaselineCurve) -> str:
    """``75: 412; 150: 230 ...``: the mean at each evaluated step, in bold where it beats the control."""
    cells = []
    for step in sorted(curve.points):
        value = f"{curve.mean(step):.3g}"
        cells.append(f"{step}: **{value}**" if curve.beats_control(step) else f"{step}: {value}")
    return "; ".join(cells)


def markdown(curves: Sequence[BaselineCurve], by: Sequence[str]) -> str:
    seeds = sorted({len(values) for curve in curves for values in curve.points.values()})
    header = [*by, "control", "baseline by step (mean over seeds)", "budget", "verdict"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for curve in curves:
        cells = [curve.cell[key] for key in by]
        cells += [f"{curve.control}: {curve.control_value:.3g} {curve.metric}", curve_text(curve),
                  str(curve.budget), verdict(curve)]
        lines.append("| " + " | ".join(cells) + " |")
    arrow = "lower" if curves and curves[0].direction == "lower" else "higher"
    lines += ["", f"Cells: the baseline's headline metric ({arrow} is better), mean over "
              f"{'/'.join(map(str, seeds))} seeds at each evaluated step; bold where it beats the control's mean. "
              "Learned from step S: beats the control at S and at every later step (benchmarks/study_budget.py)."]
    return "\n".join(lines) + "\n"


def study_curves(results: Path, baseline: str, by: Sequence[str] = (), where: Sequence[str] = (),
                 metrics: Sequence[str] = ()) -> list[BaselineCurve]:
    if not results.is_dir():
        raise ConfigError(f"results directory {results} does not exist; run the study's sweep first.")
    ensure_index(results)
    runs = filter_runs(load_runs(default_index_path(results)), where)
    if not any(not run.control for run in runs):
        raise ConfigError(f"{results} holds no finished trained run that meets --where.")
    return [baseline_curve(runs, cell, baseline, metrics) for cell in table_cells(runs, by)]


def main(arguments: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.study_budget", description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="the study's results directory (trained with --eval-every)")
    parser.add_argument("--baseline", required=True, help="the baseline of every table, as compare --baseline takes it")
    parser.add_argument("--by", action="append", default=[], help="a key that splits the study into tables, repeatable")
    parser.add_argument("--where", action="append", default=[], help="keep only these runs, as compare --where")
    parser.add_argument("--metric", action="append", default=[],
                        help="the page's metrics, repeatable: the headline among them judges learning")
    args = parser.parse_args(arguments)
    try:
        curves = study_curves(args.results, args.baseline, args.by, args.where, args.metric)
    except ConfigError as error:
        print(f"Error: {error}", file=sys.stderr)
        return 2
    print(markdown(curves, args.by), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
