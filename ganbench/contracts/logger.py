"""The Logger contract: an experiment tracker (TensorBoard, MLflow, W&B) fed by the engine.

A logger sees what the run directory already holds, when it is written: the resolved
configuration at the start, each metrics.jsonl row at its log interval (never a value per step,
which would sync the device), each sample grid, each evaluation, and the final RunResult. The
run directory stays the truth: a logger that fails is switched off (``ganbench.engine.run_loggers``)
and the run goes on.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path
from typing import Any, ClassVar

import torch

from ganbench.config import RunConfig
from ganbench.contracts.component import Component
from ganbench.contracts.run_result import RunResult
from ganbench.errors import ConfigError


@dataclasses.dataclass
class RunStart:
    """What a logger learns when a run starts (or resumes)."""

    config: RunConfig  # resolved: every component's options typed, defaults filled in
    run_id: str
    group: str  # the configuration without the seed: the seeds of one configuration share it
    run_dir: Path
    start_step: int = 0  # above 0 when the run resumes from a checkpoint

    @property
    def results_dir(self) -> Path:
        """The folder that holds this run's directory (a sweep's runs share it): where trackers keep their files."""
        return Path(self.config.results_dir)

    def params(self) -> dict[str, Any]:
        """The configuration flat, ``arch.base_channels`` style, as trackers' parameter tables want it."""
        flat: dict[str, Any] = {"run_id": self.run_id, "group": self.group}
        for key, value in self.config.to_dict().items():
            if isinstance(value, dict):  # a component: its name and each option
                flat[key] = value["name"]
                flat.update({f"{key}.{option}": item for option, item in value["options"].items()})
            elif isinstance(value, list):  # stabilizers, evaluators, loggers: names, and options by name
                flat[key] = "+".join(item["name"] for item in value) or "none"
                for item in value:
                    flat.update({f"{item['name']}.{option}": val for option, val in item["options"].items()})
            else:
                flat[key] = value
        return flat


class Logger(Component):
    """Receives a run as it trains. Subclasses implement the methods they need; each default does nothing."""

    # The module a logger imports and the ganbench extra that installs it; check() refuses the
    # logger before training when the module is missing.
    requires: ClassVar[str | None] = None
    extra: ClassVar[str | None] = None

    @classmethod
    def kind_label(cls) -> str:
        return "logger"

    def check(self) -> None:
        """Raise a GanbenchError, in one sentence, when this logger cannot work here (its package
        is missing). Called at set-up, before training, so a run never trains unlogged by surprise."""
        if self.requires and importlib.util.find_spec(self.requires) is None:
            raise ConfigError(f"logger {self.name!r} needs the {self.requires} package: "
                              f"pip install 'ganbench[{self.extra or self.requires}]'.")

    def start(self, run: RunStart) -> None:
        """Open the tracker's run. Called once per process that trains the run, before the first step
        (again when a run resumes, with ``run.start_step`` above 0)."""

    def log_row(self, row: dict[str, Any]) -> None:
        """One metrics.jsonl row (``step``, ``images`` and the window means of the scalars), at each
        log interval, after it was written to the run directory."""

    def log_samples(self, step: int, path: Path, samples: torch.Tensor) -> None:
        """A sample grid: the PNG written at ``path`` and the samples it shows (images in [-1, 1],
        or 2-D points), every ``sample_every`` steps and at the end."""

    def log_evaluation(self, step: int, metrics: dict[str, float]) -> None:
        """The metrics of an evaluation: every ``eval_every`` steps and the final one."""

    def finish(self, result: RunResult | None) -> None:
        """Close the tracker's run. ``result`` is the RunResult written to result.json (after the
        index and curves.png are published), or None when the run stopped early (interrupted or
        failed); a stopped run can resume later and calls ``start`` again."""
