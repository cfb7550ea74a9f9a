"""The plugin manager: built-in components and installed plugins, through the same hooks.

Installed plugins are found through the entry-point group ``ganbench``. The environment
variable ``GANBENCH_LOAD_PLUGINS`` names the plugins to load (comma-separated; empty loads
none), the kill switch for a broken plugin. A plugin that fails to import or to register is
recorded with its error and skipped; everything else keeps working.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.metadata
import os
from types import ModuleType

import pluggy

from ganbench import API_VERSION
from ganbench.plugin_host import hookspecs
from ganbench.errors import PluginError
from ganbench.plugin_host.registry import BUILTIN_NAMESPACE, KINDS, PLURALS, Registry

ENTRY_POINT_GROUP = "ganbench"
# The packages that hold the built-in components, each registering its own through the same hooks as a
# plugin (a hookimpl in the package's __init__); each is a plugin named after its package.
BUILTIN_MODULES = (
    "ganbench.losses",
    "ganbench.datasets",
    "ganbench.stabilizers",
    "ganbench.evaluate",
    "ganbench.loggers",
)
_skip_entry_points = False  # set by the test suite so that tests never see installed plugins


@dataclasses.dataclass
class PluginInfo:
    """What ``ganbench plugins`` shows about one plugin."""

    name: str
    package: str = ""
    version: str = ""
    builtin: bool = False
    error: str = ""
    registered: dict[str, list[str]] = dataclasses.field(default_factory=dict)


class PluginState:
    """The plugin manager, the registry it filled, and what each plugin did."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("ganbench")
        self.pm.add_hookspecs(hookspecs)
        self.registry = Registry()
        self.plugins: dict[str, PluginInfo] = {}
        self._filled = False

    def add_plugin(self, module: object, name: str, info: PluginInfo) -> None:
        """Register a module (or object) with hook implementations, unless it needs another plugin API."""
        refusal = api_version_refusal(module)
        if refusal:
            info.error = refusal
            self.plugins[name] = info
            return
        self.pm.register(module, name=name)
        self.plugins[name] = info

    def remove_plugin(self, name: str) -> None:
        plugin = self.pm.get_plugin(name)
        if plugin is not None:
            self.pm.unregister(plugin)
        self.plugins.pop(name, None)
        self._filled = False

    def fill_registry(self) -> Registry:
        """Call every plugin's register hooks, one plugin at a time so that failures stay local."""
        if self._filled:
            return self.registry
        self.registry = Registry()
        for info in self.plugins.values():
            info.registered = {}
            if not info.error:
                info.error = ""
        for kind in KINDS:
            hook = getattr(self.pm.hook, f"register_{PLURALS[kind]}")
            for impl in hook.get_hookimpls():  # registration order: built-ins first
                self._register_from(impl, kind)
        self.registry.broken_plugins = {name: info.error for name, info in self.plugins.items() if info.error}
        self._filled = True
        return self.registry

    def _register_from(self, impl: pluggy.HookImpl, kind: str) -> None:
        name = impl.plugin_name
        info = self.plugins.setdefault(name, PluginInfo(name=name))
        if info.error:
            return

        namespace = BUILTIN_NAMESPACE if info.builtin else name

        def register(cls: type) -> None:
            entry = self.registry.add(kind, cls, name, namespace)
            info.registered.setdefault(kind, []).append(self.registry.display_name(entry))

        try:
            impl.function(register=register)
        except Exception as error:  # a broken plugin must not take the others down
            info.error = f"{type(error).__name__} while registering {PLURALS[kind]}: {error}"
            self._drop_components_of(name)

    def _drop_components_of(self, plugin: str) -> None:
        self.registry.remove_plugin(plugin)
        self.plugins[plugin].registered = {}

    def register_commands(self, cli: object) -> None:
        for impl in self.pm.hook.register_commands.get_hookimpls():
            try:
                impl.function(cli=cli)
            except Exception as error:
                self.plugins.setdefault(impl.plugin_name, PluginInfo(impl.plugin_name)).error = (
                    f"{type(error).__name__} while registering commands: {error}")


