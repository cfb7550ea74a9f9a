"""Compare configurations over seeds: mean, 95% confidence interval, rank and significance.

Runs are grouped by configuration (every setting that changes training, except the seed).
For each metric a group gets the mean over its seeds, the sample standard deviation s, and the
half-width of the 95% confidence interval of the mean, t(0.975, n-1) * s / sqrt(n) (Student's t,
since a handful of seeds is far from the normal limit). Ranks and the best value per column
follow each metric's direction. Against a baseline group, each metric is tested with Welch's
t-test (B. L. Welch, "The generalization of Student's problem when several different population
variances are involved", Biometrika 34, 1947), which does not assume equal variances; the p-values
of one table are adjusted as one family (Holm by default) and each test reports the difference of
means with its confidence interval (``ganbench.results.significance``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Iterable, Sequence

from ganbench.config import COMPONENT_FIELDS, RunConfig
from ganbench.errors import ConfigError, GanbenchError
from ganbench.results.comparison import (ALPHA, CONFIDENCE, LABEL_KEYS, Comparison, GroupSummary, MetricSummary,
                                         is_better)
from ganbench.results.conditions import MISSING, holds, parse_conditions
from ganbench.results.index import IndexedRun, RebuildReport, default_index_path, ensure_index, load_runs
from ganbench.results.headline import default_sort_metric
from ganbench.results.learned import known_answer_notes, mark_learned, parse_power
from ganbench.results.run_dir import RunDir
from ganbench.results.significance import CORRECTIONS, adjust, welch_test

RUN_KEYS = ("arch", "loss", "dataset", "stabilizers", "status", "seed", "run_id", "grp")
COMPONENT_KEYS = tuple(COMPONENT_FIELDS)  # arch, loss, dataset: --where compares their names


def compare(runs: Sequence[IndexedRun], metrics: Sequence[str] = (), where: Iterable[str] = (),
            sort: str | None = None, baseline: str | None = None, correction: str = "holm",
            power: Sequence[str] = ()) -> Comparison:
    """Group ``runs`` by configuration and summarise them; every user mistake is one ConfigError."""
    if correction not in CORRECTIONS:
        raise ConfigError(f"--correction {correction!r} is not known; choose one of {', '.join(CORRECTIONS)}.")
    runs = filter_runs(runs, where)
    if not runs:
        raise ConfigError("no run matches; check --where, or run a sweep first.")
    directions = metric_directions(runs)
    chosen = choose_metrics(directions, metrics)
    if sort is not None and sort not in directions:
        raise ConfigError(f"--sort {sort!r} is not a metric of these runs; "
                          f"choose one of {', '.join(sorted(directions))}.")
    if sort is not None and not directions[sort]:
        ranked = ", ".join(sorted(name for name, direction in directions.items() if direction)) or "none"
        raise ConfigError(f"--sort {sort!r} declares no better direction, so it cannot rank the table; "
                          f"show it with --metric and sort by one of: {ranked}.")
    everything = summarise_groups(runs, chosen, directions)
    groups = [group for group in everything if group.control is None]
    controls = sorted((group for group in everything if group.control is not None), key=control_order)
    sort_metric, headline = (sort, False) if sort else default_sort_metric(chosen, directions)
    rank_and_mark_best(groups, chosen, directions)
    base = find_baseline(groups, controls, baseline) if baseline else None
    tests = untested = 0
    if base is not None:
        tested = [name for name in chosen if directions.get(name)]  # undirected metrics are shown, not starred
        compared = groups + ([base] if base.control else [])
        tests, untested = test_against_baseline(compared, base, tested, correction)
    ordered = sort_groups(groups, sort_metric, directions) + controls
    for group in ordered:
        group.rank = group.metrics[sort_metric].rank if sort_metric in group.metrics else None
    comparison = Comparison(ordered, chosen, {name: directions[name] for name in chosen}, sort_metric, base,
                            correction=correction, tests=tests, untested=untested, sort_is_headline=headline,
                            sort_is_default=sort is None)
    mark_learned(comparison)
    comparison.power_effects = parse_power(power, comparison)
    comparison.learned_notes = known_answer_notes(comparison)
    return comparison


def compare_results(results_dir: Path | str, metrics: Sequence[str] = (), where: Iterable[str] = (),
                    sort: str | None = None, baseline: str | None = None,
                    correction: str = "holm", power: Sequence[str] = ()) -> tuple[Comparison, RebuildReport | None]:
    """``compare`` over a results directory, read through its index (rebuilt first when stale)."""
    parse_conditions(where, "--where")  # a malformed condition is the mistake to report, runs or not
    if baseline:
        parse_conditions([baseline], "--baseline")
    results_dir = Path(results_dir)
    runs, rebuilt = indexed_runs(results_dir)
    comparison = compare(runs, metrics, where, sort, baseline, correction, power)
    from ganbench.results.blind_spots import blind_spot_notes, ladder_rows_note
    comparison.calibration_notes = ladder_rows_note([group.control for group in comparison.groups]) + \
        blind_spot_notes([group.label["dataset"] for group in comparison.groups], comparison.metrics, results_dir)
    return comparison, rebuilt


def indexed_runs(results_dir: Path) -> tuple[list[IndexedRun], RebuildReport | None]:
    """The finished runs of a results directory, read through its index (rebuilt first when stale)."""
    if not results_dir.is_dir():
        raise ConfigError(f"results directory {results_dir} does not exist; run a sweep first or name the directory.")
    rebuilt = ensure_index(results_dir)
    runs = load_runs(default_index_path(results_dir))
    if not runs:
        unreadable = unreadable_results(results_dir)
        if unreadable:  # the runs are there but cannot be read: name the files, not "run a sweep"
            raise ConfigError(f"{results_dir} holds no readable finished run: {'; '.join(unreadable)}.")
        raise ConfigError(f"{results_dir} holds no finished run; run a sweep first.")
    return runs, rebuilt


def unreadable_results(results_dir: Path) -> list[str]:
    """One sentence (without its full stop) for each run directory whose result.json cannot be read."""
    from ganbench.errors import GanbenchError
    from ganbench.results.run_dir import RunDir
    reasons = []
    for folder in sorted(path for path in results_dir.iterdir() if (path / "result.json").is_file()):
        try:
            RunDir(folder).read_result()
        except GanbenchError as error:
            reasons.append(str(error).rstrip("."))
    return reasons


# Filters ---------------------------------------------------------------------------------------------

def filter_runs(runs: Sequence[IndexedRun], where: Iterable[str]) -> list[IndexedRun]:
    """Keep the runs that meet every condition of ``--where`` (see ganbench.results.conditions).

    A control has no architecture, loss or stabilizer: conditions on those leave it in the table, so
    that the runs they select keep their controls; conditions on the data apply to it."""
    conditions = parse_conditions(where, "--where")
    for condition in conditions:
        if runs and all(run_value(run, condition.key) is MISSING for run in runs):
            raise ConfigError(f"--where {condition.key!r} is not a run setting; valid keys: "
                              f"{', '.join(valid_keys(runs))}.")

    def kept(run: IndexedRun) -> bool:
        applying = [condition for condition in conditions if not run.control or applies_to_controls(condition.key)]
        return all(holds(run_value(run, condition.key), condition) for condition in applying)

    return [run for run in runs if kept(run)]


CONTROL_KEYS = ("dataset", "resolution", "seed", "status", "run_id", "group", "control", "kind")


def applies_to_controls(key: str) -> bool:
    return key in CONTROL_KEYS or key.startswith("dataset.")


def control_order(group: GroupSummary) -> tuple[int, str]:
    from ganbench.controls import CONTROLS
    name = group.control or ""
    return (CONTROLS.index(name) if name in CONTROLS else len(CONTROLS), group.describe())


def run_value(run: IndexedRun, key: str) -> Any:
    """A run's value for ``key``: a column, a setting, or ``COMPONENT.OPTION``; MISSING if it has none."""
    if key in RUN_KEYS:
        return getattr(run, key)
    if key == "group":
        return run.grp
    if key == "control":
        return run.control if run.control else MISSING
    if key == "kind":
        return "control" if run.control else "run"
    config = run.run_config
    if key == "init_from" and config.init_from:
        return source_label(config.init_from)  # what the table shows, the same for every seed
    if key in COMPONENT_KEYS:
        return getattr(config, key).name
    return config.flat_settings().get(key, MISSING)


