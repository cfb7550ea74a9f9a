"""Run a control: build its reference generator, evaluate it with the runs' own evaluation code,
and write a run directory (config.json, result.json) that compare reads like any other."""

from __future__ import annotations

import dataclasses
import shutil
import time
from pathlib import Path
from typing import Any

import torch

from ganbench.plugin_host import plugins
from ganbench.config import Choice, RunConfig
from ganbench.resolve import ensure_resolved, resolve_config
from ganbench.controls import CONTROLS, build_control, controls_for, is_control_name
from ganbench.data.source import DataSource
from ganbench.data.spec import DataSpec
from ganbench.engine.device import resolve_device
from ganbench.engine.environment import describe_environment
from ganbench.engine.evaluation import evaluate
from ganbench.engine.run import RunReport
from ganbench.engine.setup import choose_evaluators, load_data
from ganbench.errors import ConfigError, Incompatible
from ganbench.contracts.evaluator import Evaluator
from ganbench.engine.latent import LatentSampler
from ganbench.ladders import LadderSource, build_step, is_labelled_step, is_step_name, ladder_data
from ganbench.atomic import write_json
from ganbench.contracts.run_result import RunResult, RunStatus
from ganbench.results.run_dir import RunDir


@dataclasses.dataclass
class ControlSetup:
    """What the evaluation code reads from a run's set-up, for a generator that was never trained."""

    config: RunConfig
    device: torch.device
    spec: DataSpec
    source: DataSource
    evaluators: list[Evaluator]
    generator: torch.nn.Module
    discriminator: None = None  # a control has none: evaluators of D (the linear probe) say so
    conditional: bool = False
    latent: Any = None

    def sampling_generator(self) -> torch.nn.Module:
        return self.generator


def control_config(name: str, base: RunConfig | dict[str, Any]) -> RunConfig:
    """The resolved config of control ``name`` evaluated like ``base`` (its data, resolution, seed,
    evaluators and sample count)."""
    data = base.to_dict() if isinstance(base, RunConfig) else dict(base)
    keep = ("dataset", "resolution", "seed", "evaluators", "eval_samples", "data_root", "download", "device",
            "results_dir")
    return resolve_config({**{key: data[key] for key in keep if key in data}, "control": name})


def prepare_control(config: RunConfig, registry=None) -> ControlSetup:
    """Validate and build everything; raises a GanbenchError and writes no file."""
    if not is_control_name(config.control):
        raise ConfigError(f"unknown control {config.control!r}; choose from {', '.join(CONTROLS)}, "
                          f"or a ladder step such as pixel-noise@0.1.")
    registry = registry or plugins.registry()
    dataset = registry.create("dataset", config.dataset.name, config.dataset.options)
    device = resolve_device(config.device)
    source = load_data(dataset, config, device)
    if is_step_name(config.control):
        return prepare_ladder_step(config, registry, source, device)
    if config.control not in controls_for(source):
        raise Incompatible(f"control {config.control!r} does not apply to dataset {config.dataset.name!r}; "
                           f"its controls are {', '.join(controls_for(source))}.")
    evaluators = choose_evaluators(registry, config.evaluators, source.spec)
    generator = build_control(config.control, source, held_out_draws(registry, config, device), config.seed)
    return ControlSetup(config, device, source.spec, source, evaluators, generator)


def prepare_ladder_step(config: RunConfig, registry, source: DataSource, device: torch.device) -> ControlSetup:
    """A ladder step: its generator, and the evaluators reading the data as the ladders split it."""
    mixture = getattr(source, "centers", None) is not None  # fresh draws have no labels: mixtures only
    data = ladder_data(source, held_out_draws(registry, config, device, any_control=True) if mixture else None)
    generator = build_step(config.control, data, config.seed)
    evaluators = choose_evaluators(registry, config.evaluators, source.spec)
    if not is_labelled_step(config.control):
        return ControlSetup(config, device, source.spec, LadderSource(source, data), evaluators, generator)
    # Asked for labels as a conditional generator is: drawn with the data's class shares.
    latent = LatentSampler(config.latent_dim, config.latent_dist, device, config.seed, source.class_frequencies())
    return ControlSetup(config, device, source.spec, LadderSource(source, data), evaluators, generator,
                        conditional=True, latent=latent)


def held_out_draws(registry, config: RunConfig, device: torch.device,
                   any_control: bool = False) -> torch.Tensor | None:
    """Fresh samples of the same distribution, for data sets that draw theirs from a ``data_seed``
    (the mixtures): the training set's seed plus one gives samples the runs never saw."""
    if (config.control != "real" and not any_control) or "data_seed" not in config.dataset.options:
        return None
    options = {**config.dataset.options, "data_seed": int(config.dataset.options["data_seed"]) + 1}
    dataset = registry.create("dataset", config.dataset.name, options)
    held_out = dataclasses.replace(config, dataset=Choice(config.dataset.name, options))
    return load_data(dataset, held_out, device).all_data()[0].float()


