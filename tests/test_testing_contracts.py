"""ganbench.testing: each contract check passes on real components and fails, with a sentence that
says what broke, on a component that breaks the contract."""

import dataclasses
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganbench import testing
from ganbench.plugin_host import plugins
from ganbench.contracts.architecture import Architecture, BuildRequest, Discriminator, DOutput, Generator
from ganbench.contracts.dataset import DataRequest, Dataset
from ganbench.data.source import TensorSource
from ganbench.data.spec import DataSpec
from ganbench.contracts.evaluator import EvalContext, Evaluator
from ganbench.contracts.loss import Loss, Targets
from ganbench.contracts.stabilizer import Stabilizer, StepInfo


def component(kind: str, name: str):
    return plugins.registry().get(kind, name).cls


# Real components keep the contract.

@pytest.mark.parametrize("name, options", [("dcgan", {"base_channels": 4}), ("mlp", {"hidden": 16}), ("msg", {})])
def test_real_architectures_pass(name, options):
    testing.check_architecture(component("architecture", name), **options)


def test_the_checks_own_tiny_architecture_passes_with_two_losses():
    testing.check_architecture(testing.ContractNet, losses=("bce", "hinge"))


@pytest.mark.parametrize("name", ["bce", "hinge", "lsgan", "wgan-gp"])
def test_real_losses_pass(name):
    testing.check_loss(component("loss", name))


@pytest.mark.parametrize("name", ["minibatch-std", "spectral-norm", "ema"])
def test_real_stabilizers_pass(name):
    testing.check_stabilizer(component("stabilizer", name))


def test_a_stabilizer_may_refuse_some_combinations_with_a_sentence():
    # label smoothing refuses the hinge loss (no targets), and still passes on bce.
    testing.check_stabilizer(component("stabilizer", "label-smoothing"), losses=("bce", "hinge"), partners=())


def test_an_architecture_may_refuse_a_loss_with_a_sentence_but_not_every_loss():
    # dcgan with batch norm in its critic refuses wgan-gp (a per-sample penalty), and still passes on bce.
    dcgan, images = component("architecture", "dcgan"), [testing.DEFAULT_SPECS[0]]
    testing.check_architecture(dcgan, specs=images, losses=("bce", "wgan-gp"), base_channels=4, d_norm="batch")
    with pytest.raises(AssertionError, match="refused every loss"):
        testing.check_architecture(dcgan, specs=images, losses=("wgan-gp",), base_channels=4, d_norm="batch")


def test_the_none_baseline_passes_alone():
    testing.check_stabilizer(component("stabilizer", "none"), partners=())


def test_real_evaluators_pass():
    testing.check_evaluator(component("evaluator", "mode-coverage"), dataset="ring8")
    means = [f"stability_{scalar}_mean" for scalar in ("d_loss_real", "d_loss_fake", "g_loss", "d_acc_real",
                                                          "d_acc_fake")]
    testing.check_evaluator(component("evaluator", "stability"), undirected=means)


@pytest.mark.parametrize("name", ["ring8", "digits"])
def test_real_datasets_pass(name):
    testing.check_dataset(component("dataset", name))


def test_a_checked_component_is_registered_only_during_the_check():
    class Softplus(Loss):
        name = "softplus-check"
        description = "The non-saturating loss written with softplus."

        def d_loss(self, real, fake, targets):
            return F.softplus(-real).mean(), F.softplus(fake).mean()

        def g_loss(self, fake, targets):
            return F.softplus(-fake).mean()

    testing.check_loss(Softplus)
    assert "softplus-check" not in plugins.registry().names("loss")
    assert not [name for name in plugins.state().plugins if name.startswith("ganbench.testing")]


# Broken architectures.

class TinyGenerator(Generator):
    def __init__(self, request: BuildRequest, shape=None) -> None:
        super().__init__()
        self.latent_dim = request.latent_dim
        self.shape = shape or request.spec.shape
        self.net = nn.Linear(request.latent_dim, int(torch.tensor(self.shape).prod()))

    def forward(self, z, y=None):
        return torch.tanh(self.net(z)).view(z.shape[0], *self.shape)


class TinyDiscriminator(Discriminator):
    def __init__(self, request: BuildRequest, keep_neck: bool = True, size_head: bool = True) -> None:
        super().__init__(request.neck if keep_neck else None)
        self.body = nn.Sequential(nn.Flatten(), nn.Linear(request.spec.numel, 8))
        self.to_logit = nn.Linear(self.neck.out_channels(8) if size_head else 8, 1)

    def features(self, x, y):
        return self.body(x)

    def head(self, h, y):
        return DOutput(self.to_logit(h).squeeze(1))