def valid_keys(runs: Sequence[IndexedRun]) -> list[str]:
    keys = {*RUN_KEYS, "group", "kind", *COMPONENT_KEYS} | ({"control"} if any(run.control for run in runs) else set())
    for run in runs:
        keys.update(run.run_config.flat_settings())
    return sorted(keys)


# Statistics ------------------------------------------------------------------------------------------

def metric_directions(runs: Sequence[IndexedRun]) -> dict[str, str | None]:
    directions: dict[str, str | None] = {}
    for run in runs:
        for name in run.metrics:
            if directions.get(name) is None:
                directions[name] = run.directions.get(name)
    return directions


def choose_metrics(directions: dict[str, str | None], requested: Sequence[str]) -> list[str]:
    """The requested metrics, or by default every evaluated metric (those with a direction), in the
    order the evaluators wrote them."""
    for name in requested:
        if name not in directions:
            available = ", ".join(sorted(directions)) or "none"
            raise ConfigError(f"--metric {name!r} is not in these runs; available: {available}.")
    if requested:
        return list(dict.fromkeys(requested))
    return [name for name, direction in directions.items() if direction]


def summarise_groups(runs: Sequence[IndexedRun], metrics: Sequence[str],
                     directions: dict[str, str | None]) -> list[GroupSummary]:
    by_group: dict[str, list[IndexedRun]] = {}
    for run in runs:
        by_group.setdefault(run.grp, []).append(run)
    settings = differing_settings({group: members[0].run_config for group, members in by_group.items()})
    groups = []
    for group, members in by_group.items():
        label = {key: str(getattr(members[0], key)) for key in LABEL_KEYS}
        summaries = {name: summarise(name, directions.get(name), [run.metrics[name] for run in members
                                                                   if name in run.metrics]) for name in metrics}
        groups.append(GroupSummary(group, label, settings[group], sorted(members, key=lambda r: r.seed), summaries,
                                   control=members[0].control))
    return groups