def run_control(config: RunConfig, registry=None) -> RunReport:
    """Evaluate control ``config.control`` into ``results_dir/run_id``; one that finished is returned."""
    config = ensure_resolved(config, registry)
    setup = prepare_control(config, registry)
    return evaluate_into_run_dir(config, setup, f"control:{config.control}", config.control)


def evaluate_into_run_dir(config: RunConfig, setup: Any, arch: str, control: str | None) -> RunReport:
    """Evaluate a generator that was never trained here (a control, a ladder step, samples made elsewhere)
    with the runs' evaluation code, and write its run directory and index row; one that finished is kept."""
    run_dir = RunDir(Path(config.results_dir) / config.run_id)
    existing = run_dir.read_result()
    if existing is not None and existing.ended:
        return RunReport(run_dir.path, existing, skipped=True)
    if run_dir.path.exists():
        shutil.rmtree(run_dir.path)  # an evaluation that was cut off: nothing in it to keep
    run_dir.path.mkdir(parents=True)
    write_json(run_dir.config, {**config.to_json(), "group": config.config_hash(include_seed=False)})
    started = time.perf_counter()
    try:
        evaluation = evaluate(setup, run_dir.path, [])
    except BaseException:
        shutil.rmtree(run_dir.path, ignore_errors=True)  # no half-written run for compare to trip on
        raise
    result = RunResult(
        run_id=config.run_id, group=config.config_hash(include_seed=False), status=RunStatus.FINISHED,
        arch=arch, loss="-", dataset=config.dataset.name, stabilizers=["-"],
        seed=config.seed, steps=0, budget={"steps": 0, "images": 0}, images_seen=0,
        wall_time_s=round(time.perf_counter() - started, 3), total_time_s=round(time.perf_counter() - started, 3),
        metrics=evaluation.metrics,
        directions=evaluation.directions, protocol=evaluation.protocol, eval_time_s=round(evaluation.seconds, 3),
        environment=describe_environment(setup.device, "fp32"), control=control)
    run_dir.write_result(result)
    from ganbench.results import index
    index.upsert_run(run_dir.path)
    return RunReport(run_dir.path, result)


def controls_beside(configs: list[RunConfig], registry=None) -> list[RunConfig]:
    """The controls of a sweep: every control that applies to each of its data sets, for each seed, with
    the evaluation settings of the runs on that data (one control run per distinct id)."""
    registry = registry or plugins.registry()
    planned: dict[str, RunConfig] = {}
    applicable: dict[str, list[str]] = {}
    for config in configs:
        key = config.control_key()
        if key not in applicable:
            source = prepare_data_only(config, registry)
            applicable[key] = controls_for(source)
        for name in applicable[key]:
            control = control_config(name, config)
            planned.setdefault(control.run_id, control)
    return list(planned.values())


def prepare_data_only(config: RunConfig, registry) -> DataSource:
    dataset = registry.create("dataset", config.dataset.name, config.dataset.options)
    return load_data(dataset, config, resolve_device(config.device))


def controls_base_config(dataset: Choice, data_root: str | None, resolution: Any, eval_samples: Any, device: str,
                         evaluators: list[Choice] | None, results_dir: str) -> RunConfig:
    """The resolved settings every control of ``ganbench controls`` is evaluated with (seed aside)."""
    return resolve_config({
        "dataset": dataset.to_dict(), "data_root": data_root, "resolution": resolution,
        "eval_samples": eval_samples, "device": device, "results_dir": results_dir,
        "evaluators": None if not evaluators else [choice.to_dict() for choice in evaluators]})


def evaluate_controls(base: RunConfig, names: list[str], seeds: int | str):
    """Evaluate each control (``names``, or every one that applies to the data) at seeds 0..seeds-1,
    like ``base``; yields each RunReport as it is written (or found already evaluated)."""
    from ganbench.options import coerce
    for name in names:
        if not is_control_name(name):
            raise ConfigError(f"unknown control {name!r}; choose from {', '.join(CONTROLS)}, "
                              f"or a ladder step such as pixel-noise@0.1 (ganbench calibrate runs them all).")
    count = coerce(seeds, int, "--seeds")
    if count < 1:
        raise ConfigError(f"--seeds must be a positive number of seeds, got {seeds!r}.")
    chosen = list(names) or controls_for(prepare_data_only(base, plugins.registry()))
    for seed in range(count):
        for name in chosen:
            yield run_control(control_config(name, {**base.to_dict(), "seed": seed}))
