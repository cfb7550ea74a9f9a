"""A sweep, from command-line lists or a TOML suite, expanded into the RunConfigs of its product.

Both sources give one :class:`SweepSpec` (the flags through ganbench.commands.run_flags, the one
grammar of ``run`` and ``sweep``): settings fixed for every run, and the values each
swept setting takes (the seed is one of them). ``expand`` takes the product, adds the suite's
extra combinations, and drops duplicates by run id, so the same run is never listed twice.

Every run goes through :func:`ganbench.resolve.resolve_config`, as ``ganbench run`` does, so
``--arch-opt base_channels=8`` and ``base_channels = 8`` in a suite, or ``--stabilizer none`` and no
stabilizer, name the same run whichever command asks for it.
"""

from __future__ import annotations

import dataclasses
import itertools
import tomllib
from pathlib import Path
from typing import Any, Iterable, Sequence

from ganbench.plugin_host import plugins
from ganbench.config import RunConfig
from ganbench.resolve import resolve_config
from ganbench.errors import ConfigError
from ganbench.options import coerce
from ganbench.plugin_host.registry import Registry

FIELDS = tuple(field.name for field in dataclasses.fields(RunConfig))
COMPONENTS = {"arch": "architecture", "loss": "loss", "dataset": "dataset"}
AXIS_ORDER = ("dataset", "arch", "loss", "stabilizers")  # outer to inner; other settings next, the seed last
HAS_OWN_FLAG = ("arch", "loss", "dataset", "stabilizers", "evaluators", "loggers", "seed")


@dataclasses.dataclass
class SweepSpec:
    """A sweep before expansion."""

    fixed: dict[str, Any]  # field -> one raw value, the same for every run
    axes: dict[str, list[Any]]  # field -> the raw values it takes; the product of all axes is swept
    includes: list[dict[str, list[Any]]] = dataclasses.field(default_factory=list)  # extra combinations
    sources: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)  # name -> a source run's settings

    def override(self, other: "SweepSpec") -> "SweepSpec":
        """This spec with every setting that ``other`` names replaced by ``other``'s (command line over
        suite, a budget over the suite); a source's settings likewise, one by one."""
        named = set(other.fixed) | set(other.axes)

        def without(table: dict) -> dict:
            return {key: value for key, value in table.items() if key not in named}

        sources = {name: {**settings, **other.sources.get(name, {})} for name, settings in self.sources.items()}
        return SweepSpec({**without(self.fixed), **other.fixed}, {**without(self.axes), **other.axes},
                         [without(include) for include in self.includes], sources)

    def combination_sets(self) -> list[tuple[dict[str, Any], dict[str, list[Any]]]]:
        """(fixed, axes) of the main product and of each extra combination, which replaces what it names."""
        sets = [(self.fixed, self.axes)]
        for include in self.includes:
            fixed = {key: value for key, value in self.fixed.items() if key not in include}
            axes = {**{key: value for key, value in self.axes.items() if key not in include}, **include}
            sets.append((fixed, axes))
        return sets


def expand(spec: SweepSpec, registry: Registry | None = None) -> list[RunConfig]:
    """Every run of the sweep, in a stable order; an unknown component name stops it here."""
    registry = registry or plugins.registry()
    sources: list[RunConfig] = []
    configs: list[RunConfig] = []
    seen: set[str] = set()
    for fixed, axes in spec.combination_sets():
        for config in _product(fixed, axes, registry):
            source = resolve_source(config, spec.sources, registry)
            for each, listing in ((source, sources), (config, configs)):
                if each is not None and each.run_id not in seen:
                    seen.add(each.run_id)
                    listing.append(each)
    return sources + configs  # a source trains before the runs it starts


SOURCE_PREFIX = "source:"


