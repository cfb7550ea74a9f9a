"""Resolution: the one step from user input to a run.

Every way of asking for a run (``ganbench run`` flags, a sweep's lists or TOML suite, ``--set``,
``--init-from``, ``ganbench.testing``) goes through :func:`resolve_config`: component options are
built from their ``Options`` dataclass with every default filled in, numbers are typed, and the
baseline stabilizer ``none`` is normalised away. The run id is computed from the resolved config
only, so one configuration has one identity whichever command made it.

A configuration is resolved once: the command (or the sweep's expansion) resolves it, and
:func:`ensure_resolved` lets the engine take it as it is. This needs the registry of components,
so it sits above the plugin host; ganbench.config, which only knows the configuration's shape,
stays below the contracts.
"""

from __future__ import annotations

import json
from typing import Any

from ganbench.config import COMPONENT_FIELDS, Choice, RunConfig
from ganbench.errors import ConfigError, GanbenchError
from ganbench.options import build_options, options_as_dict


def resolve_config(config: RunConfig | dict[str, Any], registry: Any = None,
                   fingerprint_data: bool = True) -> RunConfig:
    """The fully typed configuration that ``config`` asks for; the only source of run ids.

    Scalars are typed and validated, every component's options are built from its ``Options``
    dataclass (unknown keys and bad values refused with a sentence, defaults filled in, values in
    their declared types), stabilizers are put in the order they act, and ``none`` alone becomes
    no stabilizer. Data read from files gets its fingerprint (unless it has one already, or
    ``fingerprint_data`` is off: a migration cannot know which files an old run read). Resolving a
    resolved config changes nothing."""
    if registry is None:
        from ganbench.plugin_host import plugins  # loads the plugins, and torch with them: only when resolving
        registry = plugins.registry()
    data = config.to_dict() if isinstance(config, RunConfig) else dict(config)
    resolved = RunConfig.from_dict(data).validate()
    for field, kind in COMPONENT_FIELDS.items():
        setattr(resolved, field, resolve_choice(registry, kind, getattr(resolved, field)))
    resolved.stabilizers = resolve_stabilizers(registry, resolved.stabilizers)
    if resolved.evaluators is not None:
        resolved.evaluators = [resolve_choice(registry, "evaluator", choice) for choice in resolved.evaluators]
    resolved.loggers = resolve_loggers(registry, resolved.loggers)
    resolved.init_from = normalise_path(resolved.init_from)
    if fingerprint_data and resolved.data_fingerprint is None:
        resolved.data_fingerprint = fingerprint_of_data(registry, resolved)
    return mark_resolved(resolved)


# A resolved config carries the fingerprint of its settings as resolved (not a field: it stays out of
# config.json, equality and pickled workers' arguments keep it). Changed afterwards, it is resolved again.
_RESOLVED_AS = "_resolved_as"


def _fingerprint(config: RunConfig) -> str:
    return json.dumps(config.to_dict(), sort_keys=True, default=str)


def mark_resolved(config: RunConfig) -> RunConfig:
    setattr(config, _RESOLVED_AS, _fingerprint(config))
    return config


def ensure_resolved(config: RunConfig | dict[str, Any], registry: Any = None) -> RunConfig:
    """``config`` itself when :func:`resolve_config` made it, else resolved: each command resolves
    once, and the engine, which takes any config, does not resolve it again."""
    return config if is_resolved(config) else resolve_config(config, registry)


def is_resolved(config: Any) -> bool:
    """Whether ``config`` came out of :func:`resolve_config` and has not been changed since."""
    marker = getattr(config, _RESOLVED_AS, None)
    return isinstance(config, RunConfig) and marker is not None and marker == _fingerprint(config)


