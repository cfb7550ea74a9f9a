"""One grammar for the flags of ``ganbench run`` and ``ganbench sweep``, and one resolution per run."""

import json
import re
import sys

import pytest

from ganbench import resolve as resolve_module

TINY = ["--arch", "mlp", "--dataset", "ring8", "--steps", "4", "--batch-size", "8", "--latent-dim", "8",
        "--log-every", "2", "--sample-every", "4", "--checkpoint-every", "4", "--eval-samples", "64",
        "--evaluator", "stability", "--device", "cpu"]




def run_id_of_run(cli, tmp_path, *flags: str) -> str:
    code, out, err = cli("run", *TINY, *flags, "--results-dir", str(tmp_path), "--dry-run")
    assert code == 0, err
    return json.loads(out)["run_id"]


def run_ids_of_sweep(cli, tmp_path, *flags: str) -> list[str]:
    code, out, err = cli("sweep", *TINY, *flags, "--results-dir", str(tmp_path), "--dry-run")
    assert code == 0, err
    return [line for line in out.splitlines() if re.fullmatch(r"[a-z0-9+-]+-s\d+-[0-9a-f]{10}", line)]


# (flags, the same configuration spelt otherwise): each is one configuration, in run and in sweep.
SAME_CONFIGURATION = {
    "repeated flags compose one set": (["--stabilizer", "minibatch-std", "--stabilizer", "instance-noise"],
                                       ["--stabilizer", "minibatch-std+instance-noise"]),
    "a+b in either order": (["--stabilizer", "instance-noise+minibatch-std"],
                            ["--stabilizer", "minibatch-std+instance-noise"]),
    "the baseline none is no stabilizer": (["--stabilizer", "none"], []),
    "two options in one flag or two": (["--arch-opt", "hidden=32,layers=2"],
                                       ["--arch-opt", "hidden=32", "--arch-opt", "layers=2"]),
    "an option's default, given or not": (["--stabilizer", "label-smoothing", "--stab-opt", "label-smoothing.real=0.9"],
                                          ["--stabilizer", "label-smoothing"]),
}


@pytest.mark.parametrize("name", list(SAME_CONFIGURATION))
def test_every_spelling_means_one_configuration_in_run_and_in_sweep(name, tmp_path, cli):
    spelling, other = SAME_CONFIGURATION[name]
    ids = {run_id_of_run(cli, tmp_path, *spelling), run_id_of_run(cli, tmp_path, *other),
           *run_ids_of_sweep(cli, tmp_path, *spelling), *run_ids_of_sweep(cli, tmp_path, *other)}
    assert len(ids) == 1, ids


def test_commas_are_alternatives_a_sweep_trains_each_of(tmp_path, cli):
    composed = run_id_of_run(cli, tmp_path, "--stabilizer", "minibatch-std", "--stabilizer", "instance-noise")
    baseline = run_id_of_run(cli, tmp_path)
    swept = run_ids_of_sweep(cli, tmp_path, "--stabilizer", "none,minibatch-std+instance-noise")
    assert swept == [baseline, composed]
    # Repeated flags with alternatives: each alternative of the first with the second.
    product = run_ids_of_sweep(cli, tmp_path, "--stabilizer", "minibatch-std,label-smoothing",
                               "--stabilizer", "instance-noise")
    assert composed in product and len(product) == 2
    options = run_ids_of_sweep(cli, tmp_path, "--arch-opt", "hidden=16,32", "--steps", "4,8")
    assert len(set(options)) == 4


@pytest.mark.parametrize("flags, shown", [
    (["--stabilizer", "none,label-smoothing"], "--stabilizer none,label-smoothing"),
    (["--arch", "mlp,dcgan"], "--arch mlp,dcgan"),
    (["--arch-opt", "hidden=16,32"], "--arch-opt hidden=16,32"),
    (["--stab-opt", "label-smoothing.real=0.8,0.9", "--stabilizer", "label-smoothing"], "--stab-opt label-smoothing.real=0.8,0.9"),
    (["--steps", "4,8"], "--steps 4,8"),
])
def test_run_refuses_alternatives_in_one_sentence(flags, shown, tmp_path, cli):
    code, out, err = cli("run", *TINY, *flags, "--results-dir", str(tmp_path / "runs"))
    assert code == 2
    assert err.strip() == f"Error: run takes one configuration; use sweep for {shown}."
    assert not (tmp_path / "runs").exists()


def test_ganbench_run_resolves_its_configuration_once(tmp_path, cli, monkeypatch):
    original = resolve_module.resolve_config
    calls = []

    def counting(config, registry=None):
        calls.append(config)
        return original(config, registry)

    for module in list(sys.modules.values()):  # wherever it was imported by name
        if getattr(module, "__name__", "").startswith("ganbench") and getattr(module, "resolve_config", None) is original:
            monkeypatch.setattr(module, "resolve_config", counting)
    code, out, err = cli("run", *TINY, "--stabilizer", "ema", "--results-dir", str(tmp_path), "--quiet")
    assert code == 0, err
    assert len(calls) == 1
