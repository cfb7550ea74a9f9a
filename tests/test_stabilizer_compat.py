"""Every registered architecture with every registered stabilizer: it trains, or it is refused in
one sentence. Stabilizers know no architecture by name, so this grid is the proof that the
contract of DESIGN.md (D's input, neck, targets, penalties, parametrisation, after-step,
optimizers) is enough.

The grid is built from the registry at collection time, with this repository's plugins
(plugins/*) loaded, so that a new architecture or stabilizer joins it without editing this file.
"""

import dataclasses
import re
from pathlib import Path

import pytest

import ganbench.stabilizers
from ganbench.plugin_host import plugins
from ganbench.config import Choice, RunConfig
from ganbench.engine.run import run
from ganbench.engine.setup import prepare
from ganbench.errors import GanbenchError
from ganbench.testing_fixtures import register_plugin_packages

# Small but valid: narrow nets, the smallest resolution an architecture takes, two steps. The widths of
# every family are narrowed (as in test_coverage), since what is proved is the contract, not the papers'
# widths: at their defaults BigGAN (ch 64) and StyleGAN2 (512 channels, w 512, 8 mapping layers) took
# 15-40 s a cell, two thirds of the grid's time.
SMALL_ARCH_OPTIONS = {"base_channels": 8, "hidden": 32, "g_channels": 4, "d_channels": 4, "shared_dim": 8,
                      "channel_base": 256, "channel_max": 8, "w_dim": 8, "mapping_layers": 2}
# The architectures every stabilizer must work with (with the default bce loss no built-in
# stabilizer refuses anything): the two of the core's reference plugin.
MUST_WORK_WITH = ("dcgan", "mlp")


def registered() -> tuple[list, list[str]]:
    plugins.reset()
    register_plugin_packages(Path(__file__).resolve().parents[1] / "plugins")
    registry = plugins.registry()
    architectures = registry.entries("architecture")
    stabilizers = registry.names("stabilizer")
    plugins.reset()
    return architectures, stabilizers


ARCHITECTURES, STABILIZERS = registered()


def dataset_for(architecture_cls) -> str:
    """The first embedded dataset it accepts: digits for image architectures, ring8 otherwise."""
    return "digits" if "image" in architecture_cls.data_kinds else "ring8"


def resolution_for(architecture_cls) -> int:
    return 8 if architecture_cls.min_resolution <= 8 else max(16, architecture_cls.min_resolution)


def small_options(architecture_cls) -> dict:
    fields = {field.name for field in dataclasses.fields(architecture_cls.Options)}
    return {key: value for key, value in SMALL_ARCH_OPTIONS.items() if key in fields}


def tiny_config(architecture_cls, stabilizer: str, results_dir) -> RunConfig:
    return RunConfig(arch=Choice(architecture_cls.name, small_options(architecture_cls)),
                     dataset=Choice(dataset_for(architecture_cls)), resolution=resolution_for(architecture_cls),
                     stabilizers=[Choice(stabilizer)], batch_size=8, steps=2, latent_dim=8, log_every=1,
                     sample_every=2, checkpoint_every=2, evaluators=[], device="cpu", results_dir=str(results_dir))


def is_one_sentence(message: str) -> bool:
    return bool(message) and "\n" not in message and message.rstrip().endswith((".", "?")) \
        and message.count(". ") == 0


@pytest.mark.parametrize("stabilizer", STABILIZERS)
@pytest.mark.parametrize("architecture", ARCHITECTURES, ids=lambda entry: entry.name)
def test_every_architecture_trains_with_every_stabilizer_or_refuses_in_one_sentence(tmp_path, architecture,
                                                                                    stabilizer):
    config = tiny_config(architecture.cls, stabilizer, tmp_path)
    try:
        prepare(config)
    except GanbenchError as refusal:
        message = str(refusal)
        assert is_one_sentence(message), message
        # An augmentation of pictures may refuse vector data (mlp on ring8), and says so.
        image_only = "works on images only" in message and "image" not in architecture.cls.data_kinds
        assert architecture.name not in MUST_WORK_WITH or image_only, (
            f"{stabilizer} must work with {architecture.name}: {message}")
        assert stabilizer != "none", f"the baseline must train with {architecture.name}: {message}"
        # Dropping the neck is a defect of the architecture, not a reason to refuse.
        assert "did not keep the neck" not in message, message
        return
    report = run(config, show_progress=False)
    assert report.result.status == "finished"
    assert report.result.steps == 2


def test_the_grid_covers_the_reference_architectures_and_every_builtin_stabilizer():
    names = {entry.name for entry in ARCHITECTURES}
    assert set(MUST_WORK_WITH) <= names
    assert {"label-smoothing", "label-flip", "instance-noise", "dropout", "d-noise", "minibatch-std",
            "spectral-norm", "r1", "ema", "ttur", "none", "diffaug", "ada", "lecam", "cr", "zcr",
            "topk"} <= set(STABILIZERS)


def test_no_builtin_stabilizer_names_an_architecture():
    sources = {path.name: path.read_text() for path in Path(ganbench.stabilizers.__file__).parent.glob("*.py")}
    for entry in ARCHITECTURES:
        for filename, source in sources.items():
            # A paper's title may name a family (EMA's ramp-up cites StyleGAN2-ADA); the code may not.
            code = "\n".join(line for line in source.splitlines() if not line.strip().startswith(("#", '"', "'")))
            assert not re.search(rf"\b{re.escape(entry.name)}\b", code), (filename, entry.name)
