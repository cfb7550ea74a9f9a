"""Named components of each kind, who registered them, and did-you-mean errors.

Every component lives in its plugin's namespace and is always reachable by its qualified name
``PLUGIN:NAME`` (``ganbench:lecam``, ``holdout:lecam``). The bare name ``NAME`` points at the
first component registered under it (built-ins register first), so a plugin that ships a name
ganbench later adopts, or that another plugin took, keeps loading: its component is reachable by
its qualified name, and a one-line notice says so.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import sys
from typing import Any, Sequence

from ganbench.errors import PluginError, UnknownComponent

KINDS = ("architecture", "loss", "stabilizer", "evaluator", "dataset", "logger")
PLURALS = {"architecture": "architectures", "loss": "losses", "stabilizer": "stabilizers",
           "evaluator": "evaluators", "dataset": "datasets", "logger": "loggers"}
NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SEPARATOR = ":"  # between a plugin's namespace and a component's name: holdout:lecam
BUILTIN_NAMESPACE = "ganbench"

_notices_given: set[str] = set()  # each shadowing notice once per process, however often the registry refills


@dataclasses.dataclass(frozen=True)
class Entry:
    """One registered component class and the plugin that registered it."""

    kind: str
    name: str
    cls: type
    plugin: str
    namespace: str = ""  # the plugin's namespace in qualified names; "" means the plugin's name

    @property
    def description(self) -> str:
        return self.cls.description

    @property
    def qualified_name(self) -> str:
        return f"{self.namespace or self.plugin}{SEPARATOR}{self.name}"


class Registry:
    """All components by kind, by qualified name and by bare name."""

    def __init__(self) -> None:
        # kind -> qualified name -> entry, in registration order
        self._qualified: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}
        # kind -> bare name -> the entry it points at: the first registered under that name
        self._entries: dict[str, dict[str, Entry]] = {kind: {} for kind in KINDS}
        # plugin -> why it did not load: a name it would have registered is "unknown" for that reason
        self.broken_plugins: dict[str, str] = {}

    def add(self, kind: str, cls: type, plugin: str, namespace: str = "") -> Entry:
        """Register ``cls`` under ``NAMESPACE:NAME``, and under ``NAME`` when no component holds it yet.

        A name taken by another plugin is no error: the bare name keeps its first owner and a
        notice names the qualified alternative. One plugin registering one name twice is an error."""
        check_contract(kind, cls, plugin)
        name = getattr(cls, "name", "")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise PluginError(f"plugin {plugin!r} registered a {kind} with the invalid name {name!r} (use kebab-case).")
        if not getattr(cls, "description", ""):
            raise PluginError(f"plugin {plugin!r} registered {kind} {name!r} without a description.")
        entry = Entry(kind, name, cls, plugin, namespace)
        twin = self._qualified[kind].get(entry.qualified_name)
        if twin is not None:
            raise PluginError(f"{kind} {name!r} is registered twice by plugin {twin.plugin!r}"
                              f"{'' if twin.plugin == plugin else f' and by plugin {plugin!r}'}.")
        self._qualified[kind][entry.qualified_name] = entry
        owner = self._entries[kind].setdefault(name, entry)
        if owner is not entry:
            give_shadowing_notice(entry, owner)
        return entry

    def get(self, kind: str, name: str) -> Entry:
        """The entry of a bare or qualified name, or an UnknownComponent error that suggests close names."""
        entry = (self._qualified if SEPARATOR in name else self._entries)[kind].get(name)
        if entry is not None:
            return entry
        namespace, _, bare = name.rpartition(SEPARATOR)
        qualified = [each.qualified_name for each in self._qualified[kind].values()]
        message = unknown_name_message(kind, name, self.names(kind),
                                       close_to=bare if namespace else name, also=qualified if namespace else ())
        raise UnknownComponent(message + broken_plugins_note(self.broken_plugins))

    def canonical_name(self, kind: str, name: str) -> str:
        """How a run records the component: its bare name when that points at it, else its qualified
        name; so ``ganbench:lecam`` is recorded as ``lecam`` and run ids of bare names never change."""
        entry = self.get(kind, name)
        return self.display_name(entry)

    def display_name(self, entry: Entry) -> str:
        """The bare name of the component it points at; the qualified name of a shadowed one."""
        return entry.name if self._entries[entry.kind].get(entry.name) is entry else entry.qualified_name

    def create(self, kind: str, name: str, options: dict[str, Any] | None = None) -> Any:
        """An instance of the named component with validated options."""
        return self.get(kind, name).cls.with_options(options)

    def entries(self, kind: str) -> list[Entry]:
        """The components the bare names point at (what runs by default), by name."""
        return sorted(self._entries[kind].values(), key=lambda entry: entry.name)

    def all_entries(self, kind: str) -> list[Entry]:
        """Every component, shadowed ones included, by name and then bare-name owner first."""
        return sorted(self._qualified[kind].values(),
                      key=lambda entry: (entry.name, self.display_name(entry) != entry.name, entry.qualified_name))

    def names(self, kind: str) -> list[str]:
        """Every name that reaches a component: the bare names and the qualified names of shadowed ones."""
        return [self.display_name(entry) for entry in self.all_entries(kind)]

    def remove_plugin(self, plugin: str) -> None:
        """Forget a plugin's components; a bare name it held passes to the next registrant."""
        for kind in KINDS:
            self._qualified[kind] = {qualified: entry for qualified, entry in self._qualified[kind].items()
                                     if entry.plugin != plugin}
            bare: dict[str, Entry] = {}
            for entry in self._qualified[kind].values():
                bare.setdefault(entry.name, entry)
            self._entries[kind] = bare


