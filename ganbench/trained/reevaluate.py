"""Evaluate a finished run again, with other evaluators or sample counts, and merge the figures
into its result.json: recomputed figures replace the old ones, the others stay as they were."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ganbench.config import Choice
from ganbench.errors import CheckpointError
from ganbench.engine.best_step import best_of_run
from ganbench.engine.evaluation import Evaluation, evaluate
from ganbench.trained.trained_run import load_trained_run
from ganbench.contracts.run_result import RunResult, RunStatus
from ganbench.results.run_dir import RunDir


def finished_result(run_dir: RunDir) -> RunResult:
    """result.json of a finished run; anything else is one sentence."""
    if not run_dir.path.is_dir():
        raise CheckpointError(f"no run directory at {str(run_dir.path)!r}.")
    result = run_dir.read_result()
    if result is None:
        raise CheckpointError(f"run {str(run_dir.path)!r} has no result.json yet; finish it with ganbench run first.")
    if result.status != RunStatus.FINISHED:
        raise CheckpointError(f"run {str(run_dir.path)!r} ended as {result.status.value!r}, not finished, "
                              f"so its final checkpoint has no figures to recompute.")
    return result


def merged_result(result: RunResult, evaluation: Evaluation, step: int, best: dict[str, Any],
                  record: dict[str, Any]) -> RunResult:
    """``result`` with the recomputed metrics, directions, protocol and best steps replaced."""
    return result.replace(
        metrics={**result.metrics, **evaluation.metrics},
        directions={**result.directions, **evaluation.directions},
        protocol={**result.protocol, **evaluation.protocol},
        best={**result.best, **{name: value for name, value in best.items() if name in evaluation.metrics}},
        reevaluations=[*result.reevaluations, {**record, "step": step}])


def reevaluate(path: Path | str, evaluators: list[Choice] | None = None, eval_samples: int | None = None,
               device: str = "auto") -> tuple[RunResult, Evaluation]:
    """Run ``evaluators`` (default: the run's own) on the run's last checkpoint and update result.json.

    Returns the new result and the evaluation. result.json is replaced atomically, and only
    after every evaluator has finished.
    """
    run_dir = RunDir(path)
    result = finished_result(run_dir)
    trained = load_trained_run(run_dir.path, device=device, evaluators=evaluators, eval_samples=eval_samples)
    started = time.time()
    evaluation = evaluate(trained.setup, run_dir.path, run_dir.read_metrics())
    best = best_of_run(run_dir.evaluations, [], trained.step, evaluation.metrics, trained.setup.evaluators)
    record = {"evaluators": [evaluator.name for evaluator in trained.setup.evaluators],
              "eval_samples": trained.setup.config.eval_samples, "eval_time_s": round(evaluation.seconds, 3),
              "at": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started))}
    merged = merged_result(result, evaluation, trained.step, best, record)
    run_dir.write_result(merged)
    return merged, evaluation
