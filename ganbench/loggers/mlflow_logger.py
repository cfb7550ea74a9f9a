"""An MLflow run per ganbench run (``--logger mlflow``): parameters from the resolved configuration,
the training scalars per step, evaluations, final figures, and the sample grids and curves.png as
artifacts. By default the tracking store is a folder beside the runs (RESULTS/mlruns), and the runs
of one results folder (a sweep) share one experiment, tagged with their configuration group and
seed, so MLflow's compare view lines the seeds of a configuration up."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import torch

from ganbench.contracts.logger import Logger, RunStart
from ganbench.loggers.tensorboard import finite_scalars
from ganbench.contracts.run_result import RunResult, RunStatus

PARAM_LENGTH = 500  # MLflow refuses longer parameter values on some stores; a config value never needs more


@dataclasses.dataclass(frozen=True)
class MlflowOptions:
    tracking_uri: str = ""  # empty: a file store at RESULTS/mlruns; or file:DIR, http://host:5000, sqlite:///mlflow.db
    experiment: str = ""  # empty: the results folder's name, so a sweep's runs share one experiment


def is_folder_store(uri: str) -> bool:
    """Whether MLflow reads ``uri`` as its folder store: a ``file:`` URI or a plain path."""
    scheme = urlparse(uri).scheme
    return scheme in ("", "file") or (len(scheme) == 1 and uri[1:2] == ":")  # C:\\runs is a path on Windows


class MlflowLogger(Logger):
    name = "mlflow"
    description = "MLflow tracking: config as params, scalars per step, final figures, grids as artifacts."
    Options = MlflowOptions
    requires = "mlflow"
    extra = "mlflow"

    def start(self, run: RunStart) -> None:
        from mlflow.tracking import MlflowClient
        self.client = MlflowClient(tracking_uri=self.tracking_uri(run))
        self.run_dir = run.run_dir
        experiment_id = self.experiment_id(self.options.experiment or run.results_dir.resolve().name)
        tags = {"mlflow.runName": run.run_id, "ganbench.run_id": run.run_id, "ganbench.group": run.group,
                "seed": str(run.config.seed), "arch": run.config.arch.name, "loss": run.config.loss.name,
                "dataset": run.config.dataset.name, "stabilizers": run.params()["stabilizers"]}
        self.run_id = self.client.create_run(experiment_id, tags=tags, run_name=run.run_id).info.run_id
        from mlflow.entities import Param
        params = [Param(key, str(value)[:PARAM_LENGTH]) for key, value in sorted(run.params().items())]
        for start in range(0, len(params), 100):  # MLflow takes at most 100 parameters per batch
            self.client.log_batch(self.run_id, params=params[start:start + 100])

    def tracking_uri(self, run: RunStart) -> str:
        uri = self.options.tracking_uri or (run.results_dir.resolve() / "mlruns").as_uri()
        if is_folder_store(uri):
            # MLflow 3 refuses its folder store unless asked for it, and checks each time it opens
            # the store, so the opt-in stays for the process. Naming a folder is asking for it; a
            # folder needs no database or server (mlflow-skinny has no SQL store), and concurrent
            # sweep workers write separate run folders in it safely.
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        return uri

    def experiment_id(self, name: str) -> str:
        found = self.client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        try:
            return self.client.create_experiment(name)
        except Exception:  # another worker of the sweep created it a moment ago
            found = self.client.get_experiment_by_name(name)
            if found is None:
                raise
            return found.experiment_id

    def log_row(self, row: dict[str, Any]) -> None:
        self._log_metrics(finite_scalars(row), row["step"])

    def log_samples(self, step: int, path: Path, samples: torch.Tensor) -> None:
        self.client.log_artifact(self.run_id, str(path), "samples")

    def log_evaluation(self, step: int, metrics: dict[str, float]) -> None:
        self._log_metrics(finite_scalars(metrics), step)

    def finish(self, result: RunResult | None) -> None:
        if not hasattr(self, "run_id"):
            return
        if result is None:
            self.client.set_terminated(self.run_id, "KILLED")
            return
        figures = {"wall_time_s": result.wall_time_s, "train_time_s": result.train_time_s,
                   "img_per_s": result.img_per_s, "eval_time_s": result.eval_time_s,
                   "images_seen": result.images_seen}
        self._log_metrics(finite_scalars({f"final/{k}": v for k, v in figures.items() if v is not None}),
                          result.steps)
        self.client.set_tag(self.run_id, "status", result.status.value)
        for name in ("result.json", "config.json", "curves.png"):
            if (self.run_dir / name).is_file():
                self.client.log_artifact(self.run_id, str(self.run_dir / name), "run")
        # A diverged run is a result, not a crash: it ends FINISHED and says "diverged" in its status tag.
        self.client.set_terminated(self.run_id, "FINISHED" if result.status in (RunStatus.FINISHED,
                                                                                RunStatus.DIVERGED) else "FAILED")

    def _log_metrics(self, values: dict[str, float], step: int) -> None:
        if not values:
            return
        from mlflow.entities import Metric
        now = int(time.time() * 1000)
        self.client.log_batch(self.run_id, metrics=[Metric(name, value, now, step) for name, value in values.items()])