def give_shadowing_notice(entry: Entry, owner: Entry) -> None:
    """One line on stderr, once per process: the shadowed component and how to reach it."""
    notice = (f"ganbench: {entry.kind} {entry.name!r} of plugin {entry.plugin!r} is reachable as "
              f"{entry.qualified_name!r}; the bare name {entry.name!r} stays with plugin {owner.plugin!r}.")
    if notice not in _notices_given:
        _notices_given.add(notice)
        print(notice, file=sys.stderr)


def base_classes() -> dict[str, type]:
    from ganbench.contracts.architecture import Architecture
    from ganbench.contracts.dataset import Dataset
    from ganbench.contracts.evaluator import Evaluator
    from ganbench.contracts.logger import Logger
    from ganbench.contracts.loss import Loss
    from ganbench.contracts.stabilizer import Stabilizer
    return {"architecture": Architecture, "loss": Loss, "stabilizer": Stabilizer, "evaluator": Evaluator,
            "dataset": Dataset, "logger": Logger}


def check_contract(kind: str, cls: object, plugin: str) -> None:
    """A registered component must subclass its kind's base class and declare dataclass options."""
    base = base_classes()[kind]
    if not isinstance(cls, type) or not issubclass(cls, base):
        raise PluginError(f"plugin {plugin!r} registered {cls!r} as a {kind}, but it is not a subclass of "
                          f"ganbench.api.{base.__name__}.")  # where a plugin imports it from
    if not dataclasses.is_dataclass(getattr(cls, "Options", None)):
        raise PluginError(f"plugin {plugin!r} registered {kind} {getattr(cls, 'name', cls)!r} whose Options "
                          f"is not a dataclass.")


def unknown_name_message(kind: str, name: str, known: list[str], close_to: str = "",
                         also: Sequence[str] = ()) -> str:
    """Unknown NAME, the known names closest to ``close_to`` (the bare part of a qualified name) or to
    ``name`` among ``known`` and ``also``, and every known name."""
    candidates = list(dict.fromkeys([*known, *also]))
    close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
    if close_to and close_to != name:
        close = list(dict.fromkeys(difflib.get_close_matches(close_to, known, n=3, cutoff=0.5) + close))[:3]
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    listing = ", ".join(known) if known else "none registered"
    return f"Unknown {kind} {name!r}.{hint} Known {PLURALS[kind]}: {listing}."


def broken_plugins_note(broken: dict[str, str]) -> str:
    """Why a name may be missing: the plugins that failed to load, each with its error."""
    return "".join(f" Also, plugin {plugin!r} did not load: {error.rstrip('.')}." for plugin, error in sorted(broken.items()))
