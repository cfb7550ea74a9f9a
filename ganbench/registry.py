"""Named components of each kind, who registered them, and did-you-mean errors."""

from __future__ import annotations

import dataclasses
import difflib
import re
from typing import Any

from ganbench.errors import PluginError, UnknownComponent

KINDS = ("architecture", "loss", "stabilizer", "evaluator", "dataset", "logger")
PLURALS = {"architecture": "architectures", "loss": "losses", "stabilizer": "stabilizers",
           "evaluator": "evaluators", "dataset": "datasets", "logger": "loggers"}
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclasses.dataclass(frozen=True)
class Entry:
    """One registered component class and the plugin that registered it."""

    kind: str
    name: str
    cls: type
    plugin: str

    @property
    def description(self) -> str:
        return self.cls.description


class Registry:
    """All components by kind and name."""

    def __init__(self) -> None:
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}
        # plugin -> why it did not load: a name it would have registered is "unknown" for that reason
        self.broken_plugins: dict[str, str] = {}

    def add(self, kind: str, cls: type, plugin: str) -> Entry:
        """Register ``cls``; a second component with the same name is an error naming both plugins."""
        check_contract(kind, cls, plugin)
        name = getattr(cls, "name", "")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise PluginError(f"plugin {plugin!r} registered a {kind} with the invalid name {name!r} (use kebab-case).")
        if not getattr(cls, "description", ""):
            raise PluginError(f"plugin {plugin!r} registered {kind} {name!r} without a description.")
        existing = self._entries[kind].get(name)
        if existing is not None:
            raise PluginError(
                f"{kind} {name!r} is registered twice: by plugin {existing.plugin!r} and by plugin {plugin!r}.")
        entry = Entry(kind, name, cls, plugin)
        self._entries[kind][name] = entry
        return entry

    def get(self, kind: str, name: str) -> Entry:
        """The entry, or an UnknownComponent error that suggests close names."""
        entries = self._entries[kind]
        if name in entries:
            return entries[name]
        message = unknown_name_message(kind, name, sorted(entries))
        raise UnknownComponent(message + broken_plugins_note(self.broken_plugins))

    def create(self, kind: str, name: str, options: dict[str, Any] | None = None) -> Any:
        """An instance of the named component with validated options."""
        return self.get(kind, name).cls.with_options(options)

    def entries(self, kind: str) -> list[Entry]:
        return sorted(self._entries[kind].values(), key=lambda entry: entry.name)

    def names(self, kind: str) -> list[str]:
        return sorted(self._entries[kind])


def base_classes() -> dict[str, type]:
    from ganbench.architecture import Architecture
    from ganbench.dataset import Dataset
    from ganbench.evaluator import Evaluator
    from ganbench.logger import Logger
    from ganbench.loss import Loss
    from ganbench.stabilizer import Stabilizer
    return {"architecture": Architecture, "loss": Loss, "stabilizer": Stabilizer, "evaluator": Evaluator,
            "dataset": Dataset, "logger": Logger}


def check_contract(kind: str, cls: object, plugin: str) -> None:
    """A registered component must subclass its kind's base class and declare dataclass options."""
    base = base_classes()[kind]
    if not isinstance(cls, type) or not issubclass(cls, base):
        raise PluginError(f"plugin {plugin!r} registered {cls!r} as a {kind}, but it is not a subclass of "
                          f"{base.__module__}.{base.__name__}.")
    if not dataclasses.is_dataclass(getattr(cls, "Options", None)):
        raise PluginError(f"plugin {plugin!r} registered {kind} {getattr(cls, 'name', cls)!r} whose Options "
                          f"is not a dataclass.")


def unknown_name_message(kind: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    listing = ", ".join(known) if known else "none registered"
    return f"Unknown {kind} {name!r}.{hint} Known {PLURALS[kind]}: {listing}."


def broken_plugins_note(broken: dict[str, str]) -> str:
    """Why a name may be missing: the plugins that failed to load, each with its error."""
    return "".join(f" Also, plugin {plugin!r} did not load: {error.rstrip('.')}." for plugin, error in sorted(broken.items()))