def summarise(name: str, direction: str | None, values: list[float]) -> MetricSummary:
    summary = MetricSummary(name, direction, list(values))
    n = len(values)
    if n:
        summary.mean = sum(values) / n
    if n >= 2:
        summary.std = math.sqrt(sum((value - summary.mean) ** 2 for value in values) / (n - 1))
        summary.ci = t_quantile(0.5 + CONFIDENCE / 2, n - 1) * summary.std / math.sqrt(n)
    return summary


def t_quantile(probability: float, degrees_of_freedom: int) -> float:
    from scipy import stats
    return float(stats.t.ppf(probability, degrees_of_freedom))


def rank_and_mark_best(groups: Sequence[GroupSummary], metrics: Sequence[str],
                       directions: dict[str, str | None]) -> None:
    """Rank 1 is the best mean in the metric's direction; ties share a rank."""
    for name in metrics:
        direction = directions.get(name)
        if direction not in ("lower", "higher"):
            continue
        scored = [group.metrics[name] for group in groups if group.metrics[name].n]
        for summary in scored:
            better = sum(is_better(other.mean, summary.mean, direction) for other in scored)
            summary.rank = better + 1
            summary.best = summary.rank == 1


def find_baseline(groups: Sequence[GroupSummary], controls: Sequence[GroupSummary], description: str) -> GroupSummary:
    """The one group that meets ``--baseline``'s conditions (``arch=dcgan,stabilizers=none``); a control
    only when the conditions name one (``control=real``)."""
    conditions = parse_conditions([description], "--baseline")
    asks_for_control = any(condition.key in ("control", "kind") for condition in conditions)
    candidates = [*groups, *controls] if asks_for_control else groups
    matches = [group for group in candidates
               if all(holds(run_value(group.runs[0], condition.key), condition) for condition in conditions)]
    if len(matches) != 1:
        choices = "; ".join(group.describe() for group in candidates)
        found = "no configuration" if not matches else f"{len(matches)} configurations"
        raise ConfigError(f"--baseline {description!r} matches {found}, not one; the configurations are: {choices}.")
    matches[0].baseline = True
    return matches[0]


