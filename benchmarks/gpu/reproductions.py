"""The reproductions of benchmarks/reproductions/ at their ``[budgets.gpu]`` settings, run by the GPU
script within its time budget, and the figures each one's page reads.

Runs are ordered seed by seed: every configuration (and the controls) of seed 0 of every suite,
then seed 1, and so on, so that a budget too short for all of them still leaves comparable
configurations at equal seeds (and once a run of seed s is left out, the suite's later seeds are
too: EqualSeeds). Within a seed, the cheapest suite goes first. A run is started only when its
estimate, and those of the runs of its seed that it is compared with, fit (benchmarks/gpu/time_budget.py;
rest_of_the_seed): before the first run of a configuration the
estimate comes from timing a few of its steps on the device (as benchmarks/reproductions/step_cost.py
does); after it, from how long that run took. Runs live in ganbench run directories, so a later call
with the same results folder skips what finished and resumes what did not.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import torch

from benchmarks.reproductions.learning_curve import configuration_label
from ganbench.config import RunConfig
from ganbench.sweep.expand import SweepSpec
from ganbench.sweep.flow import plan, with_controls

SUITES_DIR = Path(__file__).resolve().parent.parent / "reproductions"
BUDGET = "gpu"

# What each page compares: the compare command in the header of each suite, fixed with the protocol.
COMPARISONS = {
    "minimax-vs-nonsaturating": {"metric": ["domain_fid", "stability_g_loss_mean"], "baseline": "loss=minimax"},
    "pacgan-ring": {"metric": ["modes_covered_paper", "high_quality_share", "mode_reverse_kl", "modes_covered"],
                    "baseline": "stabilizers=none"},
    "unrolled-ring": {"metric": ["modes_covered_paper", "high_quality_share", "modes_covered"],
                      "baseline": "unrolled.k=0"},
}
# Python packages a suite's evaluators import that a bare GPU machine may lack (docs/gpu.md: carry a wheel).
NEEDS = {"minimax-vs-nonsaturating": ["torch_fidelity"]}

ESTIMATE_MARGIN = 1.3  # the probe times steps alone; evaluations, checkpoints and set-up come on top
SECONDS_PER_EVALUATION = 3.0  # a guess for a configuration's first run, replaced by what the run took
CONTROL_GUESS_SECONDS = 20.0  # a control trains nothing: its evaluation, and for digits the classifier
PROBE_STEPS = 20


@dataclasses.dataclass
class Suite:
    """One reproduction: its suite file, the runs of its gpu budget and the controls beside them."""

    name: str
    path: Path
    runs: list[RunConfig]
    controls: list[RunConfig]
    results_dir: str

    @property
    def everything(self) -> list[RunConfig]:
        return [*self.runs, *self.controls]


def suite_names() -> list[str]:
    return sorted(path.stem for path in SUITES_DIR.glob("*.toml"))


def load_suite(name: str, device: str, runs_root: Path, overrides: dict[str, Any]) -> Suite:
    """The suite's runs at its gpu budget, on ``device``, under ``runs_root/NAME``; ``overrides`` (seeds,
    steps, eval_every: fewer seeds, or a dry run) replace the budget's, as flags would."""
    path = SUITES_DIR / f"{name}.toml"
    results_dir = str(runs_root / name)
    seeds = overrides.pop("seeds", None)
    axes = {"seed": list(range(seeds))} if seeds else {}
    runs = plan(path, SweepSpec({**overrides, "device": device, "results_dir": results_dir}, axes), BUDGET)
    return Suite(name, path, runs, with_controls(runs, True).controls, results_dir)


def ordered_work(suites: list[Suite], cost_of_a_seed: dict[str, float]) -> list[tuple[Suite, RunConfig]]:
    """Seed by seed; within a seed the cheapest suite first, its trained runs before its controls."""
    work = [(suite, config) for suite in suites for config in suite.everything]
    seeds = {suite.name: sorted({config.seed for config in suite.runs}) for suite in suites}

    def order(item: tuple[Suite, RunConfig]) -> tuple:
        suite, config = item
        return (seeds[suite.name].index(config.seed), cost_of_a_seed.get(suite.name, 0.0), suite.name,
                config.control is not None)

    return sorted(work, key=order)  # sorted is stable: a suite's own order stays within each key


