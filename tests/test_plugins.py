"""The plugin system: built-ins and plugins register through the same hooks; failures stay local."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ganbench import hookimpl
from ganbench.plugin_host import plugins
from ganbench.errors import PluginError, UnknownComponent
from ganbench.contracts.loss import Loss
from ganbench.plugin_host.registry import Registry


class FakeLoss(Loss):
    name = "fake-loss"
    description = "A loss that a test plugin registers."


class FakePlugin:
    @hookimpl
    def register_losses(self, register):
        register(FakeLoss)


class BrokenPlugin:
    @hookimpl
    def register_losses(self, register):
        raise RuntimeError("boom")


class ClashingPlugin:
    @hookimpl
    def register_losses(self, register):
        class AnotherBCE(Loss):
            name = "bce"
            description = "Clashes with the built-in."
        register(AnotherBCE)


def test_builtins_register_through_the_hooks():
    registry = plugins.registry()
    assert registry.get("loss", "bce").plugin == "ganbench.losses"
    assert registry.get("architecture", "dcgan").plugin == "dcgan"


def test_a_fake_plugin_registers_a_component():
    plugins.register_module(FakePlugin(), "fake")
    entry = plugins.registry().get("loss", "fake-loss")
    assert entry.plugin == "fake" and entry.cls is FakeLoss
    assert plugins.state().plugins["fake"].registered == {"loss": ["fake-loss"]}


def test_a_plugin_that_raises_while_registering_is_reported_and_the_rest_works():
    plugins.register_module(BrokenPlugin(), "broken")
    registry = plugins.registry()
    assert "RuntimeError while registering losses: boom" in plugins.state().plugins["broken"].error
    assert registry.get("loss", "bce")  # everything else still there


def test_a_plugin_that_reuses_a_builtin_name_still_loads(capsys):
    plugins.register_module(ClashingPlugin(), "clash")
    registry = plugins.registry()
    assert plugins.state().plugins["clash"].error == ""
    assert registry.get("loss", "bce").plugin == "ganbench.losses"
    assert registry.get("loss", "clash:bce").cls.description == "Clashes with the built-in."
    assert plugins.state().plugins["clash"].registered == {"loss": ["clash:bce"]}
    assert "loss 'bce' of plugin 'clash' is reachable as 'clash:bce'" in capsys.readouterr().err


def test_the_bare_name_stays_with_the_first_registrant_and_both_are_qualified():
    class OtherLoss(FakeLoss):
        description = "The second plugin's fake-loss."

    registry = Registry()
    first = registry.add("loss", FakeLoss, "one")
    second = registry.add("loss", OtherLoss, "two")
    assert registry.get("loss", "fake-loss") is first
    assert registry.get("loss", "one:fake-loss") is first and registry.get("loss", "two:fake-loss") is second
    assert registry.canonical_name("loss", "one:fake-loss") == "fake-loss"
    assert registry.canonical_name("loss", "two:fake-loss") == "two:fake-loss"
    assert registry.names("loss") == ["fake-loss", "two:fake-loss"]
    assert [entry.cls for entry in registry.entries("loss")] == [FakeLoss]  # what runs by default


def test_when_the_bare_names_owner_goes_the_next_registrant_takes_it():
    class OtherLoss(FakeLoss):
        description = "The second plugin's fake-loss."

    registry = Registry()
    registry.add("loss", FakeLoss, "one")
    registry.add("loss", OtherLoss, "two")
    registry.remove_plugin("one")
    assert registry.get("loss", "fake-loss").cls is OtherLoss
    assert registry.names("loss") == ["fake-loss"]


def test_one_plugin_registering_one_name_twice_is_an_error():
    registry = Registry()
    registry.add("loss", FakeLoss, "one")
    with pytest.raises(PluginError, match="'fake-loss' is registered twice by plugin 'one'"):
        registry.add("loss", FakeLoss, "one")


def test_an_unknown_qualified_name_lists_what_is_known():
    with pytest.raises(UnknownComponent, match="Unknown loss 'nobody:bce'. Did you mean 'bce'"):
        plugins.registry().get("loss", "nobody:bce")


def test_unknown_name_suggests_close_names():
    with pytest.raises(UnknownComponent) as error:
        plugins.registry().get("architecture", "dcgna")
    assert "Did you mean 'dcgan'" in str(error.value)
    assert "Known architectures:" in str(error.value)


def test_a_plugin_needing_a_newer_api_is_refused_with_a_sentence():
    class Future:
        GANBENCH_API_VERSION = 99

        @hookimpl
        def register_losses(self, register):
            register(FakeLoss)

    plugins.register_module(Future(), "future")
    assert "needs ganbench plugin API 99" in plugins.state().plugins["future"].error
    with pytest.raises(UnknownComponent):
        plugins.registry().get("loss", "fake-loss")


def plugin_declaring(**versions):
    """A plugin object with the API declarations given, registering FakeLoss."""
    class Declaring:
        @hookimpl
        def register_losses(self, register):
            register(FakeLoss)

    for name, value in versions.items():
        setattr(Declaring, name, value)
    return Declaring()


@pytest.mark.parametrize("declaration, loads", [
    ({"GANBENCH_API_VERSIONS": (1, 2)}, True),
    ({"GANBENCH_API_VERSIONS": (1, 1)}, True),
    ({"GANBENCH_API_VERSION": 1}, True),
    ({}, True),
    ({"GANBENCH_API_VERSIONS": (2, 3)}, False),
    ({"GANBENCH_API_VERSIONS": (0, 0)}, False),
])
def test_a_plugin_loads_only_when_this_api_version_is_in_its_declared_range(declaration, loads):
    plugins.register_module(plugin_declaring(**declaration), "declaring")
    registry = plugins.registry()
    assert ("fake-loss" in registry.names("loss")) is loads
    assert (plugins.state().plugins["declaring"].error == "") is loads


def test_a_plugin_made_for_an_older_api_is_refused_with_a_sentence_naming_both_versions():
    plugins.register_module(plugin_declaring(GANBENCH_API_VERSIONS=(0, 0)), "old")
    error = plugins.state().plugins["old"].error
    assert error.startswith("supports ganbench plugin API 0 to 0, but this ganbench provides 1;")


TOY_MODULE = '''
from ganbench import hookimpl
from ganbench.contracts.loss import Loss


class ToyLoss(Loss):
    name = "toy-loss"
    description = "A loss from an installed toy plugin."


@hookimpl
def register_losses(register):
    register(ToyLoss)
'''

BROKEN_MODULE = "raise ImportError('this plugin is broken on purpose')\n"


def write_package(root: Path, name: str, module_source: str) -> Path:
    folder = root / name
    (folder / name.replace("-", "_")).mkdir(parents=True)
    (folder / name.replace("-", "_") / "__init__.py").write_text(module_source)
    (folder / "pyproject.toml").write_text(textwrap.dedent(f"""
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "{name}"
        version = "0.0.1"
        [project.entry-points.ganbench]
        {name.replace("-", "_")} = "{name.replace("-", "_")}"
    """))
    return folder


@pytest.mark.slow
def test_a_pip_installed_plugin_loads_through_its_entry_point(tmp_path):
    target = tmp_path / "site"
    for name, source in (("toy-plugin", TOY_MODULE), ("broken-plugin", BROKEN_MODULE)):
        package = write_package(tmp_path, name, source)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                        "--target", str(target), str(package)], check=True, capture_output=True)
    environment = {**os.environ, "PYTHONPATH": str(target)}
    environment.pop("GANBENCH_LOAD_PLUGINS", None)
    listing = subprocess.run([sys.executable, "-m", "ganbench", "plugins", "list", "--json"], env=environment,
                             capture_output=True, text=True, check=True)
    rows = {row["name"]: row for row in json.loads(listing.stdout)}
    assert rows["toy_plugin"]["registered"] == {"loss": ["toy-loss"]}
    assert rows["toy_plugin"]["package"] == "toy-plugin"
    assert "this plugin is broken on purpose" in rows["broken_plugin"]["error"]

    # The kill switch: only the named plugins load.
    environment["GANBENCH_LOAD_PLUGINS"] = "broken_plugin"
    listing = subprocess.run([sys.executable, "-m", "ganbench", "plugins", "list", "--json"], env=environment,
                             capture_output=True, text=True, check=True)
    names = {row["name"] for row in json.loads(listing.stdout)}
    assert "toy_plugin" not in names and "broken_plugin" in names
