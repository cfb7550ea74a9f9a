"""Sweeps: expansion from flags and suites, tiny real sweeps with both executors, skip and resume."""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from ganbench.cli import cli, main
from ganbench.config import RunConfig
from ganbench.engine import step as step_module
from ganbench.engine.run import run
from ganbench.errors import ConfigError, UnknownComponent
from ganbench.results.index import load_runs
from ganbench.sweep.executors import (FINISHED, FAILED, RUNNING, LocalExecutor, ProcessExecutor, RunUpdate,
                                       run_in_phases, run_sweep)
from ganbench.commands.run_flags import plan_from_flags as plan
from ganbench.sweep.expand import count_groups, phases
from ganbench.sweep.live import SweepBoard, sweep_summary

REPO = Path(__file__).resolve().parents[1]
SWEEP_ONLY = ("suite", "seeds", "set_pairs", "executor", "workers", "address", "cpus_per_trial", "budget", "dry_run")
TINY = ["--arch", "mlp", "--dataset", "ring8", "--batch-size", "16", "--latent-dim", "8",
        "--steps", "6", "--log-every", "2", "--checkpoint-every", "2", "--sample-every", "6", "--eval-samples", "64",
        "--device", "cpu"]


def planned(*args: str, suite: Path | None = None) -> list[RunConfig]:
    """The runs `ganbench sweep [SUITE] ARGS` would train, through the command's own option parsing."""
    context = cli.get_command(None, "sweep").make_context("sweep", [str(suite)] * (suite is not None) + list(args))
    values = {key: value for key, value in context.params.items() if key not in SWEEP_ONLY}
    typed = [name for name in values
             if context.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE]
    return plan(suite, values, context.params["set_pairs"], context.params["seeds"], given=typed,
                budget=context.params["budget"])


def stabilizer_names(config: RunConfig) -> list[str]:
    return [choice.name for choice in config.stabilizers]


# Expansion ----------------------------------------------------------------------------------------------

def test_two_archs_two_stabilizer_sets_three_seeds_make_twelve_runs():
    configs = planned("--arch", "dcgan,mlp", "--stabilizer", "none,minibatch-std", "--seeds", "3")
    assert len(configs) == 12 and len({config.run_id for config in configs}) == 12
    assert {config.arch.name for config in configs} == {"dcgan", "mlp"}
    assert sorted({config.seed for config in configs}) == [0, 1, 2]
    assert {tuple(stabilizer_names(config)) for config in configs} == {(), ("minibatch-std",)}
    assert len({config.config_hash(include_seed=False) for config in configs}) == 4


def test_a_plus_b_is_one_set_of_two_stabilizers():
    configs = planned("--stabilizer", "none,dropout+d-noise")
    assert [stabilizer_names(config) for config in configs] == [[], ["d-noise", "dropout"]]  # resolved: in the order they act


def test_set_and_option_lists_sweep_with_typed_values():
    configs = planned("--arch", "mlp", "--arch-opt", "hidden=32,64", "--set", "lr_d=1e-4,2e-4", "--dataset", "ring8")
    assert len(configs) == 4
    assert sorted({config.arch.options["hidden"] for config in configs}) == [32, 64]  # ints, not strings
    assert sorted({config.lr_d for config in configs}) == [1e-4, 2e-4]


def test_stabilizer_options_apply_to_the_sets_that_hold_them():
    configs = planned("--stabilizer", "none,label-smoothing", "--stab-opt", "label-smoothing.real=0.8,0.9")
    options = sorted(config.stabilizers[0].options["real"] for config in configs if config.stabilizers)
    assert len(configs) == 3 and options == [0.8, 0.9]


def test_the_explicit_none_names_the_same_run_as_no_stabilizer():
    (swept,) = planned("--arch", "mlp", "--dataset", "ring8", "--stabilizer", "none")
    assert swept.run_id == RunConfig.from_dict({**swept.to_dict(), "stabilizers": []}).run_id


@pytest.mark.parametrize("args, error, message", [
    (["--arch", "mlpp"], UnknownComponent, "Did you mean 'mlp'"),
    (["--set", "eval_samples=64,128"], ConfigError, "cannot be swept"),
    (["--set", "arch=mlp"], ConfigError, "use --arch"),
    (["--set", "colour=red"], ConfigError, "no such run setting"),
    (["--seeds", "0"], ConfigError, "positive number of seeds"),
    (["--stab-opt", "dropout.p=0.1"], ConfigError, "in no stabilizer set"),
    (["--set", "batch_size=0,8"], ConfigError, "batch_size must be a positive integer"),
])
def test_bad_sweeps_stop_with_one_sentence(args, error, message):
    with pytest.raises(error, match=re.escape(message)):
        planned(*args)


