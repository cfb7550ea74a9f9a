"""Run the ladders of a data set as control runs and gather their figures for ``ganbench calibrate``."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from ganbench.calibration import StepFigures, calibration_document, planned_steps
from ganbench.config import RunConfig
from ganbench.engine.control_run import control_config, prepare_data_only, run_control
from ganbench.errors import ConfigError
from ganbench.ladders import (CALIBRATION_FOLDER, DEFECTS, LABELS_MARK, is_labelled_image, ladder_data,  # noqa: F401
                              ladders_for, step_name)
from ganbench.atomic import write_json


def chosen_defects(base: RunConfig, names: list[str], labelled: bool = False) -> tuple[list, Any]:
    """The ladders that apply to the data (all of them, or those named), and the ladders' view of the data."""
    from ganbench.plugin_host import plugins
    source = prepare_data_only(base, plugins.registry())
    data = ladder_data(source, None)
    if labelled and not is_labelled_image(data):
        raise ConfigError(f"--conditional calibrates class-conditional generators, and dataset {base.dataset.name!r} "
                          f"has no labelled images.")
    applicable = ladders_for(data)
    if not names:
        return applicable, data
    known = {defect.name: defect for defect in applicable}
    for name in names:
        if name not in known:
            raise ConfigError(f"ladder {name!r} does not apply to dataset {base.dataset.name!r}; "
                              f"choose from {', '.join(known) or 'none'}.")
    return [known[name] for name in names], data


def calibration_evaluators(base: RunConfig, labelled: bool = False) -> RunConfig:
    """``base`` with the runs' default evaluators named, plus the data-copying test on images: the ladders
    hold images out, so the one metric that can see memorization has something to read; and, for
    conditional steps, intra-FID, which only a conditional generator can be read by."""
    if base.evaluators is not None:
        return base
    from ganbench.plugin_host import plugins
    from ganbench.config import Choice
    from ganbench.resolve import resolve_config
    from ganbench.engine.setup import choose_evaluators
    registry = plugins.registry()
    spec = prepare_data_only(base, registry).spec
    names = [evaluator.name for evaluator in choose_evaluators(registry, None, spec)]
    if spec.kind == "image" and "data-copying" not in names:
        names.append("data-copying")
    if labelled and "intra-fid" not in names:
        names.append("intra-fid")
    return resolve_config({**base.to_dict(), "evaluators": [Choice(name).to_dict() for name in names]}, registry)


def run_ladders(base: RunConfig, seeds: int, defects: list[str] | None = None,
                on_step: Callable[[str, int, Any], None] | None = None,
                labelled: bool = False) -> tuple[list[StepFigures], dict, dict]:
    """Evaluate clean@0 and every step at seeds 0..seeds-1 (as conditional generators when ``labelled``);
    returns the steps' figures, the metrics' directions and the protocol of the clean runs."""
    chosen, data = chosen_defects(base, list(defects or []), labelled)
    plan = planned_steps(chosen, lambda defect: defect.steps(data))
    figures, directions, protocol = [], {}, {}
    for defect, level, rank in plan:
        name = step_name(defect, level, labelled)
        values: dict[str, list[float]] = {}
        for seed in range(seeds):
            report = run_control(control_config(name, {**base.to_dict(), "seed": seed}))
            for metric, value in report.result.metrics.items():
                values.setdefault(metric, []).append(float(value))
            directions.update(report.result.directions)
            protocol = protocol or report.result.protocol
            if on_step:
                on_step(name, seed, report)
        figures.append(StepFigures(defect, level, rank, values))
    return figures, directions, {**protocol, "data_kind": data.kind}


def calibrate(base: RunConfig, seeds: int, defects: list[str] | None = None, command: str = "",
              on_step: Callable[[str, int, Any], None] | None = None, labelled: bool = False) -> dict[str, Any]:
    """Run the ladders into ``base.results_dir`` and store the calibration as DATASET.json beside them
    (DATASET+labels.json for the conditional steps)."""
    base = calibration_evaluators(base, labelled)
    figures, directions, protocol = run_ladders(base, seeds, defects, on_step, labelled)
    evaluators = sorted(name for name in protocol if not name.startswith("raw_") and name != "data_kind")
    document = calibration_document(base.dataset.name, base.resolution, seeds, evaluators, command, figures,
                                    directions, protocol, labelled, options_set(base))
    write_json(Path(base.results_dir) / calibration_file_name(base.dataset.name, labelled), document)
    return document


def options_set(base: RunConfig) -> dict[str, Any]:
    """The data set's options that differ from its defaults: what the calibration's notes name."""
    from ganbench.options import options_as_dict
    from ganbench.plugin_host import plugins
    defaults = options_as_dict(plugins.registry().create("dataset", base.dataset.name, {}).options)
    return {key: value for key, value in base.dataset.options.items() if defaults.get(key, object()) != value}


def calibration_file_name(dataset: str, labelled: bool = False) -> str:
    return f"{dataset}{LABELS_MARK if labelled else ''}.json"


def validate_defect_names(names: list[str]) -> None:
    for name in names:
        if name not in DEFECTS:
            raise ConfigError(f"unknown ladder {name!r}; choose from {', '.join(d for d in DEFECTS if d != 'clean')}.")