def resolve_source(config: RunConfig, sources: dict[str, dict[str, Any]], registry: Registry) -> RunConfig | None:
    """For ``init_from = "source:NAME"``: the source run, with this run's seed and where-and-how settings
    (results folder, device, data root, ...); ``config.init_from`` becomes its directory."""
    if not (config.init_from or "").startswith(SOURCE_PREFIX):
        return None
    name = config.init_from[len(SOURCE_PREFIX):]
    if name not in sources:
        known = ", ".join(sorted(sources)) or "none"
        raise ConfigError(f"init_from {config.init_from!r} names no [sources.{name}] table of the suite; "
                          f"its sources: {known}.")
    carried = {field: getattr(config, field) for field in RunConfig.NOT_IN_ID if field != "evaluators"}
    source = resolve_config({**carried, **sources[name], "seed": config.seed}, registry)
    config.init_from = str(Path(source.results_dir) / source.run_id)
    return source


def phases(configs: Sequence[RunConfig]) -> list[list[RunConfig]]:
    """The runs in the order they can train: the sources other runs start from, then the rest."""
    started_from = {config.init_from for config in configs if config.init_from}
    first = [config for config in configs if str(Path(config.results_dir) / config.run_id) in started_from]
    rest = [config for config in configs if config not in first]
    return [first, rest] if first and rest else [list(configs)]


def count_groups(configs: Sequence[RunConfig]) -> int:
    """Configurations in a sweep: its runs without the seed, each source counted by its group."""
    by_path = {str(Path(config.results_dir) / config.run_id): config for config in configs}

    def group(config: RunConfig) -> str:
        source = by_path.get(config.init_from or "")
        return config.config_hash(include_seed=False,
                                  source_group=source.config_hash(include_seed=False) if source else None)

    return len({group(config) for config in configs})


def _product(fixed: dict[str, Any], axes: dict[str, list[Any]], registry: Registry) -> Iterable[RunConfig]:
    names = sorted(axes, key=_axis_rank)
    for values in itertools.product(*(axes[name] for name in names)):
        yield resolve_config({**fixed, **dict(zip(names, values))}, registry)


def _axis_rank(name: str) -> tuple[int, str]:
    if name in AXIS_ORDER:
        return AXIS_ORDER.index(name), name
    return (len(AXIS_ORDER) + 1, name) if name == "seed" else (len(AXIS_ORDER), name)


def _refuse_unsweepable(key: str, values: list[Any], where: str) -> None:
    if key in RunConfig.NOT_IN_ID and len(values) > 1:
        raise ConfigError(f"{where} {key}: this setting does not change what is trained, so it cannot be swept; "
                          f"give one value.")


# The TOML suite ---------------------------------------------------------------------------------------

SUITE_TOP_KEYS = ("description", "sweep", "sources", "budgets", "study")
STUDY_KEYS = ("family", "asks_about")


@dataclasses.dataclass(frozen=True)
class Study:
    """What a suite's ``[study]`` table says about the pages that read its runs (docs/sweeps.md)."""

    family: str = "table"  # "page": the tests of every table of a page on these runs are one Holm family
    asks_about: tuple[str, ...] = ()  # ladder defects (ganbench.ladders) the study's question is about


def study_of_suite(path: Path | str) -> Study:
    """The ``[study]`` table of a suite file (defaults when it has none)."""
    path = Path(path)
    return _study(_read_toml(path).get("study", {}), path)


def _study(table: Any, path: Path) -> Study:
    from ganbench.engine.ladder_run import validate_defect_names
    from ganbench.results.family import FAMILY_SCOPES

    if not isinstance(table, dict):
        raise ConfigError(f"suite {path}: study must be written as a [study] table.")
    unknown = sorted(set(table) - set(STUDY_KEYS))
    if unknown:
        raise ConfigError(f"suite {path} [study]: unknown key {unknown[0]!r}; valid keys: {', '.join(STUDY_KEYS)}.")
    family = table.get("family", "table")
    if family not in FAMILY_SCOPES:
        raise ConfigError(f"suite {path} [study] family = {family!r}: choose one of {', '.join(FAMILY_SCOPES)}.")
    asks_about = table.get("asks_about", [])
    if not isinstance(asks_about, list) or not all(isinstance(name, str) for name in asks_about):
        raise ConfigError(f"suite {path} [study] asks_about must be a list of ladder names, "
                          f"e.g. [\"collapse\", \"classes-dropped\"].")
    validate_defect_names(asks_about)
    return Study(family, tuple(asks_about))