def test_against_baseline(groups: Sequence[GroupSummary], baseline: GroupSummary, metrics: Sequence[str],
                          correction: str = "holm") -> tuple[int, int]:
    """Welch-test every row x metric against the baseline, adjust the family's p-values together, and
    star what stays below alpha; returns (tests in the family, pairs without a test)."""
    family: list[MetricSummary] = []
    untested = 0
    for group in groups:
        if group is baseline:
            continue
        for name in metrics:
            ours, theirs = group.metrics[name].values, baseline.metrics[name].values
            if len(ours) < 2 or len(theirs) < 2:
                untested += 1
                continue
            result = welch_test(ours, theirs, CONFIDENCE)
            group.metrics[name].difference = result.difference
            if result.p_value is None:
                untested += 1
                continue
            group.metrics[name].p_value = result.p_value
            family.append(group.metrics[name])
    for summary, adjusted in zip(family, adjust([summary.p_value for summary in family], correction)):
        summary.p_adjusted = adjusted
        summary.significant = adjusted < ALPHA
    return len(family), untested


def sort_groups(groups: Sequence[GroupSummary], metric: str | None,
                directions: dict[str, str | None]) -> list[GroupSummary]:
    by_label = sorted(groups, key=lambda group: (*(group.label[key] for key in LABEL_KEYS), group.settings))
    if metric is None:
        return by_label
    sign = -1 if directions[metric] == "higher" else 1  # compare() refuses to sort by an undirected metric

    def key(group: GroupSummary) -> tuple[bool, float]:
        mean = group.metrics[metric].mean
        return math.isnan(mean), sign * mean if not math.isnan(mean) else 0.0

    return sorted(by_label, key=key)  # stable: equal means keep the label order


# Settings that tell configurations apart ---------------------------------------------------------------

def differing_settings(configs: dict[str, RunConfig]) -> dict[str, str]:
    """For each group, the settings beyond arch/loss/dataset/stabilizers in which the groups differ.

    A component's option counts only where groups that have it disagree: msg's own options do not
    tell msg apart from dcgan (the arch column does), but two msg groups with other values do. An
    option added later (``added_later``) is absent from a run's config while it holds its default,
    so a group of the same component without it shows ``KEY=default``: dcgan with g_norm=none
    beside plain dcgan reads ``arch.g_norm=none`` against ``arch.g_norm=default``."""
    flat = {group: settings_shown(config) for group, config in configs.items()}
    for key, groups in option_defaults(configs, flat).items():
        for group in groups:
            flat[group][key] = "default"
    keys = sorted({key for values in flat.values() for key in values})
    differing = [key for key in keys
                 if len({repr(values[key]) for values in flat.values() if key in values}) > 1]
    return {group: ", ".join(f"{key}={values[key]}" for key in differing if key in values)
            for group, values in flat.items()}


def option_defaults(configs: dict[str, RunConfig], flat: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """component option key -> the trained groups that lack it while a group of the same component
    (the same name at the same place: ``arch`` dcgan, stabilizer pac) has it: they hold its default."""
    names = {group: {prefix: choice.name for prefix, choice in config.components().items()}
             for group, config in configs.items() if config.control is None}
    missing: dict[str, list[str]] = {}
    for key in sorted({key for values in flat.values() for key in values}):
        prefix = key.partition(".")[0]
        holders = {names[group].get(prefix) for group in names if key in flat[group]} - {None}
        lacking = [group for group in names if key not in flat[group] and names[group].get(prefix) in holders]
        if lacking:
            missing[key] = lacking
    return missing


def settings_shown(config: RunConfig) -> dict[str, Any]:
    if config.control is not None:
        return {}  # a control is its data and seed: the arch column names it, its other settings are unused
    flat = {key: value for key, value in config.flat_settings().items() if key != "seed"}
    if config.init_from:
        flat["init_from"] = source_label(config.init_from)
    return flat


def source_label(init_from: str) -> str:
    """A source run named by its components (``dcgan-bce-mnist-none``), without its seed and hash: the
    seeds of a configuration start from the same seed of their source, so one label fits the group."""
    try:
        return RunConfig.from_json(RunDir(init_from).read_config()).label
    except GanbenchError:
        return Path(str(init_from)).name  # the source is gone: its directory's name is all there is
