"""ganbench from Python (a notebook, a script): ``ganbench.run``, ``ganbench.sweep``, ``ganbench.compare``.

Each takes the flags of its command as keyword arguments, with ``_`` for ``-`` (``batch_size=16``,
``stab_opt="label-smoothing.real=0.8"``); a list stands for a repeated flag (``stabilizer=["a", "b"]``
is ``--stabilizer a --stabilizer b``). The arguments are read by the command's own parser, so a call
means exactly what the command line means: the same grammar, the same resolution, the same run ids,
and a finished run is found, not trained again. Mistakes raise ganbench.errors exceptions (a
ConfigError, an UnknownComponent, ...) with the sentence the command would print; nothing exits.

See docs/python.md.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable, Iterable

from ganbench.errors import ConfigError


def run(*, restart: bool = False, quiet: bool = True, **flags: Any):
    """Train one configuration (or find it finished) and return its RunResult, as ``ganbench run``."""
    from ganbench.commands.run_flags import config_from_flags
    from ganbench.engine.launch import migrate_before_looking_for_runs, run_distributed_or_single

    context = _parse("run", flags)
    config = config_from_flags(context.params)
    migrate_before_looking_for_runs(config.results_dir, _silent)
    report = run_distributed_or_single(config, show_progress=not quiet, restart=restart)
    return report.result


def sweep(suite: str | Path | None = None, *, seeds: int | None = None, set: dict[str, Any] | None = None,
          executor: str = "local", workers: int | None = None, controls: bool = False,
          on_update: Callable[[Any], None] | None = None, **flags: Any) -> list:
    """Train every run of a sweep (skipping what finished) and return their RunResults in the sweep's
    order, as ``ganbench sweep``; ``set={"lr_d": "1e-4,2e-4"}`` is ``--set lr_d=1e-4,2e-4``."""
    from ganbench.commands.run_flags import plan_from_flags, typed_parameters
    from ganbench.results.run_dir import RunDir
    from ganbench.sweep import flow
    from ganbench.sweep.executor_choice import make_executor

    settings = {**flags, "seeds": seeds, "executor": executor, "workers": workers,
                "set_pairs": [f"{key}={_text(value)}" for key, value in (set or {}).items()]}
    context = _parse("sweep", settings, [str(suite)] if suite is not None else [])
    values = {key: value for key, value in context.params.items() if key in _run_parameters()}
    configs = plan_from_flags(context.params["suite"], values, context.params["set_pairs"],
                              context.params["seeds"], given=typed_parameters(context, values))
    planned = flow.with_controls(configs, controls)
    flow.migrate_results(planned.results_dir, _silent)
    updates = flow.train(planned.everything, make_executor(executor, workers), on_update or _silent)
    flow.refuse_if_nothing_ran(updates)
    return [RunDir(Path(config.results_dir) / config.run_id).read_result() for config in planned.runs]


def compare(results_dir: str | Path | None = None, *, metric: str | Iterable[str] = (), where: str | Iterable[str] = (),
            sort: str | None = None, baseline: str | None = None, correction: str = "holm") -> "ComparisonTable":
    """The table of ``ganbench compare``: configurations, mean ± 95% CI over seeds, rank, tests
    against ``baseline``. ``.to_pandas()`` gives it as a DataFrame."""
    import os
    from ganbench.results.compare import compare_results
    from ganbench.results.migrate import migrate_and_tell

    folder = Path(results_dir or os.environ.get("GANBENCH_RESULTS", "runs"))
    if folder.is_dir():
        migrate_and_tell(folder, _silent)
    comparison, _ = compare_results(folder, _listed(metric), _listed(where), sort, baseline, correction)
    return ComparisonTable(comparison)


@dataclasses.dataclass
class ComparisonTable:
    """A comparison as numbers: one row per configuration (controls included, marked)."""

    comparison: Any  # ganbench.results.comparison.Comparison

    @property
    def metrics(self) -> list[str]:
        return list(self.comparison.metrics)

    def rows(self) -> list[dict[str, Any]]:
        """Per configuration: its components, settings, n, rank, and per metric its mean, CI half-width,
        std, rank and (against the baseline) adjusted p-value and significance."""
        rows = []
        for group in self.comparison.groups:
            row: dict[str, Any] = {**group.label, "settings": group.settings, "control": group.control,
                                   "baseline": group.baseline, "n": group.n, "rank": group.rank,
                                   "group": group.group}
            for name in self.comparison.metrics:
                summary = group.metrics.get(name)
                row.update({f"{name}_mean": getattr(summary, "mean", None), f"{name}_ci": getattr(summary, "ci", None),
                            f"{name}_std": getattr(summary, "std", None), f"{name}_rank": getattr(summary, "rank", None),
                            f"{name}_p_adjusted": getattr(summary, "p_adjusted", None),
                            f"{name}_significant": getattr(summary, "significant", None)})
            rows.append(row)
        return rows

    def to_pandas(self):
        """The rows as a pandas DataFrame (pip install 'ganbench[pandas]')."""
        try:
            import pandas
        except ImportError:
            raise ConfigError("ComparisonTable.to_pandas needs pandas: pip install 'ganbench[pandas]'.") from None
        return pandas.DataFrame(self.rows())

    to_dataframe = to_pandas

    def to_markdown(self) -> str:
        from ganbench.results.formats import to_markdown
        return to_markdown(self.comparison)

    def to_csv(self) -> str:
        from ganbench.results.formats import to_csv
        return to_csv(self.comparison)

    def _repr_markdown_(self) -> str:  # Jupyter shows the table as the command line's markdown
        return self.to_markdown()


# Keyword arguments -> the command's own parser --------------------------------------------------------------

def _parse(command_name: str, settings: dict[str, Any], arguments: list[str] | None = None):
    """The click context of ``command_name`` for ``settings``, given as its flags: what the command
    line would have parsed. A click usage error becomes a ConfigError."""
    import click

    command = _command(command_name)
    argv = list(arguments or [])
    for key, value in settings.items():
        if value is None or (isinstance(value, (list, tuple)) and not value):
            continue
        argv.extend(_flag_arguments(command, command_name, key, value))
    try:
        return command.make_context(command_name, argv)
    except click.UsageError as error:
        raise ConfigError(error.format_message()) from None


def _command(name: str):
    """The click command itself (not through ganbench.cli, which only the entry points import)."""
    import click
    import importlib
    group = click.Group()
    importlib.import_module(f"ganbench.commands.{name}").register(group)
    return group.commands[name]


def _flag_arguments(command, command_name: str, key: str, value: Any) -> list[str]:
    option = _option_for(command, key)
    if option is None:
        known = sorted(name for param in command.params if param.param_type_name == "option"
                       for name in _keyword_names(param))
        raise TypeError(f"ganbench.{command_name}() got an unexpected keyword argument {key!r}; "
                        f"valid: {', '.join(known)}.")
    if option.is_flag:
        if option.secondary_opts:
            return [option.opts[0] if value else option.secondary_opts[0]]
        return [option.opts[0]] if value else []
    if not option.multiple:  # --arch, --steps, ...: a list is alternatives, as NAME,NAME on the command line
        return [option.opts[0], _text(value)]
    values = value if isinstance(value, (list, tuple)) else [value]  # a list is the flag repeated
    return [item for each in values for item in (option.opts[0], _text(each))]


def _option_for(command, key: str):
    for param in command.params:
        if param.param_type_name == "option" and key in _keyword_names(param):
            return param
    return None


def _keyword_names(param) -> set[str]:
    """A flag's keyword names: its long flags with ``_`` for ``-`` (``stabilizer``, ``batch_size``) and
    its parameter name (``stabilizers``, ``set_pairs``); ``compile`` for ``--compile/--no-compile``."""
    names = {opt.lstrip("-").replace("-", "_") for opt in param.opts if opt.startswith("--")}
    return names | {param.name, param.name.rstrip("_")}


def _text(value: Any) -> str:
    """A Python value as the command line spells it: lists of alternatives joined by commas."""
    if isinstance(value, (list, tuple)):
        return ",".join(_text(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _listed(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _run_parameters() -> set[str]:
    from ganbench.commands.run import run as run_command
    return {param.name for param in run_command.params} - {"restart", "quiet", "dry_run", "profile_steps"}


def _silent(*_: Any) -> None:
    """Where the commands print a sentence or a board update, the Python API stays quiet."""