def fingerprint_of_data(registry: Any, config: RunConfig) -> str | None:
    """The fingerprint of the files ``config``'s data set reads; None for embedded data (whose run ids
    therefore stay what they were) and for files that are not there yet (the run says which it needs)."""
    from pathlib import Path

    import torch

    from ganbench.data.fingerprint import dataset_fingerprint
    from ganbench.contracts.dataset import DataRequest
    dataset = registry.create("dataset", config.dataset.name, config.dataset.options)
    if dataset.embedded or not config.data_root:
        return None
    request = DataRequest(resolution=config.resolution, data_root=Path(config.data_root).expanduser(),
                          device=torch.device("cpu"), seed=config.seed, download=config.download)
    try:
        return dataset_fingerprint(dataset, request)
    except GanbenchError:  # files in a state the data set refuses: loading says so, for this run alone
        return None


def resolve_choice(registry: Any, kind: str, choice: Choice) -> Choice:
    """The component's options as its Options dataclass builds them: typed, defaults filled in; its
    name as the registry records it (``ganbench:lecam`` is ``lecam``; ``holdout:lecam`` stays qualified,
    since bare ``lecam`` names the built-in)."""
    refuse_empty_name(registry, kind, choice.name)
    cls = registry.get(kind, choice.name).cls
    options = build_options(cls.Options, choice.options, f"{cls.kind_label()} {choice.name!r}")
    return Choice(registry.canonical_name(kind, choice.name), options_as_dict(options))


EMPTY_NAME_HINTS = {"stabilizer": " (leave --stabilizer out, or give none, for no stabilizer)",
                    "evaluator": " (leave --evaluator out for every evaluator that applies)"}


def refuse_empty_name(registry: Any, kind: str, name: str) -> None:
    """``--stabilizer ''`` (a shell variable that was empty) names nothing: it must not train as the
    baseline, nor as anything else, without a word."""
    if not name.strip():
        raise ConfigError(f"an empty {kind} name names no {kind}; give one of {', '.join(registry.names(kind))}"
                          f"{EMPTY_NAME_HINTS.get(kind, '')}.")


def resolve_loggers(registry: Any, choices: list[Choice]) -> list[Choice]:
    """Each logger resolved, once: two of the same tracker would log every figure twice."""
    resolved = [resolve_choice(registry, "logger", choice) for choice in choices]
    refuse_repeats([choice.name for choice in resolved], "logger", ConfigError)  # lecam and ganbench:lecam are one
    return resolved


def refuse_repeats(names: list[str], kind: str, error: type) -> None:
    """A component named twice is a mistake: its two option sets cannot both hold."""
    for name in names:
        if names.count(name) > 1:
            raise error(f"{kind} {name!r} is given twice; give it once, with the options you want.")


def refuse_impossible_stabilizer_sets(names: list[str]) -> None:
    """No stabilizer twice, and the baseline ``none`` alone (checked here only: the engine resolves a
    configuration that is not resolved yet before it builds anything)."""
    from ganbench.errors import Incompatible
    refuse_repeats(names, "stabilizer", Incompatible)
    if "none" in names and len(names) > 1:
        raise Incompatible("stabilizer 'none' is the baseline and cannot be combined with other stabilizers.")


def resolve_stabilizers(registry: Any, choices: list[Choice]) -> list[Choice]:
    """Each stabilizer resolved, in the order they act (their ``order``, then as listed)."""
    resolved = [resolve_choice(registry, "stabilizer", choice) for choice in choices]
    refuse_impossible_stabilizer_sets([choice.name for choice in resolved])  # by recorded name: x is ganbench:x
    # "none" alone trains exactly what no stabilizer trains: one run id for both.
    if [choice.name for choice in resolved] == ["none"]:
        return []
    return sorted(resolved, key=lambda choice: registry.get("stabilizer", choice.name).cls.order)


def normalise_path(path: str | None) -> str | None:
    """``runs/x/`` and ``./runs/x`` name the same run as ``runs/x``."""
    if path is None or not str(path).strip():
        return None
    from pathlib import PurePath
    return str(PurePath(str(path).strip()))