def tiny_architecture(name: str, generator=TinyGenerator, discriminator=TinyDiscriminator, **attributes):
    def build(self, request):
        return generator(request), discriminator(request)
    return type("Tiny", (Architecture,), {"name": name, "description": "A broken architecture for a test.",
                                         "data_kinds": ("image", "vector"), "build": build, **attributes})


def test_an_architecture_whose_generator_has_the_wrong_shape_fails():
    wrong = tiny_architecture("wrong-shape", generator=lambda request: TinyGenerator(request, shape=(1, 8, 8)))
    with pytest.raises(AssertionError, match=r"G\(z\) has shape \(4, 1, 8, 8\), expected \(4, 1, 16, 16\)"):
        testing.check_architecture(wrong, specs=[DataSpec("d", "image", (1, 16, 16))])


def test_an_architecture_that_drops_the_neck_fails():
    deaf = tiny_architecture("no-neck", discriminator=lambda request: TinyDiscriminator(request, keep_neck=False))
    with pytest.raises(AssertionError, match="did not keep the neck of its BuildRequest"):
        testing.check_architecture(deaf)


def test_an_architecture_whose_head_ignores_added_channels_fails():
    rigid = tiny_architecture("rigid-head", discriminator=lambda request: TinyDiscriminator(request, size_head=False))
    with pytest.raises(AssertionError, match=r"size the head with neck.out_channels"):
        testing.check_architecture(rigid)


def test_an_architecture_that_refuses_with_the_wrong_error_fails():
    def build(request):
        if request.spec.kind == "vector":
            raise ValueError("no vectors")
        return TinyGenerator(request)
    picky = tiny_architecture("picky", generator=build)
    with pytest.raises(AssertionError, match="must raise ganbench.errors.Incompatible"):
        testing.check_architecture(picky)


def test_a_multiscale_discriminator_without_prepare_real_fails():
    class Pyramid(TinyGenerator):
        def forward(self, z, y=None):
            image = super().forward(z, y)
            return [F.avg_pool2d(image, 2), image]

    class FlatD(TinyDiscriminator):
        def features(self, x, y):
            return self.body(x[-1])

    flat = tiny_architecture("no-pyramid", generator=Pyramid, discriminator=FlatD, data_kinds=("image",))
    with pytest.raises(AssertionError, match="prepare_real gives .* but the generator gives"):
        testing.check_architecture(flat)


# Broken losses, stabilizers, evaluators, datasets.

def test_a_loss_that_rewards_the_wrong_side_fails():
    class Backwards(Loss):
        name = "backwards"
        description = "D's loss with the signs swapped."

        def d_loss(self, real, fake, targets):
            return real.mean(), -fake.mean()

        def g_loss(self, fake, targets):
            return -fake.mean()

    with pytest.raises(AssertionError, match="D's loss must be lower when it tells real from fake"):
        testing.check_loss(Backwards)


def test_a_loss_that_gives_nan_fails():
    class NotANumber(Loss):
        name = "nan-loss"
        description = "Always NaN."

        def d_loss(self, real, fake, targets):
            return real.mean() * float("nan"), fake.mean()

        def g_loss(self, fake, targets):
            return fake.mean()

    with pytest.raises(AssertionError, match="d_loss is not finite"):
        testing.check_loss(NotANumber)


def test_a_stabilizer_that_poisons_the_input_fails_with_the_step():
    class Poison(Stabilizer):
        name = "poison"
        description = "Turns D's inputs into NaN."

        def d_input(self, x: torch.Tensor, info: StepInfo) -> torch.Tensor:
            return x * float("nan")

    with pytest.raises(AssertionError, match="diverged at step"):
        testing.check_stabilizer(Poison, partners=())


def test_a_stabilizer_whose_neck_layer_works_only_on_images_fails():
    class ImagesOnly(nn.Module):
        def forward(self, h):
            return h + h.mean(dim=(2, 3), keepdim=True)

    class Pooled(Stabilizer):
        name = "pooled"
        description = "A neck layer that assumes (B, C, H, W)."

        def neck_layers(self):
            return [ImagesOnly()]

    with pytest.raises(AssertionError, match="stabilizers pooled.*raised IndexError"):
        testing.check_stabilizer(Pooled, partners=())


def test_a_stabilizer_with_a_bad_name_fails_before_training():
    class Shouting(Stabilizer):
        name = "Shouting_Name"
        description = "Not kebab-case."

    with pytest.raises(AssertionError, match="must be kebab-case"):
        testing.check_stabilizer(Shouting)


class Mean(Evaluator):
    name = "mean-check"
    description = "The mean of the samples."
    directions = {"sample_mean": "lower"}

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        return {"sample_mean": float(ctx.sample(16)[0].mean().abs())}