def write_suite(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


def test_a_suite_and_the_flags_name_the_same_runs(tmp_path):
    suite = write_suite(tmp_path, """
[sweep]
arch = {name = "mlp", options = {hidden = 32}}
dataset = "ring8"
stabilizers = ["none", "minibatch-std"]
seeds = 3
steps = 300
""")
    from_suite = planned(suite=suite)
    from_flags = planned("--arch", "mlp", "--arch-opt", "hidden=32", "--dataset", "ring8",
                         "--stabilizer", "none,minibatch-std", "--seeds", "3", "--steps", "300")
    assert [config.run_id for config in from_suite] == [config.run_id for config in from_flags]


def test_flags_typed_after_a_suite_replace_its_settings():
    suite = REPO / "benchmarks" / "suites" / "ring8-stabilizers.toml"
    assert len(planned(suite=suite)) == 12
    quick = planned("--steps", "10", "--seeds", "1", suite=suite)
    assert len(quick) == 4 and {config.steps for config in quick} == {10}
    assert {config.dataset.name for config in quick} == {"ring8", "grid25"}


def test_the_suite_in_the_documentation_expands_with_its_include(tmp_path):
    text = (REPO / "docs" / "sweeps.md").read_text()
    block = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    configs = planned(suite=write_suite(tmp_path, block))
    main_product = 2 * 2 * 3  # datasets x stabilizer sets x seeds
    included = 1 * 2 * 2 * 3  # ring8 x two sets x two lr_d x seeds
    assert len(configs) == main_product + included
    assert {tuple(stabilizer_names(c)) for c in configs if c.lr_d} == {("label-smoothing",), ("d-noise", "dropout")}  # the order they act


@pytest.mark.parametrize("text, message", [
    ("[sweep]\narchs = ['mlp']\n", "unknown key 'archs'; valid keys: seeds, include, arch"),
    ("[sweep]\narch = 'mlp'\n[other]\n", "unknown top-level key 'other'"),
    ("[sweep\n", "is not valid TOML"),
    ("title = 'no sweep'\n", "unknown top-level key 'title'"),
    ("description = 'x'\n", "needs a [sweep] table"),
    ("[sweep]\nseeds = 0\n", "seeds must be a positive number"),
    ("[sweep]\ndataset = []\n", "dataset is an empty list"),
    ("[sweep]\narch = {nam = 'mlp'}\n", "a component is a name or a table"),
    ("[sweep]\ninclude = 3\n", "[[sweep.include]] tables"),
])
def test_suite_mistakes_are_one_sentence(tmp_path, text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        planned(suite=write_suite(tmp_path, text))


def test_a_bad_suite_on_the_command_line_exits_2_with_one_line(tmp_path, capsys):
    suite = write_suite(tmp_path, "[sweep]\nstepz = 3\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["sweep", str(suite), "--results-dir", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and "unknown key 'stepz'" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()


# Budgets and sources -------------------------------------------------------------------------------------

BUDGETED = """
[sweep]
arch = "mlp"
dataset = ["ring8", "grid25"]
seeds = 2
steps = 300

[[sweep.include]]
dataset = "ring8"
lr_d = 1e-3

[budgets.long]
steps = 3000
seeds = 5

[budgets.wide]
arch = {name = "mlp", options = {hidden = 512}}

[[budgets.wide.include]]
dataset = "grid25"
steps = 50
"""


def test_a_budget_replaces_the_settings_it_names_in_the_product_and_the_includes(tmp_path):
    suite = write_suite(tmp_path, BUDGETED)
    assert len(planned(suite=suite)) == 2 * 2 + 2 and {c.steps for c in planned(suite=suite)} == {300}
    long = planned("--budget", "long", suite=suite)
    assert len(long) == 2 * 5 + 5 and {config.steps for config in long} == {3000}
    assert {config.seed for config in long} == set(range(5))


def test_a_budget_with_its_own_includes_replaces_the_suites(tmp_path):
    wide = planned("--budget", "wide", suite=write_suite(tmp_path, BUDGETED))
    assert {config.arch.options["hidden"] for config in wide} == {512}
    assert sorted((config.dataset.name, config.steps, config.lr_d) for config in wide) == sorted(
        [("ring8", 300, None)] * 2 + [("grid25", 300, None)] * 2 + [("grid25", 50, None)] * 2)


def test_flags_typed_after_a_budget_still_win(tmp_path):
    quick = planned("--budget", "long", "--steps", "7", "--seeds", "1", suite=write_suite(tmp_path, BUDGETED))
    assert {config.steps for config in quick} == {7} and {config.seed for config in quick} == {0}


@pytest.mark.parametrize("args, message", [
    (["--budget", "gpu"], "has no budget 'gpu'; its budgets: long, wide."),
])
def test_an_unknown_budget_is_one_sentence(tmp_path, args, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        planned(*args, suite=write_suite(tmp_path, BUDGETED))


def test_a_budget_needs_a_suite():
    with pytest.raises(ConfigError, match=re.escape("--budget names a [budgets.NAME] table of a suite file")):
        planned("--budget", "gpu")


SUITES = sorted((REPO / "benchmarks" / "suites").glob("*.toml"))


@pytest.mark.parametrize("suite", SUITES, ids=lambda path: path.stem)
def test_every_published_suite_expands_at_its_cpu_and_gpu_budgets(suite):
    cpu = planned(suite=suite)
    gpu = planned("--budget", "gpu", suite=suite)
    assert cpu and len(gpu) >= len(cpu)
    assert sum(config.steps for config in gpu) > sum(config.steps for config in cpu)
    assert f"ganbench sweep benchmarks/suites/{suite.name}" in suite.read_text()  # the command is in its header


@pytest.mark.parametrize("suite", SUITES, ids=lambda path: path.stem)
def test_every_published_suite_has_its_results_page_with_its_command(suite):
    page = REPO / "results" / f"{suite.stem}.md"
    assert page.exists(), f"{suite.name} has no results page {page.name}"
    text = page.read_text()
    assert f"benchmarks/suites/{suite.name}" in text and "ganbench compare" in text and "## Reading" in text
    for image in re.findall(r"!\[[^]]*\]\(([^)]+)\)", text):
        assert (page.parent / image).exists(), f"{page.name} shows {image}, which is not there"


SOURCED = """
[sources.pre]
arch = {name = "mlp", options = {hidden = 16}}
dataset = "grid25"
latent_dim = 8
steps = 40

[sweep]
arch = {name = "mlp", options = {hidden = 16}}
dataset = "ring8"
init_from = ["none", "source:pre"]
latent_dim = 8
seeds = 2
steps = 20
"""


def test_runs_started_from_a_source_come_after_it_with_the_same_seed(tmp_path):
    configs = planned("--results-dir", str(tmp_path / "runs"), suite=write_suite(tmp_path, SOURCED))
    sources = [config for config in configs if config.dataset.name == "grid25"]
    assert configs[:2] == sources and [source.seed for source in sources] == [0, 1]
    assert {source.steps for source in sources} == {40}
    assert {str(source.results_dir) for source in sources} == {str(tmp_path / "runs")}
    started = [config for config in configs if config.init_from]
    assert [(config.seed, config.init_from) for config in started] == [
        (source.seed, str(tmp_path / "runs" / source.run_id)) for source in sources]
    first, rest = phases(configs)
    assert first == sources and len(rest) == 4
    assert count_groups(configs) == 3  # the source, from scratch, from the source: seeds do not split groups


def test_a_run_whose_source_failed_fails_with_the_sources_reason_and_is_not_trained(tmp_path):
    suite = write_suite(tmp_path, SOURCED.replace('dataset = "grid25"', 'dataset = "mnist"'))  # no data root
    configs = planned("--results-dir", str(tmp_path / "runs"), "--batch-size", "16", "--eval-samples", "64",
                      "--device", "cpu", suite=suite)
    updates = run_in_phases(phases(configs), LocalExecutor(), lambda update: None)
    by_id = {update.run_id: update for update in updates}
    sources = [config for config in configs if config.dataset.name == "mnist"]
    started = [config for config in configs if config.init_from]
    scratch = [config for config in configs if config.dataset.name == "ring8" and not config.init_from]
    assert all(by_id[source.run_id].state == FAILED for source in sources)
    for config in started:
        assert by_id[config.run_id].state == FAILED
        assert by_id[config.run_id].message.startswith(f"its source run {sources[config.seed].run_id} did not finish")
        assert "--data-root" in by_id[config.run_id].message
        assert not (tmp_path / "runs" / config.run_id).exists()
    assert [by_id[config.run_id].state for config in scratch] == [FINISHED, FINISHED]


def test_a_budget_changes_a_source_through_its_sources_table(tmp_path):
    suite = write_suite(tmp_path, SOURCED + "\n[budgets.gpu]\nsteps = 200\n\n[budgets.gpu.sources.pre]\nsteps = 900\n")
    configs = planned("--budget", "gpu", suite=suite)
    assert sorted({config.steps for config in configs}) == [200, 900]


@pytest.mark.parametrize("extra, message", [
    ('[sources.other]\narch = "mlp"\nseed = 3\n', "[sources.other]: seed cannot be set here"),
    ('[sources.other]\narch = "mlp"\nresults_dir = "x"\n', "[sources.other]: results_dir cannot be set here"),
    ('[sources.other]\nsteps = [1, 2]\n', "a source is one configuration, give one value"),
    ('[sources.other]\nstepz = 1\n', "[sources.other]: unknown key 'stepz'; valid keys: arch, batch_size"),
    ('[budgets.gpu.sources.missing]\nsteps = 1\n', "no source 'missing' in the suite's [sources]"),
])
def test_source_mistakes_are_one_sentence(tmp_path, extra, message):
    suite = write_suite(tmp_path, SOURCED + extra)
    with pytest.raises(ConfigError, match=re.escape(message)):
        planned("--budget", "gpu", suite=suite) if "budgets" in extra else planned(suite=suite)


def test_init_from_a_source_the_suite_does_not_define_is_one_sentence(tmp_path):
    suite = write_suite(tmp_path, SOURCED.replace('"source:pre"', '"source:prre"'))
    with pytest.raises(ConfigError, match=re.escape("init_from 'source:prre' names no [sources.prre] table of the "
                                                    "suite; its sources: pre.")):
        planned(suite=suite)


@pytest.mark.slow
def test_a_sweep_trains_the_sources_first_and_groups_the_seeds_started_from_them(tmp_path, capsys):
    from ganbench.results.compare import compare_results
    results = tmp_path / "runs"
    suite = write_suite(tmp_path, SOURCED)
    main(["sweep", str(suite), "--results-dir", str(results), "--batch-size", "16", "--log-every", "5", "--eval-samples", "64", "--device", "cpu", "--executor", "processes", "--workers", "2"])
    out = capsys.readouterr().out
    assert "6 runs: 6 trained" in out, out
    started = [json.loads(path.read_text()) for path in results.glob("*/config.json")]
    started = [config for config in started if config["init_from"]]
    assert len(started) == 2 and len({config["group"] for config in started}) == 1
    comparison, _ = compare_results(results, metrics=["modes_covered"], where=["dataset=ring8"])
    labels = sorted(group.settings for group in comparison.groups)
    assert labels == ["init_from=None", "init_from=mlp-bce-grid25-none"]
    assert [group.n for group in comparison.groups] == [2, 2]
    transfer, _ = compare_results(results, metrics=["modes_covered"],
                                  where=["dataset=ring8"], baseline="init_from=mlp-bce-grid25-none")
    assert transfer.baseline is not None and transfer.baseline.n == 2


# The live board -------------------------------------------------------------------------------------------

def test_the_board_reads_progress_from_metrics_jsonl(tmp_path):
    (config,) = planned(*TINY, "--results-dir", str(tmp_path))
    board = SweepBoard([config])
    folder = tmp_path / config.run_id
    folder.mkdir()
    board.update(RunUpdate(config.run_id, RUNNING, str(folder)))
    (folder / "metrics.jsonl").write_text(json.dumps({"step": 2, "images": 32}) + "\n")
    board.table()
    (folder / "metrics.jsonl").write_text(json.dumps({"step": 4, "images": 64}) + "\n{\"step\": 6, \"ima")
    board.table()
    row = board.rows[config.run_id]
    assert row.step == 4 and row.speed is not None and row.speed > 0
    board.update(RunUpdate(config.run_id, FAILED, str(folder), "something broke."))
    import io

    from rich.console import Console
    console = Console(width=200, file=io.StringIO())
    console.print(board.table())
    text = console.file.getvalue()
    assert "1 failed" in text and "something broke." in text


# Real tiny sweeps ------------------------------------------------------------------------------------------

def metrics_files(results: Path) -> dict[str, str]:
    return {path.parent.name: path.read_text() for path in sorted(results.glob("*/metrics.jsonl"))}


@pytest.mark.slow
def test_a_tiny_sweep_runs_reports_refusals_and_then_skips_everything(tmp_path, capsys):
    results = tmp_path / "runs"
    main(["sweep", *TINY, "--arch", "mlp,dcgan", "--stabilizer", "none,minibatch-std", "--seeds", "2",
          "--results-dir", str(results)])
    out = capsys.readouterr().out
    assert "8 runs: 4 trained" in out and "4 failed" in out and "vector data" in out
    assert "Budget of every run: 6 steps, 96 images." in out
    assert len(list(results.glob("*/result.json"))) == 4 and len(list(results.glob("*/curves.png"))) == 4
    assert len(load_runs(results / "index.sqlite")) == 4  # each finished run indexed itself
    configs = planned(*TINY, "--stabilizer", "none,minibatch-std", "--seeds", "2", "--results-dir", str(results))
    updates = run_sweep(configs, LocalExecutor(), lambda update: None)
    assert [update.state for update in updates] == [FINISHED] * 4 and all(update.skipped for update in updates)
    assert "0 trained (0 resumed from a checkpoint), 4 already finished" in sweep_summary(updates)[0]


@pytest.mark.slow
def test_the_processes_executor_gives_the_same_runs_as_local(tmp_path):
    configs = {name: planned(*TINY, "--stabilizer", "none,minibatch-std", "--results-dir", str(tmp_path / name))
               for name in ("local", "processes")}
    local = run_sweep(configs["local"], LocalExecutor(), lambda update: None)
    seen = []
    parallel = run_sweep(configs["processes"], ProcessExecutor(workers=2), seen.append)
    assert [update.state for update in parallel] == [FINISHED, FINISHED], [update.message for update in parallel]
    assert {update.state for update in seen} == {RUNNING, FINISHED}
    assert metrics_files(tmp_path / "local") == metrics_files(tmp_path / "processes")
    assert [u.result.metrics for u in local] == [u.result.metrics for u in parallel]


def test_an_interrupted_run_is_resumed_by_the_sweep_not_retrained(tmp_path, monkeypatch):
    (config,) = planned(*TINY, "--results-dir", str(tmp_path / "interrupted"))
    original = step_module.AdversarialStep.__call__

    def interrupt_at_step_5(self, info):
        if info.step == 4:
            raise KeyboardInterrupt
        return original(self, info)

    monkeypatch.setattr(step_module.AdversarialStep, "__call__", interrupt_at_step_5)
    with pytest.raises(KeyboardInterrupt):
        run(config, show_progress=False)
    monkeypatch.setattr(step_module.AdversarialStep, "__call__", original)
    (update,) = run_sweep([config], LocalExecutor(), lambda update: None)
    assert update.state == FINISHED and not update.skipped and update.resumed_from == 4
    reference = run(planned(*TINY, "--results-dir", str(tmp_path / "reference"))[0], show_progress=False)
    assert (Path(update.path) / "metrics.jsonl").read_text() == (reference.path / "metrics.jsonl").read_text()


def test_an_index_or_plot_failure_never_loses_the_run(tmp_path, monkeypatch, caplog):
    from ganbench.results import index, plots

    def broken(path):
        raise OSError("disk full")

    monkeypatch.setattr(index, "upsert_run", broken)
    monkeypatch.setattr(plots, "write_run_curves", broken)
    (config,) = planned(*TINY, "--steps", "2", "--results-dir", str(tmp_path))
    report = run(config, show_progress=False)
    assert report.result.status == "finished" and (report.path / "result.json").exists()
    assert "could not write the results index" in caplog.text and "could not write curves.png" in caplog.text


def sweep_process(results: Path) -> list[str]:
    code = ("import sys; from ganbench.plugin_host import plugins; plugins._skip_entry_points = False; "
            "from ganbench.cli import main; main(sys.argv[1:])")
    return [sys.executable, "-c", code, "sweep", *TINY, "--steps", "400", "--log-every", "5",
            "--checkpoint-every", "1000", "--stabilizer", "none,minibatch-std", "--seeds", "2",
            "--executor", "processes", "--workers", "2", "--results-dir", str(results)]


@pytest.mark.slow
def test_a_sweep_stopped_mid_run_resumes_every_started_run(tmp_path):
    environment = {**os.environ, "GANBENCH_LOAD_PLUGINS": "dcgan"}
    process = subprocess.Popen(sweep_process(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=environment)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if sum(len(path.read_text().splitlines()) for path in tmp_path.glob("*/metrics.jsonl")) >= 3:
            break
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    started = [path for path in tmp_path.iterdir() if path.is_dir()]
    assert all((path / "checkpoints" / "last.pt").exists() for path in started)  # no training lost
    finished = sum((path / "result.json").exists() for path in started)
    stopped = len(started) - finished
    assert stopped >= 1  # the signal came mid-run
    again = subprocess.run(sweep_process(tmp_path), capture_output=True, text=True, env=environment, timeout=300)
    assert again.returncode == 0, again.stderr
    assert (f"4 runs: {4 - finished} trained ({stopped} resumed from a checkpoint), {finished} already finished"
            in " ".join(again.stdout.split()))