def spec_from_suite(path: Path | str, budget: str | None = None) -> SweepSpec:
    """A sweep from a suite file (see docs/sweeps.md); the file is read as data, never executed.
    ``budget`` names a ``[budgets.NAME]`` table whose settings replace the suite's (a GPU's budget)."""
    path = Path(path)
    data = _read_toml(path)
    spec = _suite_spec(data, path)
    if budget is None:
        return spec
    settings, includes = _budget_spec(data, budget, path)
    spec = spec.override(settings)
    return dataclasses.replace(spec, includes=includes) if includes is not None else spec


def _suite_spec(data: dict[str, Any], path: Path) -> SweepSpec:
    unknown = sorted(set(data) - set(SUITE_TOP_KEYS))
    if unknown:
        raise ConfigError(f"suite {path}: unknown top-level key {unknown[0]!r}; "
                          f"valid keys: {', '.join(SUITE_TOP_KEYS)}.")
    sweep = data.get("sweep")
    if not isinstance(sweep, dict):
        raise ConfigError(f"suite {path} needs a [sweep] table.")
    _study(data.get("study", {}), path)  # refused before any run trains, though only the pages read it
    fixed, axes = parse_settings({k: v for k, v in sweep.items() if k != "include"}, f"suite {path} [sweep]")
    extra = _includes(sweep.get("include", []), f"suite {path}", "sweep.include")
    return SweepSpec(fixed, axes, extra, _sources(data.get("sources", {}), f"suite {path}"))


def _includes(tables: Any, where: str, name: str) -> list[dict[str, list[Any]]]:
    if not isinstance(tables, list) or not all(isinstance(item, dict) for item in tables):
        raise ConfigError(f"{where}: include must be written as [[{name}]] tables.")
    extra = []
    for number, table in enumerate(tables, start=1):
        include_fixed, include_axes = parse_settings(table, f"{where} [[{name}]] number {number}")
        extra.append({**{key: [value] for key, value in include_fixed.items()}, **include_axes})
    return extra


def _sources(tables: Any, where: str) -> dict[str, dict[str, Any]]:
    """``[sources.NAME]`` tables: one run's settings each, trained with the seed of the run it starts."""
    if not isinstance(tables, dict) or not all(isinstance(table, dict) for table in tables.values()):
        raise ConfigError(f"{where}: sources must be written as [sources.NAME] tables.")
    sources = {}
    for name, table in tables.items():
        place = f"{where} [sources.{name}]"
        for key in table:
            if key in ("seed", "seeds", "include", "init_from") or key in RunConfig.NOT_IN_ID:
                raise ConfigError(f"{place}: {key} cannot be set here; a source takes the seed, results folder, "
                                  f"device and data root of the run it starts.")
            if key not in FIELDS:
                settable = sorted(set(FIELDS) - {"seed", "init_from", *RunConfig.NOT_IN_ID})
                raise ConfigError(f"{place}: unknown key {key!r}; valid keys: {', '.join(settable)}.")
        fixed, axes = parse_settings(table, place)
        if axes:
            raise ConfigError(f"{place}: {sorted(axes)[0]} is a list; a source is one configuration, "
                              f"give one value.")
        sources[name] = fixed
    return sources


