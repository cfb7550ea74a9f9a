"""The plugin packages of this checkout, registered in-process when they are not installed.

A lent GPU machine starts bare: it has the repository and a Python with torch, not ganbench's plugins
installed as packages, so their entry points (how ganbench finds plugins, ganbench/plugins.py) are
absent. The script reads each plugins/*/pyproject.toml for its ``ganbench`` entry points and hands
the modules to the plugin manager (``ganbench.plugin_host.plugins.register_module``), as loading the entry point would. An installed
plugin of the same name is left as it is.
"""

from __future__ import annotations

import importlib
import sys
import tomllib
from pathlib import Path

from ganbench.plugin_host import plugins

PLUGINS_DIR = Path(__file__).resolve().parents[2] / "plugins"


def checkout_entry_points() -> list[tuple[str, str, Path]]:
    """(entry point name, module, package folder) of every plugin package in the checkout."""
    found = []
    for pyproject in sorted(PLUGINS_DIR.glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        for name, target in project.get("entry-points", {}).get("ganbench", {}).items():
            found.append((name, target.split(":")[0], pyproject.parent))
    return found


def register_checkout_plugins() -> list[str]:
    """Register the checkout's plugins that are not loaded yet; returns their names."""
    state = plugins.state()
    added = []
    for name, module_name, folder in checkout_entry_points():
        if name in state.plugins:
            continue  # installed (pip install -e): the entry point already loaded it
        if str(folder) not in sys.path:
            sys.path.append(str(folder))
        plugins.register_module(importlib.import_module(module_name), name)
        added.append(name)
    return added
