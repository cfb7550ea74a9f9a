"""Coverage by construction: every architecture x loss x embedded dataset in the registry either
trains for two steps with finite losses, or is refused, before any file is written, with one
sentence that says why. The combinations come from the registry at collection time, so a plugin
added under plugins/ is covered without editing this file.

Also the two runs the conditional and Wasserstein plugins were made for, through the CLI entry.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import re
import sys
import tomllib
from pathlib import Path

import pytest
import torch
from torch import nn

from ganbench.plugin_host import plugins
from ganbench.cli import main
from ganbench.config import Choice, RunConfig
from ganbench.engine import run as run_module
from ganbench.engine.setup import prepare
from ganbench.errors import GanbenchError
from ganbench.plugin_host.registry import Registry
from ganbench.results.run_dir import RunDir

REPO = Path(__file__).resolve().parents[1]
SMALLEST_RESOLUTION = 8


def registry_with_repository_plugins() -> Registry:
    """The built-ins and the plugins under plugins/, registered the way the root conftest does it;
    installed entry points are never loaded."""
    plugins._skip_entry_points = True
    plugins.reset()
    state = plugins.state()
    for pyproject in sorted(REPO.glob("plugins/*/pyproject.toml")):
        if str(pyproject.parent) not in sys.path:
            sys.path.insert(0, str(pyproject.parent))
        entry_points = tomllib.loads(pyproject.read_text())["project"].get("entry-points", {}).get("ganbench", {})
        for name, module in entry_points.items():
            state.add_plugin(importlib.import_module(module), name,
                             plugins.PluginInfo(name=name, package=f"ganbench-{name}"))
    registry = plugins.registry()
    plugins.reset()
    return registry


REGISTRY = registry_with_repository_plugins()
ARCHITECTURES = {entry.name: entry for entry in REGISTRY.entries("architecture")}
LOSSES = {entry.name: entry for entry in REGISTRY.entries("loss")}
DATASETS = {entry.name: entry for entry in REGISTRY.entries("dataset") if entry.cls.embedded}
COMBINATIONS = [(arch, loss, data) for arch in ARCHITECTURES for loss in LOSSES for data in DATASETS]
OUTCOMES: dict[tuple[str, str, str], str] = {}  # "trained" or the refusal, filled as the tests run


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Nets this small run fastest on one thread; several threads fight over a shared CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# The width options of the architectures, at their smallest: the papers' widths (ResNet's 256
# channels, StyleGAN2's 512) take minutes a step on a CPU, and this grid trains every combination.
SMALLEST_WIDTHS = {"base_channels": 4, "g_channels": 4, "d_channels": 4, "shared_dim": 8, "channel_base": 256,
                   "channel_max": 8, "w_dim": 8, "mapping_layers": 2}


def tiny_config(arch: str, loss: str, dataset: str, results: Path) -> RunConfig:
    """The smallest run an architecture allows: 8 px (or its minimum), batch 4, two steps, no evaluator."""
    architecture = ARCHITECTURES[arch].cls
    option_names = {field.name for field in dataclasses.fields(architecture.Options)}
    arch_options = {name: value for name, value in SMALLEST_WIDTHS.items() if name in option_names}
    resolution = max(SMALLEST_RESOLUTION, getattr(architecture, "min_resolution", 0))
    return RunConfig(arch=Choice(arch, arch_options), loss=Choice(loss), dataset=Choice(dataset),
                     resolution=resolution, batch_size=4, steps=2, latent_dim=8, log_every=2, sample_every=2,
                     checkpoint_every=2, eval_samples=32, evaluators=[], device="cpu", results_dir=str(results))


def is_one_sentence(message: str) -> bool:
    """Non-empty, one line, ends with a full stop, and no second sentence starts inside it."""
    text = message.strip()
    return bool(text) and "\n" not in text and text.endswith(".") and not re.search(r"[.!?] [A-Z]", text)


def has_batch_norm(module: nn.Module) -> bool:
    return any(isinstance(layer, nn.modules.batchnorm._BatchNorm) for layer in module.modules())


@pytest.mark.slow
@pytest.mark.parametrize("arch, loss, dataset", COMBINATIONS, ids=["-".join(c) for c in COMBINATIONS])
def test_every_combination_trains_or_is_refused_with_one_sentence(arch, loss, dataset, tmp_path, monkeypatch):
    config = tiny_config(arch, loss, dataset, tmp_path)
    try:
        setup = prepare(config)
    except GanbenchError as refusal:
        OUTCOMES[arch, loss, dataset] = str(refusal)
        assert is_one_sentence(str(refusal)), f"not one sentence: {refusal!r}"
        assert not any(tmp_path.iterdir()), "a refused run left files behind"
        return
    if LOSSES[loss].cls.needs_per_sample_critic:
        assert not has_batch_norm(setup.discriminator), "batch norm in a critic under a per-sample penalty"
    del setup
    # Curves, the index and TensorBoard are the results layer's business, and the slowest part here.
    result = run_module.run(config, show_progress=False, publish=False).result
    OUTCOMES[arch, loss, dataset] = "trained"
    assert result.status == "finished" and result.steps == 2
    losses = {key: value for key, value in result.final.items() if key.startswith(("d_loss", "g_loss"))}
    assert losses and all(math.isfinite(value) for value in losses.values()), losses


def outcome(arch: str, loss: str, dataset: str, results: Path) -> str:
    """What the combination test found, or (when run alone) whether ``prepare`` accepts it."""
    if (arch, loss, dataset) not in OUTCOMES:
        try:
            prepare(tiny_config(arch, loss, dataset, results))
            OUTCOMES[arch, loss, dataset] = "trained"
        except GanbenchError as refusal:
            OUTCOMES[arch, loss, dataset] = str(refusal)
    return OUTCOMES[arch, loss, dataset]


@pytest.mark.slow
@pytest.mark.parametrize("arch", list(ARCHITECTURES))
def test_every_architecture_trains_somewhere_and_refuses_what_it_cannot_model(arch, tmp_path):
    found = {(loss, data): outcome(arch, loss, data, tmp_path) for loss in LOSSES for data in DATASETS}
    assert "trained" in found.values(), f"{arch} trains on no embedded dataset with any loss"
    image_only = "vector" not in ARCHITECTURES[arch].cls.data_kinds
    vector_data = [data for data in DATASETS if getattr(DATASETS[data].cls, "kind", "image") == "vector"]
    if image_only:
        for data in vector_data:
            assert all("vector data" in found[loss, data] for loss in LOSSES), f"{arch} accepted {data}"


def test_the_known_refusals_are_refused(tmp_path):
    for arch, dataset in [("dcgan", "ring8"), ("acgan", "ring8"), ("cgan", "grid25")]:
        assert outcome(arch, "bce", dataset, tmp_path) != "trained", f"{arch} accepted {dataset}"


def test_the_registry_has_the_combinations_this_file_promises():
    assert {"dcgan", "mlp", "cgan", "acgan"} <= set(ARCHITECTURES)
    assert {"bce", "minimax", "lsgan", "hinge", "wgan", "wgan-gp"} <= set(LOSSES)
    assert {"ring8", "grid25", "digits", "stacked-digits"} <= set(DATASETS)


# The runs the plugins were made for, through the command line.

CLI_TINY = ["--resolution", "8", "--batch-size", "4", "--steps", "2", "--latent-dim", "8", "--log-every", "1",
            "--sample-every", "2", "--checkpoint-every", "2", "--eval-samples", "32", "--evaluator", "stability",
            "--arch-opt", "base_channels=4", "--device", "cpu", "--quiet"]


@pytest.mark.parametrize("args", [["--arch", "acgan", "--dataset", "digits"], ["--arch", "dcgan", "--loss", "wgan-gp"]],
                         ids=["acgan-digits", "dcgan-wgan-gp"])
def test_the_cli_trains_and_writes_a_complete_run_directory(args, tmp_path, capsys):
    main(["run", *args, *CLI_TINY, "--results-dir", str(tmp_path)])
    assert "run directory:" in capsys.readouterr().out
    (path,) = [p for p in tmp_path.iterdir() if (p / "config.json").exists()]
    folder = RunDir(path)
    assert folder.config.exists() and folder.checkpoint.exists() and folder.metrics.exists()
    assert [p.name for p in folder.samples.iterdir()] == ["step-000002.png"]
    result = folder.read_result()
    assert result.status == "finished" and result.steps == 2
    assert result.arch == args[1] and result.metrics
