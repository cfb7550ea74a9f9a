"""A reproduction's learning curve: one metric at every evaluation step, mean ± standard deviation
over the seeds of each configuration, as a Markdown table.

    python -m benchmarks.reproductions.learning_curve runs/reproductions/pacgan-ring --metric modes_covered_paper

Reads each trained run's evaluations.jsonl (written every --eval-every steps) and its final
result.json (the last step); controls are left out (they do not train).
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import defaultdict
from pathlib import Path


# Settings that name a run rather than what it trains: never a column's difference.
NOT_SETTINGS = {"seed", "group", "run_id", "results_dir"}


def configuration_label(config: dict, differing: tuple[str, ...] = ()) -> str:
    """loss, then each stabilizer with its options (what the reproductions vary), then the settings
    in ``differing`` (``beta1=0.9``, ``arch.g_norm=none``) that tell this configuration apart."""
    parts = [config["loss"]["name"]]
    for stabilizer in config.get("stabilizers") or []:
        options = ",".join(f"{key}={value}" for key, value in sorted(stabilizer.get("options", {}).items()))
        parts.append(f"{stabilizer['name']}({options})" if options else stabilizer["name"])
    label = " + ".join(parts) if len(parts) > 1 else f"{parts[0]} + none"
    settings = flat_settings(config)
    # An arch option added later is absent from config.json at its default (compare says the same).
    shown = {key: settings.get(key, "default" if key.startswith("arch.") else None) for key in differing}
    return label + "".join(f", {key}={value}" for key, value in shown.items() if value is not None)


def flat_settings(config: dict) -> dict[str, object]:
    """A run's scalar settings and its architecture's options (as ``arch.OPTION``)."""
    settings = {key: value for key, value in config.items()
                if key not in NOT_SETTINGS and not isinstance(value, (dict, list))}
    settings.update({f"arch.{key}": value for key, value in config["arch"].get("options", {}).items()})
    return settings


def differing_settings(configs: list[dict]) -> tuple[str, ...]:
    """The settings in which the trained configurations disagree (beta1 in the beta1 reproduction)."""
    flat = [flat_settings(config) for config in configs]
    keys = sorted({key for settings in flat for key in settings})
    return tuple(key for key in keys if len({repr(settings.get(key)) for settings in flat}) > 1)


def curve_points(run: Path, metric: str) -> dict[int, float]:
    """step -> metric of one run: its periodic evaluations and its final result."""
    points: dict[int, float] = {}
    evaluations = run / "evaluations.jsonl"
    if evaluations.is_file():
        for line in evaluations.read_text().splitlines():
            row = json.loads(line)
            if metric in row.get("metrics", {}):
                points[int(row["step"])] = float(row["metrics"][metric])
    result = json.loads((run / "result.json").read_text())
    if result.get("status") == "finished" and metric in result.get("metrics", {}):
        points[int(result["steps"])] = float(result["metrics"][metric])
    return points


def collect(results: Path, metric: str) -> dict[str, dict[int, list[float]]]:
    curves: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    trained = []
    for config_path in sorted(results.glob("*/config.json")):
        config = json.loads(config_path.read_text())
        if not config.get("control") and (config_path.parent / "result.json").is_file():
            trained.append((config_path.parent, config))
    differing = differing_settings([config for _, config in trained])
    for run, config in trained:
        for step, value in curve_points(run, metric).items():
            curves[configuration_label(config, differing)][step].append(value)
    return curves


def markdown(curves: dict[str, dict[int, list[float]]], metric: str) -> str:
    labels = sorted(curves)
    steps = sorted({step for curve in curves.values() for step in curve})
    lines = ["| step | " + " | ".join(f"{label}: {metric}" for label in labels) + " |",
             "|---:|" + "---:|" * len(labels)]
    for step in steps:
        cells = []
        for label in labels:
            values = curves[label].get(step, [])
            spread = f" ± {statistics.stdev(values):.2f}" if len(values) > 1 else ""
            cells.append(f"{statistics.mean(values):.2f}{spread} (n={len(values)})" if values else "—")
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\nCells: mean ± standard deviation over seeds (n seeds).\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("results", type=Path)
    parser.add_argument("--metric", required=True)
    args = parser.parse_args()
    print(markdown(collect(args.results, args.metric), args.metric), end="")


if __name__ == "__main__":
    main()
