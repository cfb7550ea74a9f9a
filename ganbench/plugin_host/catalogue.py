"""What the installed plugins registered, saved so that ``ganbench --help`` and ``ganbench list``
answer without importing them (a plugin imports torch, which alone takes seconds).

The catalogue is a JSON file in the cache folder, one per Python environment. It is used only while
its fingerprint matches: ganbench's version and source files, and every entry point of the group
``ganbench`` with its distribution's version and the modification times of its module's files. So
installing, removing, upgrading or editing a plugin (editable installs included) makes the next
command load the plugins for real and write the catalogue again.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

from ganbench import __version__

FORMAT = 2  # 2: shadowed components listed under their qualified names


def catalogue_path() -> Path:
    """$GANBENCH_CACHE (or ~/.cache/ganbench)/cli-catalogue-<environment>.json."""
    folder = Path(os.environ.get("GANBENCH_CACHE") or Path.home() / ".cache" / "ganbench").expanduser()
    environment = hashlib.sha256(sys.prefix.encode()).hexdigest()[:10]
    return folder / f"cli-catalogue-{environment}.json"


def newest_mtime(folder: Path) -> int:
    """The newest modification time of the Python files under ``folder`` (or of the file itself)."""
    if folder.is_file():
        return folder.stat().st_mtime_ns
    newest = 0
    for root, _, files in os.walk(folder):
        for name in files:
            if name.endswith(".py"):
                newest = max(newest, os.stat(os.path.join(root, name)).st_mtime_ns)
    return newest


def module_location(module: str) -> Path | None:
    """Where a top-level module's files are, found without importing it."""
    try:
        spec = importlib.util.find_spec(module.split(".")[0])
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    origin = Path(spec.origin)
    return origin.parent if origin.name == "__init__.py" else origin


def fingerprint() -> str:
    """Changes whenever what the plugins register could have changed."""
    parts: list[Any] = [FORMAT, __version__, sys.prefix, os.environ.get("GANBENCH_LOAD_PLUGINS"),
                        newest_mtime(Path(__file__).parent)]
    from ganbench.plugin_host.plugins import ENTRY_POINT_GROUP
    for entry_point in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
        dist = entry_point.dist
        location = module_location(entry_point.value.split(":")[0])
        parts.append([entry_point.name, entry_point.value, dist.name if dist else "", dist.version if dist else "",
                      str(location), newest_mtime(location) if location else 0])
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def usable() -> bool:
    """Not in the test suite, which registers plugins by hand and never reads entry points."""
    from ganbench.plugin_host import plugins
    return not plugins._skip_entry_points


def load() -> dict[str, Any] | None:
    """The saved catalogue, or None when there is none or it no longer matches what is installed."""
    path = catalogue_path()
    if not usable() or not path.exists():
        return None
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # unreadable: it is only a cache, the next full load writes it again
    if not isinstance(saved, dict) or saved.get("fingerprint") != fingerprint():
        return None
    return saved


def build(state: Any, commands: dict[str, Any]) -> dict[str, Any]:
    """The catalogue of a loaded plugin state; ``commands`` are the plugins' commands by name."""
    from ganbench.options import describe_options
    from ganbench.plugin_host.registry import KINDS
    registry = state.fill_registry()
    # A name two plugins registered is listed twice: bare for the component it reaches, qualified
    # (PLUGIN:NAME) for the other.
    components = {kind: [{"name": registry.display_name(entry), "plugin": entry.plugin,
                          "description": entry.description,
                          "options": ", ".join(f"{name}={default}" for name, _, default in
                                               describe_options(entry.cls.Options))}
                         for entry in registry.all_entries(kind)] for kind in KINDS}
    return {"fingerprint": fingerprint(),
            "commands": {name: command.get_short_help_str(limit=300) for name, command in commands.items()},
            "components": components,
            "broken": {info.name: info.error for info in state.plugins.values() if info.error}}


def save(catalogue: dict[str, Any]) -> None:
    """Write the catalogue; a cache that cannot be written only costs speed, so errors are ignored."""
    if not usable():
        return
    from ganbench.atomic import write_json
    try:
        catalogue_path().parent.mkdir(parents=True, exist_ok=True)
        write_json(catalogue_path(), catalogue)
    except OSError:
        pass


def current(cli: Any = None) -> dict[str, Any]:
    """The catalogue: the saved one when it matches, else one built from the plugins (and saved)."""
    saved = load()
    if saved is not None:
        return saved
    import click

    from ganbench.plugin_host import plugins
    scratch = click.Group()  # the plugins' commands alone, to name them
    state = plugins.state()
    state.register_commands(scratch)
    catalogue = build(state, scratch.commands)
    save(catalogue)
    return catalogue