def _budget_spec(data: dict[str, Any], budget: str, path: Path) -> tuple[SweepSpec, list | None]:
    """The settings of ``[budgets.NAME]``, with its ``[budgets.NAME.sources.X]`` tables for the sources,
    and its ``[[budgets.NAME.include]]`` tables, which replace the suite's (None: it has none)."""
    budgets = data.get("budgets", {})
    if not isinstance(budgets, dict) or budget not in budgets or not isinstance(budgets[budget], dict):
        known = ", ".join(sorted(budgets)) if isinstance(budgets, dict) and budgets else "none"
        raise ConfigError(f"suite {path} has no budget {budget!r}; its budgets: {known}.")
    table = dict(budgets[budget])
    sources = _sources(table.pop("sources", {}), f"suite {path} [budgets.{budget}]")
    unknown = sorted(set(sources) - set(data.get("sources", {})))
    if unknown:
        raise ConfigError(f"suite {path} [budgets.{budget}]: no source {unknown[0]!r} in the suite's [sources].")
    includes = _includes(table.pop("include"), f"suite {path}", f"budgets.{budget}.include") \
        if "include" in table else None
    fixed, axes = parse_settings(table, f"suite {path} [budgets.{budget}]")
    return SweepSpec(fixed, axes, [], sources), includes


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"suite file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"suite file {path} cannot be read ({type(error).__name__}).") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"suite file {path} is not valid TOML ({error}).") from None


def parse_settings(table: dict[str, Any], where: str) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """A suite table -> (fixed settings, swept settings); a list sweeps, anything else is fixed."""
    if "seed" in table and "seeds" in table:
        raise ConfigError(f"{where}: give seeds or seed, not both.")
    fixed: dict[str, Any] = {}
    axes: dict[str, list[Any]] = {}
    for key, value in table.items():
        if key not in FIELDS and key != "seeds":
            raise ConfigError(f"{where}: unknown key {key!r}; valid keys: seeds, include, {', '.join(FIELDS)}.")
        if isinstance(value, list) and not value:
            raise ConfigError(f"{where}: {key} is an empty list; give at least one value.")
        if key == "seeds":
            axes["seed"] = _suite_seeds(value, where)
        elif key == "stabilizers":
            axes[key] = [_stabilizer_set(item, where) for item in (value if isinstance(value, list) else [value])]
        elif key in ("evaluators", "loggers"):
            fixed[key] = [_component(item, where) for item in (value if isinstance(value, list) else [value])]
        elif key in COMPONENTS and isinstance(value, list):
            axes[key] = [_component(item, where) for item in value]
        elif key in COMPONENTS:
            fixed[key] = _component(value, where)
        elif key == "init_from":  # "none": from scratch, beside "source:NAME" or a run directory
            values = [None if item == "none" else item for item in (value if isinstance(value, list) else [value])]
            if isinstance(value, list):
                axes[key] = values
            else:
                fixed[key] = values[0]
        elif isinstance(value, list):
            _refuse_unsweepable(key, value, where)
            axes[key] = value
        else:
            fixed[key] = value
    return fixed, axes


def _suite_seeds(value: Any, where: str) -> list[int]:
    if isinstance(value, list):
        return [coerce(seed, int, f"{where} seeds") for seed in value]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: seeds must be a positive number of seeds or a list of seeds, got {value!r}.")
    return list(range(value))


def _component(item: Any, where: str) -> dict[str, Any]:
    if isinstance(item, str):
        return {"name": item, "options": {}}
    if isinstance(item, dict):
        unknown = sorted(set(item) - {"name", "options"})
        if unknown or not isinstance(item.get("name"), str):
            raise ConfigError(f"{where}: a component is a name or a table with name and options, got {item!r}.")
        return {"name": item["name"], "options": dict(item.get("options") or {})}
    raise ConfigError(f"{where}: a component is a name or a table with name and options, got {item!r}.")


def _stabilizer_set(item: Any, where: str) -> list[dict[str, Any]]:
    """A set: "a+b", "none", a table with options, or a list of names and tables."""
    if isinstance(item, str):
        return [_component(name.strip(), where) for name in item.split("+")]
    if isinstance(item, list):
        return [_component(member, where) for member in item]
    return [_component(item, where)]
