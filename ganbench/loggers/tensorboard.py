"""TensorBoard event files in RUN/tensorboard/, written as the run trains (``--logger tensorboard``)."""

from __future__ import annotations

import dataclasses
import json
import math
import shutil
from pathlib import Path
from typing import Any

import torch

from ganbench.contracts.logger import Logger, RunStart
from ganbench.contracts.run_result import RunResult


@dataclasses.dataclass(frozen=True)
class TensorBoardOptions:
    folder: str = "tensorboard"  # under the run directory: `tensorboard --logdir RESULTS` shows every run


class TensorBoardLogger(Logger):
    name = "tensorboard"
    description = "TensorBoard events in RUN/tensorboard: training scalars, sample grids, evaluations."
    Options = TensorBoardOptions
    requires = "tensorboard"
    extra = "tensorboard"

    def start(self, run: RunStart) -> None:
        from torch.utils.tensorboard import SummaryWriter
        target = run.run_dir / self.options.folder
        if run.start_step == 0:
            shutil.rmtree(target, ignore_errors=True)  # a restarted run replaces its events instead of doubling them
        # purge_step: events past the checkpoint a run resumes from are hidden, as metrics.jsonl cuts them.
        self.writer = SummaryWriter(log_dir=str(target), purge_step=run.start_step or None)
        self.writer.add_text("config", f"```\n{json.dumps(run.config.to_json(), indent=2)}\n```", run.start_step)

    def log_row(self, row: dict[str, Any]) -> None:
        for name, value in finite_scalars(row).items():
            self.writer.add_scalar(f"train/{name}", value, row["step"])

    def log_samples(self, step: int, path: Path, samples: torch.Tensor) -> None:
        from PIL import Image
        import numpy as np
        with Image.open(path) as picture:  # the PNG itself: the same picture for image grids and 2-D scatters
            pixels = np.asarray(picture.convert("RGB"))
        self.writer.add_image("samples", pixels, step, dataformats="HWC")

    def log_evaluation(self, step: int, metrics: dict[str, float]) -> None:
        for name, value in finite_scalars(metrics).items():
            self.writer.add_scalar(f"eval/{name}", value, step)

    def finish(self, result: RunResult | None) -> None:
        writer = getattr(self, "writer", None)
        if writer is not None:
            writer.close()


def finite_scalars(row: dict[str, Any]) -> dict[str, float]:
    """The logged numbers of a row, without its position (step, images) and without NaN or inf."""
    return {name: float(value) for name, value in row.items()
            if name not in ("step", "images") and isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value)}
