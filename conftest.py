"""Test set-up: no installed entry point is ever loaded by accident.

The plugin manager skips entry points during tests; the plugin packages of this repository
(plugins/*) are registered explicitly from their pyproject.toml, so the suite sees exactly
the built-ins and the repository's plugins, whatever else is installed.
"""

from __future__ import annotations

import importlib
import os
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
SHARED_DATA = REPO.parent / "shared" / "data"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def repository_plugins() -> list[tuple[str, str]]:
    """(entry-point name, module) of every plugin package under plugins/; each package's folder
    goes on sys.path so that a plugin works in tests before it is installed."""
    found = []
    for pyproject in sorted(REPO.glob("plugins/*/pyproject.toml")):
        if str(pyproject.parent) not in sys.path:
            sys.path.insert(0, str(pyproject.parent))
        project = tomllib.loads(pyproject.read_text())["project"]
        for name, module in project.get("entry-points", {}).get("ganbench", {}).items():
            found.append((name, module))
    return found


def load_repository_plugins() -> None:
    from ganbench import plugins
    plugins.reset()
    state = plugins.state()
    for name, module_name in repository_plugins():
        module = importlib.import_module(module_name)
        state.add_plugin(module, name, plugins.PluginInfo(name=name, package=f"ganbench-{name}"))


def pytest_configure(config):
    from ganbench import plugins
    plugins._skip_entry_points = True
    # Domain classifiers and torch-fidelity statistics are cached once per test session, never in ~/.cache.
    if "GANBENCH_CACHE" not in os.environ:
        import tempfile
        os.environ["GANBENCH_CACHE"] = tempfile.mkdtemp(prefix="ganbench-test-cache-")


@pytest.fixture(autouse=True)
def fresh_plugins():
    """Each test starts from the built-ins plus this repository's plugins."""
    load_repository_plugins()
    yield
    from ganbench import plugins
    plugins.reset()


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "MNIST" / "raw").exists():
        pytest.skip("../shared/data/MNIST is not present")
    return SHARED_DATA