def declared_api_versions(module: object) -> tuple[int, int | None]:
    """The plugin API versions a plugin says it works with, as (lowest, highest or None).

    ``GANBENCH_API_VERSIONS = (1, 2)`` names a range, both ends included; the older
    ``GANBENCH_API_VERSION = N`` names the lowest alone. A plugin that declares neither is taken
    to work with every version from 1 on."""
    versions = getattr(module, "GANBENCH_API_VERSIONS", None)
    if isinstance(versions, (tuple, list)) and len(versions) == 2 and all(isinstance(v, int) for v in versions):
        return versions[0], versions[1]
    if isinstance(versions, int):
        return versions, versions
    lowest = getattr(module, "GANBENCH_API_VERSION", 1)
    return (lowest if isinstance(lowest, int) else 1), None


def api_version_refusal(module: object) -> str:
    """Why this ganbench cannot load the plugin, in one sentence, or "" when it can."""
    lowest, highest = declared_api_versions(module)
    if lowest > API_VERSION:
        return (f"needs ganbench plugin API {lowest}, but this ganbench provides {API_VERSION}; "
                f"upgrade ganbench")
    if highest is not None and highest < API_VERSION:
        return (f"supports ganbench plugin API {lowest} to {highest}, but this ganbench provides {API_VERSION}; "
                f"upgrade the plugin, or install a ganbench with plugin API {highest}")
    return ""


_state: PluginState | None = None


def state() -> PluginState:
    """The process-wide plugin state, loaded on first use."""
    global _state
    if _state is None:
        _state = PluginState()
        load_builtins(_state)
        if not _skip_entry_points:
            load_entry_points(_state)
    return _state


def registry() -> Registry:
    """The filled registry of every loaded plugin."""
    return state().fill_registry()


def reset() -> None:
    """Forget loaded plugins (tests, and after ``ganbench plugins install``)."""
    global _state
    _state = None


def load_builtins(target: PluginState) -> None:
    for module_name in BUILTIN_MODULES:
        module = importlib.import_module(module_name)
        target.add_plugin(module, module_name, PluginInfo(name=module_name, package="ganbench",
                                                          builtin=True, version=_version("ganbench")))


def allowed_plugins() -> set[str] | None:
    """Names from GANBENCH_LOAD_PLUGINS, or None when every plugin may load."""
    value = os.environ.get("GANBENCH_LOAD_PLUGINS")
    if value is None:
        return None
    return {name.strip() for name in value.split(",") if name.strip()}


def load_entry_points(target: PluginState) -> None:
    """Import each installed plugin; a failing import is recorded, not raised."""
    allowed = allowed_plugins()
    for entry_point in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        package = entry_point.dist.name if entry_point.dist else ""
        if allowed is not None and entry_point.name not in allowed and package not in allowed:
            continue
        if target.pm.get_plugin(entry_point.name) is not None or entry_point.name in target.plugins:
            continue
        info = PluginInfo(name=entry_point.name, package=package,
                          version=entry_point.dist.version if entry_point.dist else "")
        try:
            module = entry_point.load()
        except Exception as error:
            info.error = f"{type(error).__name__} while importing: {error}"
            target.plugins[entry_point.name] = info
            continue
        target.add_plugin(module, entry_point.name, info)


def broken_plugin_notices(broken: dict[str, str] | None = None) -> list[str]:
    """One line per plugin that failed to import or register (``broken``: name -> error; default: the
    loaded state's), naming it and where to read why: its error can be long, ``ganbench plugins`` shows it."""
    if broken is None:
        broken = {name: info.error for name, info in state().plugins.items() if info.error}
    return [f"Warning: plugin {name!r} did not load and is skipped; `ganbench plugins` shows why."
            for name in sorted(broken)]


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def plugin_versions() -> dict[str, str]:
    """name -> version of every loaded non-built-in plugin, for result.json."""
    current = state()
    return {name: info.version for name, info in current.plugins.items() if not info.builtin and not info.error}


def register_module(module: ModuleType | object, name: str | None = None) -> str:
    """Register an extra plugin object at run time (tests, notebooks). Returns its name."""
    current = state()
    plugin_name = name or getattr(module, "__name__", repr(module))
    if current.pm.get_plugin(plugin_name) is not None:
        raise PluginError(f"plugin {plugin_name!r} is already registered.")
    current.add_plugin(module, plugin_name, PluginInfo(name=plugin_name, package=plugin_name))
    current._filled = False
    return plugin_name


def unregister_module(name: str) -> None:
    state().remove_plugin(name)

