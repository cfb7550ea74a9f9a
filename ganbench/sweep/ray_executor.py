"""Sweeps on a Ray cluster (Moritz et al. 2018, "Ray: A Distributed Framework for Emerging AI
Applications"): one Ray task per run.

Each task calls the same ``ganbench.engine.run.run`` as the other executors, so results land in
the same run directories (a folder every node sees, on a cluster) and the same index, and a
sweep gives the same figures whichever executor ran it. A task asks for one GPU when the
cluster has GPUs, otherwise for ``cpus_per_trial`` CPUs, capped by the largest node so that no
request can stay pending forever. A task whose worker dies (a killed process, a lost node) is
retried by Ray and resumes from the run's last checkpoint; a run that fails for a reason of its
own (a refused combination, a diverged loss) is not retried, since it would fail the same way.

Without ``--address`` (or ``$RAY_ADDRESS``) a local Ray instance starts, so the same command
works on a laptop.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Sequence

from ganbench.config import RunConfig
from ganbench.engine.interrupt import stop_on_signals
from ganbench.errors import ConfigError
from ganbench.sweep.executors import (FAILED, INTERRUPTED, RUNNING, OnUpdate, RunUpdate, SweepInterrupted,
                                      cpu_count, load_plugins, plugin_snapshot, run_path, train_one)

RETRIES = 2  # per task, for workers that die; a run's own failure is a result and is not retried
LOCAL_OBJECT_STORE_BYTES = 128 * 1024 ** 2  # runs exchange configs and results only, never tensors


def import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError("executor 'ray' needs Ray: pip install 'ganbench[ray]' (or pip install ray).") from None
    return ray


def train_trial(config: dict, snapshot: tuple, threads: int) -> RunUpdate:
    """One run inside a Ray worker: the sweep's plugins and thread share, then the usual run."""
    import torch
    torch.set_num_threads(threads)
    load_plugins(snapshot)
    return train_one(RunConfig.from_dict(config))


def trial_resources(cluster: dict[str, float], largest_node_cpus: float, cpus_per_trial: int | None,
                    configs: Sequence[RunConfig]) -> dict[str, float]:
    """One GPU per trial where there are GPUs (and the configs may use them), else CPUs a node can give."""
    wants_gpu = all(config.device in ("auto", "cuda") for config in configs)
    if wants_gpu and cluster.get("GPU", 0) >= 1:
        return {"num_gpus": 1, "num_cpus": 1}
    largest = max(1, int(largest_node_cpus))
    if cpus_per_trial is not None and cpus_per_trial > largest:
        raise ConfigError(f"--cpus-per-trial {cpus_per_trial} can never be met: the largest Ray node has "
                          f"{largest} CPUs.")
    return {"num_cpus": cpus_per_trial or min(2, largest)}


def absolute_results(config: RunConfig) -> RunConfig:
    return dataclasses.replace(config, results_dir=str(Path(config.results_dir).resolve()))


class RayExecutor:
    """One Ray task per run, on an existing cluster (``address``) or a local instance."""

    name = "ray"

    def __init__(self, workers: int | None = None, address: str | None = None, cpus_per_trial: int | None = None,
                 retries: int = RETRIES) -> None:
        if cpus_per_trial is not None and cpus_per_trial < 1:
            raise ConfigError(f"--cpus-per-trial must be at least 1, got {cpus_per_trial}.")
        self.address = address or os.environ.get("RAY_ADDRESS") or None
        self.cpus_per_trial = cpus_per_trial
        self.retries = retries
        self.local_cpus = workers  # for a local instance: how many CPUs Ray may use

    def run_all(self, configs: Sequence[RunConfig], on_update: OnUpdate) -> list[RunUpdate]:
        ray = import_ray()
        started_here = self.connect(ray)
        try:
            return self.dispatch(ray, configs, on_update)
        finally:
            if started_here:
                ray.shutdown()

    def connect(self, ray: Any) -> bool:
        """Join the cluster, or start a local instance; True when this process started Ray."""
        if ray.is_initialized():
            return False
        if self.address:
            try:
                ray.init(address=self.address, log_to_driver=False)
            except ConnectionError as error:
                raise ConfigError(f"cannot reach the Ray cluster at {self.address!r}: {error}") from None
            return True
        ray.init(num_cpus=self.local_cpus or cpu_count(), include_dashboard=False, log_to_driver=False,
                 object_store_memory=LOCAL_OBJECT_STORE_BYTES)
        return True

    def dispatch(self, ray: Any, configs: Sequence[RunConfig], on_update: OnUpdate) -> list[RunUpdate]:
        nodes = [node for node in ray.nodes() if node.get("Alive")]
        largest = max((node["Resources"].get("CPU", 0) for node in nodes), default=1)
        resources = trial_resources(ray.cluster_resources(), largest, self.cpus_per_trial, configs)
        threads = max(1, int(resources["num_cpus"]))
        task = ray.remote(max_retries=self.retries, **resources)(train_trial)
        snapshot = plugin_snapshot()
        # Workers may start in another folder (or on another node): they get the results folder in full.
        submitted = {task.remote(absolute_results(config).to_dict(), snapshot, threads): config for config in configs}
        for config in configs:  # the board shows progress from each run's metrics.jsonl
            on_update(RunUpdate(config.run_id, RUNNING, run_path(config)))
        finals: dict[str, RunUpdate] = {}
        pending = list(submitted)
        with stop_on_signals() as stop:
            while pending:
                done, pending = ray.wait(pending, num_returns=1, timeout=0.5)
                for ref in done:
                    update = self.outcome(ray, ref, submitted[ref], self.retries)
                    finals[update.run_id] = update
                    on_update(update)
                if stop.requested:
                    self.stop(ray, pending, submitted, finals, on_update)
                    raise SweepInterrupted("sweep stopped; runs resume from their last checkpoint when the same "
                                           "command runs again.")
        return [finals[config.run_id] for config in configs]

    @staticmethod
    def outcome(ray: Any, ref: Any, config: RunConfig, retries: int) -> RunUpdate:
        try:
            return ray.get(ref)
        except Exception as error:  # the worker died retries + 1 times, or the task could not run at all
            reason = " ".join(str(error).split())[:300]
            return RunUpdate(config.run_id, FAILED, run_path(config),
                             f"the Ray task failed after {retries} retries ({type(error).__name__}: {reason}); run "
                             f"the sweep again to resume.")

    @staticmethod
    def stop(ray: Any, pending: list, submitted: dict, finals: dict, on_update: OnUpdate) -> None:
        """Cancel every task not yet finished; started runs keep their last periodic checkpoint."""
        for ref in pending:
            ray.cancel(ref)
            config = submitted[ref]
            update = RunUpdate(config.run_id, INTERRUPTED, run_path(config), "stopped with the sweep.")
            finals[config.run_id] = update
            on_update(update)
