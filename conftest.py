"""Test set-up: no installed entry point is ever loaded by accident.

The plugin manager skips entry points during tests; the plugin packages of this repository
(plugins/*) are registered explicitly from their pyproject.toml, so the suite sees exactly
the built-ins and the repository's plugins, whatever else is installed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
SHARED_DATA = REPO.parent / "shared" / "data"

# The testing kit's fixtures (one_thread, channel_adding_neck): the pytest11 entry point of an installed
# ganbench loads the same module under the same name, so a checkout that is not installed gets them too.
pytest_plugins = ["ganbench.testing_fixtures"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def load_repository_plugins() -> None:
    """The built-ins and this repository's plugin packages (plugins/*), nothing installed."""
    from ganbench.plugin_host import plugins
    from ganbench.testing_fixtures import register_plugin_packages
    plugins.reset()
    register_plugin_packages(REPO / "plugins")


def pytest_configure(config):
    from ganbench.plugin_host import plugins
    plugins._skip_entry_points = True
    load_repository_plugins()  # their folders on sys.path before the plugins' tests import them
    # Domain classifiers and torch-fidelity statistics are cached once per test session, never in ~/.cache.
    if "GANBENCH_CACHE" not in os.environ:
        import tempfile
        os.environ["GANBENCH_CACHE"] = tempfile.mkdtemp(prefix="ganbench-test-cache-")


@pytest.fixture(autouse=True)
def fresh_plugins():
    """Each test starts from the built-ins plus this repository's plugins."""
    load_repository_plugins()
    yield
    from ganbench.plugin_host import plugins
    plugins.reset()


@pytest.fixture(scope="module")
def repository_plugins():
    """For module-scoped fixtures, which start before the per-test fresh_plugins."""
    load_repository_plugins()


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "MNIST" / "raw").exists():
        pytest.skip("../shared/data/MNIST is not present")
    return SHARED_DATA
