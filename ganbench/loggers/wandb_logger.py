"""A Weights & Biases run per ganbench run (``--logger wandb``), offline by default: the run is
written under RESULTS/wandb and ``wandb sync`` uploads it later, so training never waits on the
network or an account. The seeds of one configuration share a W&B group."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Literal

import torch

from ganbench.contracts.logger import Logger, RunStart
from ganbench.loggers.tensorboard import finite_scalars
from ganbench.contracts.run_result import RunResult


@dataclasses.dataclass(frozen=True)
class WandbOptions:
    project: str = "ganbench"
    entity: str = ""  # empty: the account's default entity (online mode only)
    group: str = ""  # empty: the configuration (components and config hash), one group per configuration
    mode: Literal["offline", "online", "disabled"] = "offline"  # offline: nothing leaves the machine
    dir: str = ""  # empty: the results folder (W&B adds its own wandb/ folder under it)


class WandbLogger(Logger):
    name = "wandb"
    description = "Weights & Biases, offline by default: config, scalars per step, sample grids, summary."
    Options = WandbOptions
    requires = "wandb"
    extra = "wandb"

    def start(self, run: RunStart) -> None:
        import wandb
        folder = Path(self.options.dir) if self.options.dir else run.results_dir
        folder.mkdir(parents=True, exist_ok=True)
        self.run_dir = run.run_dir
        self.run = wandb.init(
            project=self.options.project, entity=self.options.entity or None, mode=self.options.mode,
            group=self.options.group or f"{run.config.label}-{run.group}", name=run.run_id,
            job_type="train", dir=str(folder), config=run.params(),
            tags=[f"seed-{run.config.seed}", run.config.arch.name, run.config.loss.name, run.config.dataset.name],
            # console off: W&B must not wrap stdout under the progress bar; stats off: no sampling thread.
            settings=wandb.Settings(console="off", x_disable_stats=True, silent=True, save_code=False),
            reinit="create_new")

    def log_row(self, row: dict[str, Any]) -> None:
        self.run.log({f"train/{name}": value for name, value in finite_scalars(row).items()}, step=row["step"])

    def log_samples(self, step: int, path: Path, samples: torch.Tensor) -> None:
        import wandb
        self.run.log({"samples": wandb.Image(str(path), caption=f"step {step}")}, step=step)

    def log_evaluation(self, step: int, metrics: dict[str, float]) -> None:
        self.run.log({f"eval/{name}": value for name, value in finite_scalars(metrics).items()}, step=step)

    def finish(self, result: RunResult | None) -> None:
        run = getattr(self, "run", None)
        if run is None:
            return
        if result is not None:
            figures = {"status": result.status.value, "steps": result.steps, "wall_time_s": result.wall_time_s,
                       "img_per_s": result.img_per_s, **result.metrics}
            run.summary.update({key: value for key, value in figures.items() if value is not None})
            curves = self.run_dir / "curves.png"
            if curves.is_file():
                import wandb
                run.log({"curves": wandb.Image(str(curves))}, step=result.steps)
        run.finish(exit_code=0 if result is not None else 1)
        self.run = None