def test_an_evaluator_that_returns_nan_fails():
    class NaNMean(Mean):
        name = "nan-mean"

        def evaluate(self, ctx):
            return {"sample_mean": float("nan")}

    testing.check_evaluator(Mean)
    with pytest.raises(AssertionError, match=r"not finite numbers: \{'sample_mean': nan\}"):
        testing.check_evaluator(NaNMean)


def test_an_evaluator_with_an_undeclared_metric_fails():
    class Chatty(Mean):
        name = "chatty"

        def evaluate(self, ctx):
            return {**super().evaluate(ctx), "sample_std": 1.0}

    with pytest.raises(AssertionError, match="returned sample_std without a declared direction"):
        testing.check_evaluator(Chatty)


def test_an_evaluator_with_a_made_up_direction_fails():
    class Sideways(Mean):
        name = "sideways"
        directions = {"sample_mean": "better"}

    with pytest.raises(AssertionError, match="directions must be 'lower' or 'higher'"):
        testing.check_evaluator(Sideways)


@dataclasses.dataclass(frozen=True)
class BrokenDataOptions:
    scale: float = 1.0  # multiplies the values
    label_offset: int = 0  # added to the labels


class BrokenData(Dataset):
    name = "broken-data"
    description = "Labelled images whose values and labels a test can push out of range."
    Options = BrokenDataOptions

    def load(self, request: DataRequest) -> TensorSource:
        spec = DataSpec(self.name, "image", (1, request.resolution, request.resolution), num_classes=3)
        x = torch.linspace(-1, 1, 32 * spec.numel).view(32, *spec.shape) * self.options.scale
        y = torch.arange(32) % 3 + self.options.label_offset
        return TensorSource(spec, x, y, request.device, request.seed)


def test_a_dataset_check_passes_on_good_data_and_finds_values_and_labels_out_of_range():
    testing.check_dataset(BrokenData)
    with pytest.raises(AssertionError, match=r"values span \[-255, \d+\], expected \[-1, 1\]"):
        testing.check_dataset(BrokenData, scale=255.0)
    with pytest.raises(AssertionError, match=r"labels span \[\d, [3-4]\], expected \[0, 2\]"):
        testing.check_dataset(BrokenData, label_offset=2)


def test_a_dataset_that_ignores_the_resolution_fails():
    class FixedSize(BrokenData):
        name = "fixed-size"

        def load(self, request):
            return super().load(dataclasses.replace(request, resolution=8))

    with pytest.raises(AssertionError, match=r"asked for 16 px, gave images of \(8, 8\) px"):
        testing.check_dataset(FixedSize)


def test_a_component_whose_name_is_taken_is_checked_under_its_qualified_name(monkeypatch):
    calls = []

    class AnotherBCE(Loss):
        name = "bce"
        description = "Clashes with the built-in."

        def d_loss(self, real, fake, targets: Targets):
            calls.append("d_loss")
            return F.softplus(-real).mean(), F.softplus(fake).mean()

        def g_loss(self, fake, targets):
            return F.softplus(-fake).mean()

    trained = []
    train_briefly = testing.train_briefly

    def watched(tiny):
        before = len(calls)
        result = train_briefly(tiny)
        trained.append((tiny.loss.name, len(calls) - before))
        return result

    monkeypatch.setattr(testing, "train_briefly", watched)
    testing.check_loss(AnotherBCE)
    [(name, d_losses_while_training)] = trained
    assert name.endswith(":bce")  # the built-in keeps the bare name 'bce'
    assert d_losses_while_training > 0  # and the run trained with AnotherBCE, not with the built-in


def test_a_plugin_package_gets_the_kits_fixtures_from_the_pytest_plugin_without_a_conftest(tmp_path):
    """A package's tests outside this repository: the fixtures come from ganbench.testing_fixtures
    (the pytest11 entry point; named with -p here, so that the test holds before a reinstall)."""
    import os
    import subprocess
    import sys
    import textwrap
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\nganbench_one_thread = true\n")
    (tmp_path / "test_package.py").write_text(textwrap.dedent("""
        import torch
        torch.set_num_threads(2)  # as a process starts on a 2-core machine

        def test_the_neck_and_one_thread(channel_adding_neck):
            assert torch.get_num_threads() == 1
            assert channel_adding_neck(torch.zeros(2, 3, 4, 4)).shape == (2, 4, 4, 4)
            assert channel_adding_neck.out_channels(3) == 4
    """))
    repository = Path(__file__).resolve().parents[1]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repository), os.environ.get("PYTHONPATH", "")])}
    completed = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
                                "ganbench.testing_fixtures", str(tmp_path)], cwd=tmp_path, env=environment,
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "1 passed" in completed.stdout and "warning" not in completed.stdout
