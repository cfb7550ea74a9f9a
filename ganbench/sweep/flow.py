"""A sweep from start to end, as a library call: plan the runs (a suite, the flags over it), add the
controls, train them by phases with an executor, and refuse a sweep in which nothing ran.

``ganbench sweep`` and ``ganbench.sweep(...)`` both go through here; the command only parses flags
and prints.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable, Sequence

from ganbench.config import RunConfig
from ganbench.errors import ConfigError, GanbenchError
from ganbench.sweep.expand import SweepSpec, count_groups, expand, phases, spec_from_suite


@dataclasses.dataclass
class SweepPlan:
    """The runs a sweep trains, with the controls evaluated beside them."""

    runs: list[RunConfig]
    controls: list[RunConfig]

    @property
    def results_dir(self) -> str:
        return self.runs[-1].results_dir

    @property
    def everything(self) -> list[RunConfig]:
        return [*self.runs, *self.controls]  # controls are runs too: the workers evaluate them beside the rest

    @property
    def configurations(self) -> int:
        return count_groups(self.runs)


def plan(suite: Path | str | None, flags: SweepSpec, budget: str | None = None,
         registry: Any = None) -> list[RunConfig]:
    """The runs of a sweep: the suite's (at ``budget``) with ``flags`` over it, or ``flags`` alone.
    Each is resolved once, here."""
    if budget is not None and suite is None:
        raise ConfigError("--budget names a [budgets.NAME] table of a suite file; give the suite.")
    spec = spec_from_suite(suite, budget).override(flags) if suite is not None else flags
    configs = expand(spec, registry)
    if not configs:
        raise ConfigError("the sweep has no runs.")
    return configs


def with_controls(runs: list[RunConfig], controls: bool) -> SweepPlan:
    """The plan, with the controls of each dataset, seed and evaluation setting when asked for."""
    from ganbench.engine.control_run import controls_beside
    return SweepPlan(runs, controls_beside(runs) if controls else [])


def migrate_results(results_dir: str, tell: Callable[[str], None]) -> None:
    """Runs written by an older ganbench get today's ids first, so that they are found, not retrained."""
    from ganbench.results.migrate import migrate_and_tell
    migrate_and_tell(results_dir, tell)


def train(configs: Sequence[RunConfig], executor: Any, on_update: Callable) -> list:
    """Train every run, sources first, all of them, so that no run waits on a source another worker
    is training. The caller reports, then calls :func:`refuse_if_nothing_ran`."""
    from ganbench.sweep.executors import run_in_phases
    return run_in_phases(phases(list(configs)), executor, on_update)


def refuse_if_nothing_ran(updates) -> None:
    """A sweep in which every run failed produced no result: it fails too (exit 2), with the first
    reason, and points at no results folder (there may be none)."""
    from ganbench.contracts.run_result import RunStatus
    if updates and all(update.state == RunStatus.FAILED for update in updates):
        reason = updates[0].message.rstrip(".") or "no reason given"
        raise GanbenchError(f"every run of the sweep failed ({len(updates)} of {len(updates)}); the first: {reason}.")
