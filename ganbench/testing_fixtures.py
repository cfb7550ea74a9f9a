"""The testing kit's fixtures, as a pytest plugin (the ``pytest11`` entry point of ganbench).

A plugin package's tests get them without a conftest.py of their own once ganbench is installed:

- ``channel_adding_neck``: a Neck whose layer appends a channel of ones, for the neck checks of
  ``ganbench.testing.check_architecture``;
- ``one_thread``: torch on one thread for the test, the thread count given back after it. Nets as small
  as the contract checks' train fastest on one thread, and several threads fight over a shared CPU
  (or over the cores of pytest-xdist's other workers).

``ganbench_one_thread = true`` in ``[tool.pytest.ini_options]`` puts every test of the project on one
thread; without it nothing changes for a project that merely has ganbench installed. The imports
happen inside the fixtures, so that a pytest session that uses none of them does not import torch.

``register_plugin_packages(folder)`` registers plugin packages from their sources, uninstalled: how
a repository of several plugins (ganbench's own plugins/) tests them together.
"""

from __future__ import annotations

import importlib
import sys
import tomllib
from pathlib import Path
from typing import Iterator

import pytest


def register_plugin_packages(folder: Path) -> list[str]:
    """Adds to the loaded plugins every package under ``folder`` (each FOLDER/*/pyproject.toml with
    ``[project.entry-points.ganbench]``), imported from its source folder, which goes on sys.path;
    nothing need be installed. Returns the entry-point names, in the folders' order."""
    from ganbench.plugin_host import plugins
    state = plugins.state()
    names = []
    for pyproject in sorted(Path(folder).glob("*/pyproject.toml")):
        if str(pyproject.parent) not in sys.path:
            sys.path.insert(0, str(pyproject.parent))
        project = tomllib.loads(pyproject.read_text())["project"]
        for name, module_name in project.get("entry-points", {}).get("ganbench", {}).items():
            state.add_plugin(importlib.import_module(module_name), name,
                             plugins.PluginInfo(name=name, package=project.get("name", f"ganbench-{name}")))
            names.append(name)
    return names


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("ganbench_one_thread", type="bool", default=False,
                  help="ganbench: run every test with torch on one thread (the one_thread fixture)")


@pytest.fixture
def one_thread() -> Iterator[None]:
    """torch on one thread for this test; the process's thread count comes back after it."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _ganbench_one_thread_when_configured(request: pytest.FixtureRequest) -> None:
    if request.config.getini("ganbench_one_thread"):
        request.getfixturevalue("one_thread")


@pytest.fixture
def channel_adding_neck():
    """A Neck that appends a channel of ones: the neck layer the architecture contract checks use."""
    from ganbench.api import Neck
    from ganbench.api.testing import AppendOnesChannel
    return Neck(AppendOnesChannel())
