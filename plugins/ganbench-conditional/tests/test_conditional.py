"""What cgan and acgan promise: labels reach G and (for cgan) D, acgan's D predicts the class,
unlabelled data is refused with a sentence, the critic drops batch norm under a gradient
penalty, and through the engine the class cross-entropy trains acgan's class head, fake labels
follow the data's class frequencies and sample grids show one row per class."""

import pytest
import torch
from PIL import Image
from torch import nn

from ganbench.plugin_host import plugins
from ganbench.api import (BuildRequest, ConfigError, Dataset, DataSpec, DOutput, hookimpl, Incompatible, Neck,
                          StepInfo, TensorSource)
from ganbench.api.testing import AppendOnesChannel
from ganbench.config import Choice, RunConfig
from ganbench.engine.loop import GRID_SIZE
from ganbench.engine.run import run
from ganbench.engine.samples import image_grid
from ganbench.engine.setup import prepare
from ganbench.engine.step import AdversarialStep
from ganbench.results.run_dir import RunDir
from ganbench_conditional.acgan import ACGAN
from ganbench_conditional.cgan import CGAN

LATENT = 8
BATCH = 4
CLASSES = 5
ARCHITECTURES = [CGAN, ACGAN]


def labelled_spec(resolution: int = 16, channels: int = 1, classes: int = CLASSES) -> DataSpec:
    return DataSpec("test-images", "image", (channels, resolution, resolution), num_classes=classes)


def build(architecture_cls, spec: DataSpec, options: dict | None = None, neck: Neck | None = None,
          batch_norm_in_d: bool = True):
    architecture = architecture_cls.with_options({"base_channels": 4, "embedding_dim": 3, **(options or {})})
    architecture.check(spec)
    return architecture.build(BuildRequest(spec, LATENT, neck or Neck(), batch_norm_in_d, conditional=True))


def labels(*values: int) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.long)


# Shapes and the labels

@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("resolution, channels", [(8, 1), (16, 3), (32, 1)])
def test_generator_makes_images_of_the_requested_shape(architecture, resolution, channels):
    generator, _ = build(architecture, labelled_spec(resolution, channels))
    images = generator(torch.randn(BATCH, LATENT), labels(0, 1, 2, 4))
    assert images.shape == (BATCH, channels, resolution, resolution)
    assert images.min() >= -1 and images.max() <= 1


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_the_generator_draws_what_the_label_asks_for(architecture):
    generator, _ = build(architecture, labelled_spec())
    generator.eval()
    z = torch.randn(1, LATENT).repeat(2, 1)
    first, second = generator(z, labels(0, 3))
    assert not torch.allclose(first, second)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_the_generator_refuses_to_run_without_labels(architecture):
    generator, _ = build(architecture, labelled_spec())
    with pytest.raises(ValueError, match="needs class labels"):
        generator(torch.randn(BATCH, LATENT))


def test_cgan_discriminator_gives_one_logit_that_depends_on_the_label():
    _, discriminator = build(CGAN, labelled_spec(), {"d_norm": "none"})
    x = torch.randn(1, 1, 16, 16).repeat(2, 1, 1, 1)
    output = discriminator(x, labels(1, 4))
    assert isinstance(output, DOutput) and output.logits.shape == (2,) and output.class_logits is None
    assert output.logits[0] != output.logits[1]


