"""Names that never collide into failure: a plugin that registers a taken name loads its other
components, the bare name keeps the built-in, and PLUGIN:NAME reaches the plugin's component in
every place a name is read (run flags, sweeps, suites), recorded qualified only where it must be."""

from __future__ import annotations

import json
import pytest

from ganbench import hookimpl
from ganbench.plugin_host import plugins
from ganbench.plugin_host import registry as registry_module
from ganbench.api import Stabilizer
from ganbench.api.testing import ContractNet
from ganbench.cli import main
from ganbench.resolve import resolve_config
from ganbench.sweep.expand import SweepSpec, expand, spec_from_suite

NOTICE = ("stabilizer 'lecam' of plugin 'holdout' is reachable as 'holdout:lecam'; "
          "the bare name 'lecam' stays with plugin 'ganbench.stabilizers'.")


class HoldoutNet(ContractNet):
    name = "holdout-net"
    description = "A unique architecture of the plugin that also reuses a built-in name."


class HoldoutLeCam(Stabilizer):
    name = "lecam"  # taken by the built-in LeCam regularizer
    description = "The plugin's own LeCam, shadowed by the built-in one."


class Holdout:
    @hookimpl
    def register_architectures(self, register):
        register(HoldoutNet)

    @hookimpl
    def register_stabilizers(self, register):
        register(HoldoutLeCam)


@pytest.fixture
def holdout():
    plugins.register_module(Holdout(), "holdout")
    return plugins.registry()


def tiny(**settings):
    return {"arch": "holdout-net", "dataset": "ring8", "steps": 2, "batch_size": 8, **settings}


def test_a_plugin_with_a_taken_name_loads_its_other_components(holdout):
    assert plugins.state().plugins["holdout"].error == ""
    assert holdout.get("architecture", "holdout-net").cls is HoldoutNet
    assert plugins.state().plugins["holdout"].registered == {"architecture": ["holdout-net"],
                                                             "stabilizer": ["holdout:lecam"]}


def test_the_bare_name_stays_the_builtin_and_the_qualified_name_reaches_the_plugin(holdout):
    assert holdout.get("stabilizer", "lecam").plugin == "ganbench.stabilizers"
    assert holdout.get("stabilizer", "ganbench:lecam").plugin == "ganbench.stabilizers"
    assert holdout.get("stabilizer", "holdout:lecam").cls is HoldoutLeCam
    assert holdout.get("architecture", "holdout:holdout-net").cls is HoldoutNet


def test_the_notice_names_the_qualified_alternative_once(capsys, monkeypatch):
    monkeypatch.setattr(registry_module, "_notices_given", set())  # as in a fresh process
    for _ in range(3):  # the registry is filled again after every reset; the notice is given once a process
        plugins.reset()
        plugins.register_module(Holdout(), "holdout")
        plugins.registry()
    assert capsys.readouterr().err.count(NOTICE) == 1


def test_a_run_records_the_qualified_name_only_where_the_bare_one_is_taken(holdout):
    builtin = resolve_config(tiny(stabilizers=["lecam"]), holdout)
    spelt_qualified = resolve_config(tiny(stabilizers=["ganbench:lecam"]), holdout)
    plugin = resolve_config(tiny(arch="holdout:holdout-net", stabilizers=["holdout:lecam"]), holdout)
    assert [choice.name for choice in spelt_qualified.stabilizers] == ["lecam"]
    assert spelt_qualified.run_id == builtin.run_id
    assert plugin.arch.name == "holdout-net"  # unique: recorded bare, whichever way it was spelt
    assert [choice.name for choice in plugin.stabilizers] == ["holdout:lecam"]
    assert plugin.run_id != builtin.run_id
    assert plugin.run_id.startswith("holdout-net-bce-ring8-holdout.lecam-s0-")  # a folder name on every system


def test_a_run_id_does_not_change_when_a_plugin_shadows_a_name_it_uses():
    before = resolve_config(tiny(arch="mlp", stabilizers=["lecam"])).run_id
    plugins.register_module(Holdout(), "holdout")
    assert resolve_config(tiny(arch="mlp", stabilizers=["lecam"])).run_id == before


def test_the_builtin_and_the_plugins_lecam_compose_but_one_spelt_twice_is_refused(holdout):
    both = resolve_config(tiny(stabilizers=["lecam", "holdout:lecam"]), holdout)
    assert sorted(choice.name for choice in both.stabilizers) == ["holdout:lecam", "lecam"]
    with pytest.raises(Exception, match="stabilizer 'lecam' is given twice"):
        resolve_config(tiny(stabilizers=["lecam", "ganbench:lecam"]), holdout)


def test_a_sweep_and_a_suite_read_qualified_names(holdout, tmp_path):
    swept = expand(SweepSpec(fixed=tiny(), axes={"stabilizers": [["lecam"], ["holdout:lecam"]]}), holdout)
    assert [[choice.name for choice in config.stabilizers] for config in swept] == [["lecam"], ["holdout:lecam"]]
    suite = tmp_path / "suite.toml"
    suite.write_text('[sweep]\narch = "holdout:holdout-net"\ndataset = "ring8"\n'
                     'stabilizers = [["holdout:lecam"]]\nsteps = 2\n')
    configs = expand(spec_from_suite(suite), holdout)
    assert [(config.arch.name, config.stabilizers[0].name) for config in configs] == [("holdout-net", "holdout:lecam")]


def test_ganbench_run_trains_the_plugins_component_by_its_qualified_name(holdout, tmp_path, capsys):
    try:
        main(["run", "--arch", "holdout:holdout-net", "--dataset", "ring8", "--stabilizer", "holdout:lecam",
              "--steps", "2", "--batch-size", "8", "--eval-samples", "64", "--evaluator", "stability",
              "--results-dir", str(tmp_path)])
    except SystemExit as error:
        assert error.code == 0, capsys.readouterr().err
    [config_file] = tmp_path.glob("*/config.json")
    saved = json.loads(config_file.read_text())
    assert saved["arch"]["name"] == "holdout-net"
    assert [choice["name"] for choice in saved["stabilizers"]] == ["holdout:lecam"]


def test_ganbench_list_shows_the_shadowed_component_by_its_qualified_name(holdout, capsys):
    try:
        main(["list", "stabilizers"])
    except SystemExit as error:
        assert error.code == 0
    listing = capsys.readouterr().out
    assert "holdout:lecam" in listing
    assert listing.index("lecam") < listing.index("holdout:lecam")  # the bare name, the built-in, first