def group_of(config: RunConfig) -> str:
    """The configuration a run belongs to (its seeds share it); a control by its kind and data."""
    return f"control:{config.control}:{config.dataset.name}" if config.control else config.config_hash(include_seed=False)


def label_of(config: RunConfig) -> str:
    if config.control:
        return f"control:{config.control}"
    return configuration_label(config.to_dict())


class CostModel:
    """Seconds a run is expected to take: measured seconds of an earlier run of its configuration,
    else a probe of its step cost on the device times its steps, plus its evaluations."""

    def __init__(self, probe_steps: int = PROBE_STEPS) -> None:
        self.probe_steps = probe_steps
        self.seconds_per_step: dict[str, float] = {}
        self.measured: dict[str, float] = {}

    def estimate(self, config: RunConfig) -> float:
        from ganbench.sweep.executors import finished_update
        if finished_update(config) is not None:
            return 0.0  # finished in an earlier call (its runs carried back): the sweep skips it at once
        group = group_of(config)
        if group in self.measured:
            return self.measured[group]
        if config.control:
            return CONTROL_GUESS_SECONDS
        if group not in self.seconds_per_step:
            self.seconds_per_step[group] = probe_seconds_per_step(config, self.probe_steps)
        evaluations = config.steps // config.eval_every + 1 if config.eval_every else 1
        return config.steps * self.seconds_per_step[group] * ESTIMATE_MARGIN + evaluations * SECONDS_PER_EVALUATION

    def learn(self, config: RunConfig, seconds: float) -> None:
        self.measured[group_of(config)] = seconds


def rest_of_the_seed(suite: Suite, config: RunConfig, costs: CostModel, started: set[str]) -> float:
    """Seconds for ``config`` and the trained runs of its seed in its suite that have not started: a run is
    worth starting only when the configurations it is compared with at that seed can follow it."""
    if config.control:
        return costs.estimate(config)
    return sum(costs.estimate(other) for other in suite.runs
               if other.seed == config.seed and (other is config or other.run_id not in started))


class EqualSeeds:
    """Once a run of seed s of a suite is left out for time, its later seeds are left out too: seed s+1
    of a cheap configuration adds nothing to a comparison whose expensive configuration stopped at s."""

    def __init__(self) -> None:
        self.first_left_out: dict[str, int] = {}

    def left_out(self, suite: str, seed: int) -> None:
        self.first_left_out[suite] = min(seed, self.first_left_out.get(suite, seed))

    def allows(self, suite: str, seed: int) -> bool:
        return seed <= self.first_left_out.get(suite, seed)


def probe_seconds_per_step(config: RunConfig, steps: int) -> float:
    """Seconds per training step of ``config`` on its device: a few engine steps, no files written."""
    from ganbench.engine.setup import prepare
    from ganbench.engine.step import AdversarialStep
    from ganbench.contracts.stabilizer import StepInfo

    setup = prepare(dataclasses.replace(config, evaluators=[]))
    step = AdversarialStep(setup)
    for warm in range(3):  # first calls pay for kernel selection and allocator growth
        step(StepInfo(warm, config.steps))
    synchronize(setup.device)
    started = time.perf_counter()
    for index in range(steps):
        step(StepInfo(index, config.steps))
    synchronize(setup.device)
    return (time.perf_counter() - started) / steps


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def comparison(suite: Suite) -> dict[str, Any]:
    """The page's compare over what has finished: its markdown and its rows, or why there is none."""
    import ganbench
    from ganbench.errors import GanbenchError

    settings = COMPARISONS.get(suite.name, {})
    try:
        table = ganbench.compare(suite.results_dir, **settings)
    except GanbenchError as error:
        return {"markdown": None, "rows": [], "why_none": str(error)}
    return {"markdown": table.to_markdown(), "rows": table.rows(), "why_none": None}