def test_acgan_discriminator_predicts_the_class_from_the_image_alone():
    _, discriminator = build(ACGAN, labelled_spec())
    discriminator.eval()
    x = torch.randn(BATCH, 1, 16, 16)
    output = discriminator(x, labels(0, 1, 2, 3))
    assert output.logits.shape == (BATCH,)
    assert output.class_logits.shape == (BATCH, CLASSES)
    other = discriminator(x, labels(4, 4, 4, 4))
    assert torch.equal(output.class_logits, other.class_logits) and torch.equal(output.logits, other.logits)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_heads_are_sized_by_the_neck(architecture):
    _, discriminator = build(architecture, labelled_spec(), neck=Neck(AppendOnesChannel()))
    output = discriminator(torch.randn(BATCH, 1, 16, 16), labels(0, 1, 2, 3))
    assert output.logits.shape == (BATCH,)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_weights_start_from_n_0_002(architecture):
    generator, discriminator = build(architecture, labelled_spec(32), {"base_channels": 16})
    convolutions = [m for net in (generator, discriminator) for m in net.modules()
                    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    weights = torch.cat([m.weight.flatten() for m in convolutions])
    assert abs(weights.std().item() - 0.02) < 0.002 and abs(weights.mean().item()) < 0.002


# Refusals

@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_unlabelled_data_is_refused_with_one_sentence(architecture):
    spec = DataSpec("faces", "image", (3, 16, 16), num_classes=0)
    with pytest.raises(Incompatible) as refusal:
        architecture().check(spec)
    assert str(refusal.value) == f"architecture {architecture.name!r} needs class labels, but dataset 'faces' has none."


@pytest.mark.parametrize("architecture", ARCHITECTURES)
@pytest.mark.parametrize("spec, reason", [
    (DataSpec("ring8", "vector", (2,)), "works on image data"),
    (DataSpec("odd", "image", (1, 12, 12), num_classes=3), "power of two"),
    (DataSpec("wide", "image", (1, 8, 16), num_classes=3), "square images"),
    (DataSpec("tiny", "image", (1, 4, 4), num_classes=3), "at least 8 px"),
])
def test_data_these_nets_cannot_model_is_refused_with_the_reason(architecture, spec, reason):
    with pytest.raises(Incompatible, match=reason):
        architecture().check(spec)


@pytest.mark.parametrize("options", [{"base_channels": "0"}, {"embedding_dim": "0"},
                                     {"base_channels": "64", "max_channels": "32"}, {"d_norm": "group"}])
def test_bad_options_are_one_sentence(options):
    with pytest.raises(ConfigError, match=r"\.$"):
        CGAN.with_options(options)


# Norms under a gradient penalty

def norms_in(module: nn.Module) -> set[type]:
    kinds = (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d)
    return {type(m) for m in module.modules() if isinstance(m, kinds)}


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_auto_norm_is_batch_norm_or_layer_norm_for_a_per_sample_critic(architecture):
    _, with_batch = build(architecture, labelled_spec(32))
    _, per_sample = build(architecture, labelled_spec(32), batch_norm_in_d=False)
    assert norms_in(with_batch) == {nn.BatchNorm2d}
    assert norms_in(per_sample) == {nn.GroupNorm}


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_explicit_batch_norm_for_a_per_sample_critic_is_refused_with_the_reason(architecture):
    with pytest.raises(Incompatible, match="batch norm in the critic breaks the per-sample gradient penalty"):
        build(architecture, labelled_spec(), {"d_norm": "batch"}, batch_norm_in_d=False)


@pytest.mark.parametrize("choice, kinds", [("instance", {nn.InstanceNorm2d}), ("none", set())])
def test_explicit_per_sample_norms_are_kept(choice, kinds):
    _, discriminator = build(CGAN, labelled_spec(32), {"d_norm": choice}, batch_norm_in_d=False)
    assert norms_in(discriminator) == kinds


# Through the engine

def tiny(tmp_path, **changes) -> RunConfig:
    values = dict(arch=Choice("acgan", {"base_channels": 4}), dataset=Choice("digits"), resolution=8,
                  batch_size=8, steps=2, log_every=1, sample_every=2, checkpoint_every=2, eval_samples=32,
                  evaluators=[], latent_dim=LATENT, device="cpu", results_dir=str(tmp_path))
    values.update(changes)
    return RunConfig(**values)


def test_the_class_cross_entropy_trains_acgans_class_head(tmp_path):
    setup = prepare(tiny(tmp_path))
    assert setup.conditional
    class_head = setup.discriminator.to_class_logits.weight.detach().clone()
    step = AdversarialStep(setup)
    x, y = setup.source.sample(8)
    assert step.auxiliary_loss(setup.discriminator(x, y), y).item() > 0
    step(StepInfo(0, 1))
    # Only the cross-entropy reaches the class head: the adversarial loss reads the other head.
    assert not torch.equal(setup.discriminator.to_class_logits.weight, class_head)


def test_fake_labels_follow_the_real_class_frequencies(tmp_path):
    setup = prepare(tiny(tmp_path, arch=Choice("cgan", {"base_channels": 4})))
    real = torch.bincount(setup.source.all_data()[1], minlength=10).float()
    assert torch.allclose(setup.latent.class_frequencies, real / real.sum())
    drawn = torch.bincount(setup.latent.labels(20_000), minlength=10).float() / 20_000
    assert torch.allclose(drawn, real / real.sum(), atol=0.01)


def test_sample_grid_has_one_row_per_class(tmp_path):
    report = run(tiny(tmp_path, arch=Choice("cgan", {"base_channels": 4})), show_progress=False)
    assert report.result.status == "finished"
    grid = Image.open(RunDir(report.path).latest_sample())
    columns = GRID_SIZE // 10
    assert grid.size == image_grid(torch.zeros(10 * columns, 1, 8, 8), columns).size


class UnlabelledImages(Dataset):
    name = "unlabelled-images"
    description = "Random 8 px images without labels, for the refusal test."

    def load(self, request):
        spec = DataSpec(self.name, "image", (1, 8, 8))
        return TensorSource(spec, torch.rand(16, 1, 8, 8) * 2 - 1, None, request.device, request.seed)


class UnlabelledPlugin:
    @hookimpl
    def register_datasets(self, register):
        register(UnlabelledImages)


@pytest.mark.parametrize("architecture", ["cgan", "acgan"])
def test_a_run_on_unlabelled_images_is_refused_before_any_file(tmp_path, architecture):
    plugins.register_module(UnlabelledPlugin(), "unlabelled-test-data")
    config = tiny(tmp_path, arch=Choice(architecture), dataset=Choice("unlabelled-images"))
    with pytest.raises(Incompatible, match="needs class labels, but dataset 'unlabelled-images' has none"):
        prepare(config)
    assert not any(tmp_path.iterdir())
