"""The loggers of one run, called together; one that fails is reported once and switched off.

A tracker is a copy of what the run directory holds, so its failure (a full disk under mlruns/,
a network error, a bug in a plugin) must never cost the run: the first exception of a logger is
a warning that names it, and that logger hears nothing more of this run.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Sequence

import torch

from ganbench.contracts.logger import Logger, RunStart
from ganbench.contracts.run_result import RunResult

LOG = logging.getLogger("ganbench")


class RunLoggers:
    """Each call goes to every logger still working, in the order the user named them."""

    def __init__(self, loggers: Sequence[Logger]) -> None:
        self.working = list(loggers)
        self.failed: dict[str, str] = {}  # logger name -> what it raised (reported once)

    def __bool__(self) -> bool:
        return bool(self.working)

    def start(self, run: RunStart) -> None:
        self._call("start", run)

    def log_row(self, row: dict[str, Any]) -> None:
        self._call("log_row", dict(row))  # a copy each: a logger that edits its row cannot touch another's

    def log_samples(self, step: int, path: Path, samples: torch.Tensor) -> None:
        if self.working:
            self._call("log_samples", step, path, samples.detach().cpu())  # one transfer, at sample intervals

    def log_evaluation(self, step: int, metrics: dict[str, float]) -> None:
        self._call("log_evaluation", step, dict(metrics))

    def finish(self, result: RunResult | None) -> None:
        self._call("finish", result)
        self.working = []  # a run is finished once

    def _call(self, method: str, *arguments: Any) -> None:
        for logger in list(self.working):
            try:
                getattr(logger, method)(*arguments)
            except Exception as error:  # any failure of a tracker: the run goes on without it
                self._switch_off(logger, method, error)

    def _switch_off(self, logger: Logger, method: str, error: Exception) -> None:
        self.working.remove(logger)
        reason = f"{type(error).__name__}: {error}"
        self.failed[logger.name] = reason
        LOG.warning(f"logger {logger.name!r} failed in {method} ({reason}); it is switched off for this run, "
                    f"which goes on.")
        if method != "finish":
            try:  # let it close what it opened; a second failure stays silent, the first was reported
                logger.finish(None)
            except Exception:
                pass

