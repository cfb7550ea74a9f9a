"""Calibrate metrics on the ladders: what each metric sees, how small a step it separates, what it misses.

For one data set, ``calibrate`` evaluates the clean foot of every ladder (``clean@0``) and every step of
every ladder that applies (``ganbench.ladders``) at seeds 0..N-1, with the runs' evaluators and
protocol, as control runs. Then, for each directed metric and each defect:

- the rank correlation (Spearman 1904) between the defect's severity (0 for clean, 1, 2, ... for its
  steps from mild to severe) and the metric over every seed, signed so that a positive value means
  the metric gets *worse* as the defect grows;
- each step against clean by Welch's t-test over the seeds (``ganbench.results.significance``), the
  p-values of one metric (every step of every ladder) adjusted as one family by Holm (1979). Two
  groups without variance that differ (``modes_covered`` 7 against 8 at every seed) are separated
  without a test: p counts as 0;
- the smallest step the metric separates from clean in its worse direction, and a verdict: ``sees``
  (some step is worse, significantly), ``rewards`` (no step is worse and some step is significantly
  *better*, or the correlation says better at -0.5 or below) or ``blind`` (no step separated).

The result is a plain dict (written as calibration JSON), so that compare's footnotes and the
published page read the same figures.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from typing import Any, Callable

from ganbench.ladders import CLEAN, DEFECTS, Defect, step_name
from ganbench.results.significance import holm_adjusted, welch_test

ALPHA = 0.05
SCHEMA = 1
CORRELATION_FOR_REWARD = -0.5  # at or below: the metric gets better as the defect grows


@dataclasses.dataclass
class StepFigures:
    """One step of one ladder (the clean foot: defect CLEAN, level 0) and its metrics at every seed."""

    defect: str
    level: float
    rank: int  # 0 for clean, then 1, 2, ... from mild to severe
    values: dict[str, list[float]]


def planned_steps(defects: list[Defect], levels: Callable[[Defect], tuple[float, ...]]) -> list[tuple[str, float, int]]:
    """(defect, level, severity rank) of the clean foot and of every step, mild to severe within a ladder."""
    plan = [(CLEAN, 0.0, 0)]
    for defect in defects:
        ordered = sorted(levels(defect), key=defect.severity)
        plan += [(defect.name, level, rank) for rank, level in enumerate(ordered, start=1)]
    return plan


def step_test(step: list[float], clean: list[float]) -> tuple[float, float]:
    """(p-value, difference of means) of a step against clean; separated without a test when neither varies."""
    difference = statistics.fmean(step) - statistics.fmean(clean)
    if len(step) < 2 or len(clean) < 2:
        return 1.0, difference
    result = welch_test(step, clean)
    if result.p_value is None:  # both constant: equal (no evidence) or different at every seed
        return (0.0 if difference != 0 else 1.0), difference
    return result.p_value, difference


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman's rank correlation (ties averaged); NaN when either side is constant."""
    from scipy import stats
    if len(set(x)) < 2 or len(set(y)) < 2:
        return math.nan
    return float(stats.spearmanr(x, y).statistic)


def metric_calibration(metric: str, direction: str, steps: list[StepFigures]) -> dict[str, Any]:
    """Correlation, tests against clean (Holm over the metric's family), smallest step and verdict per defect."""
    clean = next(step for step in steps if step.defect == CLEAN).values.get(metric, [])
    tested = [step for step in steps if step.defect != CLEAN and metric in step.values and clean]
    outcomes = [step_test(step.values[metric], clean) for step in tested]
    adjusted = holm_adjusted([p for p, _ in outcomes]) if outcomes else []
    worse_sign = 1 if direction == "lower" else -1  # lower is better: a rise is worse
    per_defect: dict[str, dict[str, Any]] = {}
    for defect in dict.fromkeys(step.defect for step in tested):
        rows = [(step, outcome, p) for step, outcome, p in zip(tested, outcomes, adjusted) if step.defect == defect]
        per_defect[defect] = defect_reading(rows, clean, worse_sign, metric)
    return {"direction": direction, "defects": per_defect,
            "blind_to": [name for name, reading in per_defect.items() if reading["verdict"] != "sees"],
            "rewards": [name for name, reading in per_defect.items() if reading["verdict"] == "rewards"]}


def defect_reading(rows: list, clean: list[float], worse_sign: int, metric: str) -> dict[str, Any]:
    severities = [0.0] * len(clean) + [float(step.rank) for step, _, _ in rows for _ in step.values[metric]]
    values = list(clean) + [value for step, _, _ in rows for value in step.values[metric]]
    rho = spearman(severities, values)
    worse_rho = worse_sign * rho if not math.isnan(rho) else math.nan
    worse = [step.level for step, (_, difference), p in rows if p < ALPHA and worse_sign * difference > 0]
    better = [step.level for step, (_, difference), p in rows if p < ALPHA and worse_sign * difference < 0]
    if worse:
        verdict = "sees"
    elif better or (not math.isnan(worse_rho) and worse_rho <= CORRELATION_FOR_REWARD):
        verdict = "rewards"
    else:
        verdict = "blind"
    return {"worse_correlation": None if math.isnan(worse_rho) else round(worse_rho, 4),
            "smallest_step": worse[0] if worse else None,
            "verdict": verdict,
            "clean_mean": statistics.fmean(clean),
            "steps": [{"level": step.level, "mean": statistics.fmean(step.values[metric]),
                       "p_adjusted": round(p, 6), "difference": difference}
                      for step, (_, difference), p in rows]}


def calibrate_figures(steps: list[StepFigures], directions: dict[str, str | None]) -> dict[str, dict[str, Any]]:
    """Every directed metric's calibration over ``steps``."""
    return {metric: metric_calibration(metric, direction, steps)
            for metric, direction in sorted(directions.items()) if direction}


def calibration_document(dataset: str, resolution: int, seeds: int, evaluators: list[str], command: str,
                         steps: list[StepFigures], directions: dict[str, str | None],
                         protocol: dict[str, Any], labelled: bool = False,
                         dataset_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """What ``calibrate`` stores (calibration JSON) and every output format reads; ``labelled``: the steps
    were class-conditional generators (``DEFECT@LEVEL+labels``); ``dataset_options``: the data's options
    (a held-out reference, a subset), which change what the metrics compare against."""
    return {"schema": SCHEMA, "dataset": dataset, "dataset_options": dict(dataset_options or {}),
            "resolution": resolution, "seeds": seeds, "conditional": labelled,
            "evaluators": evaluators, "command": command, "alpha": ALPHA,
            "family": "Holm over each metric's tests: every step of every ladder against clean",
            "ladders": {name: {"level_means": DEFECTS[name].level_means,
                               "levels": [step.level for step in steps if step.defect == name]}
                        for name in dict.fromkeys(step.defect for step in steps if step.defect != CLEAN)},
            "metrics": calibrate_figures(steps, directions), "protocol": protocol,
            "steps": [{"control": step_name(step.defect, step.level, labelled), **dataclasses.asdict(step)}
                      for step in steps]}
