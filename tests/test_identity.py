"""One configuration, one run: every command resolves its input the same way, so the run id does not
depend on which command made the run or how its settings were spelt."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ganbench.commands.run_flags import config_from_flags, raw_config_from_flags
from ganbench.config import RunConfig
from ganbench.resolve import resolve_config
from ganbench.results.migrate import migrate_results_dir
from ganbench.results.run_dir import RunDir

TINY = ["--arch", "mlp", "--dataset", "ring8", "--steps", "4", "--batch-size", "8", "--log-every", "2",
        "--sample-every", "4", "--checkpoint-every", "4", "--eval-samples", "64", "--evaluator", "stability"]


def run_dirs(results: Path) -> list[str]:
    return sorted(path.name for path in results.iterdir() if (path / "config.json").exists())


def write_suite(tmp_path: Path, stabilizers: str) -> Path:
    suite = tmp_path / "suite.toml"
    suite.write_text(f"""
[sweep]
arch = "mlp"
dataset = "ring8"
stabilizers = {stabilizers}
steps = 4
batch_size = 8
log_every = 2
sample_every = 4
checkpoint_every = 4
eval_samples = 64
evaluators = ["stability"]
""")
    return suite


# (flags of ganbench run, how the sweep spells the same configuration)
SPELLINGS = {
    "string option, then the same flags": (
        ["--stabilizer", "label-smoothing", "--stab-opt", "label-smoothing.real=0.8"],
        ["--stabilizer", "label-smoothing", "--stab-opt", "label-smoothing.real=0.8"]),
    "string option, then another string for the same number": (
        ["--stabilizer", "label-smoothing", "--stab-opt", "label-smoothing.real=0.8"],
        ["--stabilizer", "label-smoothing", "--stab-opt", "label-smoothing.real=0.80"]),
    "string option, then a typed float in a suite": (
        ["--stabilizer", "label-smoothing", "--stab-opt", "label-smoothing.real=0.8"],
        'suite:[{ name = "label-smoothing", options = { real = 0.8 } }]'),
    "the default value given, then left out": (
        ["--stabilizer", "label-smoothing", "--stab-opt", "label-smoothing.real=0.9"],
        ["--stabilizer", "label-smoothing"]),
    "explicit none, then nothing": (["--stabilizer", "none"], []),
    "nothing, then none in a suite": ([], 'suite:["none"]'),
    "a run setting by its flag, then by --set": (["--latent-dim", "8", "--lr-d", "1e-4"],
                                                 ["--set", "latent_dim=8", "--set", "lr_d=0.0001"]),
}


@pytest.mark.parametrize("name", list(SPELLINGS))
def test_a_sweep_after_run_trains_nothing_and_compare_shows_one_row(name, tmp_path, cli):
    run_flags, sweep_spelling = SPELLINGS[name]
    results = tmp_path / "runs"
    cli.ok("run", *TINY, *run_flags, "--results-dir", str(results), "--quiet")
    trained = run_dirs(results)
    if isinstance(sweep_spelling, str):
        suite = write_suite(tmp_path, sweep_spelling.removeprefix("suite:"))
        out = cli.ok("sweep", str(suite), "--results-dir", str(results), "--quiet").out
    else:
        out = cli.ok("sweep", *TINY, *sweep_spelling, "--results-dir", str(results), "--quiet").out
    assert "0 trained" in out and "1 already finished" in out, out
    assert run_dirs(results) == trained
    table = cli.ok("compare", str(results), "--format", "csv").out
    assert len(table.strip().splitlines()) == 2, table  # the header and one configuration


def test_resolution_types_options_fills_defaults_and_is_idempotent():
    typed = resolve_config({"arch": {"name": "dcgan", "options": {"base_channels": "8"}}, "steps": "12",
                            "stabilizers": [{"name": "label-smoothing", "options": {"real": "0.8"}}]})
    assert typed.arch.options["base_channels"] == 8 and len(typed.arch.options) > 1
    assert typed.stabilizers[0].options["real"] == 0.8 and typed.steps == 12
    again = resolve_config(typed)
    assert again.to_dict() == typed.to_dict() and again.run_id == typed.run_id


def test_stabilizers_are_put_in_the_order_they_act_so_listing_order_does_not_change_the_run():
    one = resolve_config({"stabilizers": ["ema", "label-smoothing"]})
    other = resolve_config({"stabilizers": ["label-smoothing", "ema"]})
    assert one.run_id == other.run_id


def test_bad_options_are_refused_while_resolving_with_the_components_sentence():
    from ganbench.errors import ConfigError
    with pytest.raises(ConfigError, match="has no option 'bogus'; valid options"):
        resolve_config({"arch": {"name": "dcgan", "options": {"bogus": 1}}})


def test_a_stab_opt_without_a_stabilizer_name_says_the_name_is_missing():
    from ganbench.errors import ConfigError
    values = flag_values(stabilizers=("label-smoothing",), stab_opt=(".real=0.8",))
    with pytest.raises(ConfigError, match="names no stabilizer"):
        raw_config_from_flags(values)


def flag_values(**changes):
    """The values click gives ``ganbench run`` for its defaults, with ``changes``."""
    from ganbench.commands.run import run
    context = run.make_context("run", [])
    return {**context.params, **changes}


def test_flags_and_a_dict_resolve_to_the_same_run_id():
    flags = config_from_flags(flag_values(arch="mlp", dataset="ring8", stabilizers=("ema",),
                                          stab_opt=("ema.beta=0.99",)))
    data = resolve_config({"arch": "mlp", "dataset": "ring8", "stabilizers": [{"name": "ema", "options": {"beta": 0.99}}]})
    assert flags.run_id == data.run_id


def write_old_form(run_path: Path) -> Path:
    """Turn a run directory into what ganbench wrote before resolved configs: options as typed on the
    command line (strings, defaults left out), no schema_version, a directory named by the old id."""
    folder = RunDir(run_path)
    config = json.loads(folder.config.read_text())
    config.pop("schema_version")
    config["stabilizers"] = [{"name": "label-smoothing", "options": {"real": "0.8"}}]
    config["arch"]["options"] = {}
    config["dataset"]["options"] = {}
    old_config = RunConfig.from_json(config)
    old_id = old_config.run_id  # the old code hashed exactly these unresolved settings
    config["run_id"] = old_id
    folder.config.write_text(json.dumps(config))
    result = json.loads(folder.result.read_text())
    result.pop("schema_version")
    result["run_id"] = old_id
    folder.result.write_text(json.dumps(result))
    import torch
    state = torch.load(folder.checkpoint, weights_only=True)
    state["run_id"] = old_id
    torch.save(state, folder.checkpoint)
    old = run_path.parent / old_id
    shutil.move(run_path, old)
    return old


def test_run_directories_of_the_old_form_are_migrated_by_index_and_then_found_by_run(tmp_path, cli):
    results = tmp_path / "runs"
    flags = [*TINY, "--stabilizer", "label-smoothing", "--stab-opt", "label-smoothing.real=0.8",
             "--results-dir", str(results), "--quiet"]
    cli.ok("run", *flags)
    (current,) = run_dirs(results)
    old = write_old_form(results / current)
    assert old.name != current
    out = cli.ok("index", str(results)).out
    assert "migrated 1 run directories" in out and "1 renamed" in out, out
    assert run_dirs(results) == [current]
    assert "already finished" in cli.ok("run", *flags).out
    cli.ok("eval", str(results / current), "--evaluator", "stability", "--device", "cpu")  # checkpoint fits


def test_migrating_a_current_results_directory_changes_nothing(tmp_path, cli):
    results = tmp_path / "runs"
    cli.ok("run", *TINY, "--results-dir", str(results), "--quiet")
    before = {path: path.read_bytes() for path in results.rglob("*.json")}
    report = migrate_results_dir(results)
    assert report.sentence() is None
    assert {path: path.read_bytes() for path in results.rglob("*.json")} == before
