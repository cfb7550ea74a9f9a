"""Several compare tables from one command: one per value of the ``--by`` keys, and their family.

A study often reads one table per data set or image size (dcgan-vs-msg: one per data set and
resolution). ``ganbench compare --by dataset --by resolution`` prints them all from one command, each
exactly the table ``--where dataset=D --where resolution=R`` would print. With ``--family page`` their
p-values are Holm-adjusted as one family (``ganbench.results.family``): the claims of a page that reads
all of them at once share one bound on the chance of any false star. ``--study SUITE`` takes that
family, and the defects the study asks about, from the suite's ``[study]`` table, as the page renderer
does.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, Sequence

from ganbench.errors import ConfigError
from ganbench.results.comparison import Comparison
from ganbench.results.compare import (MISSING, applies_to_controls, compare_results, filter_runs, indexed_runs,
                                      run_value, valid_keys)


def split_values(runs: Sequence[Any], where: Sequence[str], by: Sequence[str]) -> list[tuple[str, ...]]:
    """The ``--where`` conditions (``KEY=VALUE`` for every ``--by`` key) of each table, in sorted order."""
    runs = filter_runs(runs, where)
    trained = [run for run in runs if not run.control]
    values_of: list[list[Any]] = []
    for key in by:
        source = runs if applies_to_controls(key) else trained
        values = {run_value(run, key) for run in source} - {MISSING}
        if not values:
            raise ConfigError(f"--by {key!r} is not a setting of these runs; valid keys: {', '.join(valid_keys(runs))}.")
        if any(isinstance(value, (list, tuple, dict)) for value in values):
            raise ConfigError(f"--by {key!r} has values that are lists; split by a setting with one value per run.")
        if any("," in str(value) for value in values):
            raise ConfigError(f"--by {key!r} has a value with a comma, which a condition cannot name; use --where.")
        values_of.append(sorted(values, key=lambda value: (str(type(value)), value)))
    return [tuple(f"{key}={value}" for key, value in zip(by, combination))
            for combination in itertools.product(*values_of)]


def compare_tables(results_dir: Path, metrics: Sequence[str], where: Sequence[str], sort: str | None,
                   baseline: str | None, correction: str, power: Sequence[str], by: Sequence[str],
                   family: str, asks_about: Sequence[str] = ()) -> tuple[list[tuple[str, Comparison]], Any]:
    """(heading, table) for each ``--by`` combination that has runs (one untitled table without ``--by``),
    adjusted as one family when ``family`` is "page", and flagged for the defects a study asks about."""
    from ganbench.results.blind_spots import question_flags
    from ganbench.results.family import adjust_over_family
    if not by:
        whole, rebuilt = compare_results(results_dir, metrics, where, sort, baseline, correction, power)
        tables = [("", whole)]
    else:
        runs, rebuilt = indexed_runs(Path(results_dir))
        tables = []
        for conditions in split_values(runs, where, by):
            if not any(not run.control for run in filter_runs(runs, [*where, *conditions])):
                continue  # a combination the study did not run (an image size only one data set has)
            try:
                table, _ = compare_results(results_dir, metrics, [*where, *conditions], sort, baseline, correction,
                                           power)
            except ConfigError as error:
                raise ConfigError(f"the table for {', '.join(conditions)}: {error}") from None
            tables.append((", ".join(conditions), table))
    if family == "page" and len(tables) > 1:
        adjust_over_family([table for _, table in tables], "this command", "--family page: one family")
    for _, table in tables:
        table.calibration_notes += question_flags(list(asks_about), [group.label["dataset"] for group in table.groups],
                                                  table.metrics, results_dir)
    return tables, rebuilt
