"""What the ugan architecture promises: per-scale outputs, residual blocks, no norm in D, the
auxiliary classifier, He initialisation, the neck, gradients at every scale, and a full run."""

import json
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganbench.api import BuildRequest, ConfigError, DataSpec, Incompatible, Neck
from ganbench.config import Choice, RunConfig
from ganbench.engine.checkpoint import load_checkpoint
from ganbench.engine.run import run
from ganbench.engine.setup import prepare
from ganbench_msg.ugan import UGAN, DownBlock, UpBlock

LATENT = 16
BATCH = 4
DIGITS = DataSpec("digits", "image", (1, 16, 16), num_classes=10)
NORMS = (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d, nn.LayerNorm)


def image_spec(resolution: int = 16, channels: int = 3) -> DataSpec:
    return DataSpec("test-images", "image", (channels, resolution, resolution))


def build(spec: DataSpec, options: dict | None = None, neck: Neck | None = None, conditional: bool | None = None,
          latent_dim: int = LATENT):
    architecture = UGAN.with_options({"base_channels": 8} if options is None else options)
    architecture.check(spec)
    conditional = architecture.uses_labels(spec) if conditional is None else conditional
    request = BuildRequest(spec, latent_dim, neck if neck is not None else Neck(), batch_norm_in_d=True,
                           conditional=conditional)
    return architecture.build(request)


def layers_of(module: nn.Module, kind: type | tuple) -> list[nn.Module]:
    return [layer for layer in module.modules() if isinstance(layer, kind)]


# Shapes

@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("resolution", [8, 16, 32])
def test_generator_returns_one_tanh_image_per_block_from_4x4_to_the_resolution(resolution, channels):
    generator, discriminator = build(image_spec(resolution, channels))
    images = generator(torch.randn(BATCH, LATENT))
    expected = [(BATCH, channels, side, side) for side in (4, 8, 16, 32) if side <= resolution]
    assert [tuple(image.shape) for image in images] == expected
    assert all(image.min() >= -1 and image.max() <= 1 for image in images)
    real = discriminator.prepare_real(torch.zeros(BATCH, channels, resolution, resolution))
    assert [tuple(image.shape) for image in real] == expected
    assert generator.multiscale and discriminator.multiscale


@pytest.mark.parametrize("resolution", [8, 32])
def test_discriminator_takes_the_fake_list_and_the_real_pyramid(resolution):
    generator, discriminator = build(image_spec(resolution))
    real = discriminator.prepare_real(torch.rand(BATCH, 3, resolution, resolution) * 2 - 1)
    for images in (generator(torch.randn(BATCH, LATENT)), real):
        output = discriminator(images)
        assert output.logits.shape == (BATCH,)
        assert output.class_logits is None  # unlabelled data: no class head


def test_discriminator_refuses_a_list_of_the_wrong_length():
    generator, discriminator = build(image_spec(16))
    with pytest.raises(ValueError, match="list of 3 images"):
        discriminator(generator(torch.randn(BATCH, LATENT))[1:])


def test_widths_start_at_base_channels_at_full_resolution_and_double_up_to_max_channels():
    generator, discriminator = build(image_spec(64), {"base_channels": 32, "max_channels": 128})
    assert [rgb.in_channels for rgb in generator.to_rgb] == [128, 128, 128, 64, 32]  # 4, 8, 16, 32, 64 px
    assert discriminator.from_rgb[0].out_channels == 32
    assert [block.conv.out_channels for block in discriminator.blocks] == [64, 128, 128, 128]


# Residual blocks

def test_up_block_doubles_the_side_through_conv_batch_norm_and_leaky_relu_plus_a_residual_path():
    torch.manual_seed(0)
    block = UpBlock(6, 4)
    assert isinstance(block.norm, nn.BatchNorm2d) and isinstance(block.act, nn.LeakyReLU)
    x = torch.randn(BATCH, 6, 4, 4)
    assert block(x).shape == (BATCH, 4, 8, 8)
    # With the main path silenced, what remains is the upsampled 1x1 convolution.
    nn.init.zeros_(block.conv.weight)
    shortcut = block.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))
    assert torch.allclose(block(x), shortcut, atol=1e-6)
    assert shortcut.abs().sum() > 0


def test_down_block_halves_the_side_through_conv_leaky_relu_and_average_pooling_plus_a_residual_path():
    torch.manual_seed(0)
    block = DownBlock(6, 4)
    assert not layers_of(block, NORMS)
    x = torch.randn(BATCH, 6, 8, 8)
    assert block(x).shape == (BATCH, 4, 4, 4)
    nn.init.zeros_(block.conv.weight)
    nn.init.zeros_(block.conv.bias)
    shortcut = F.avg_pool2d(block.shortcut(x), 2)
    assert torch.allclose(block(x), shortcut, atol=1e-6)
    assert shortcut.abs().sum() > 0


def test_the_discriminator_has_no_norm_so_each_logit_depends_on_its_own_sample_only():
    _, discriminator = build(image_spec(16))
    assert not layers_of(discriminator, NORMS)
    images = discriminator.prepare_real(torch.randn(BATCH, 3, 16, 16))
    alone = discriminator([image[:1] for image in images]).logits
    assert torch.allclose(discriminator(images).logits[:1], alone, atol=1e-6)


def test_every_discriminator_block_below_full_resolution_takes_the_image_of_its_side():
    _, discriminator = build(image_spec(32, channels=1), {"base_channels": 8})
    # 32 px: from_rgb gives 8 channels; blocks at 16 and 8 px get 16 and 32 channels plus the 1-channel image.
    assert [block.conv.in_channels for block in discriminator.blocks] == [8, 16 + 1, 32 + 1]
    assert discriminator.to_logit.in_channels == 64 + 1


# He initialisation

def test_weights_start_from_he_initialisation_for_leaky_relu():
    generator, _ = build(image_spec(32), {}, latent_dim=100)
    projection = generator.project.weight  # 100 -> 256 x 4 x 4: 409,600 weights
    gain = math.sqrt(2 / (1 + 0.2 ** 2))
    assert projection.std().item() == pytest.approx(gain / math.sqrt(100), rel=0.02)
    conv = generator.blocks[0].conv.weight  # 256 x 3 x 3 inputs per output
    assert conv.std().item() == pytest.approx(gain / math.sqrt(256 * 9), rel=0.05)


# The auxiliary classifier (ACGAN)

def test_with_labels_the_discriminator_returns_class_logits_per_sample():
    generator, discriminator = build(DIGITS)
    labels = torch.randint(10, (BATCH,))
    output = discriminator(generator(torch.randn(BATCH, LATENT), labels), labels)
    assert output.logits.shape == (BATCH,)
    assert output.class_logits.shape == (BATCH, 10)


@pytest.mark.parametrize("choice, labelled, uses", [("auto", True, True), ("auto", False, False),
                                                     ("yes", True, True), ("no", True, False)])
def test_uses_labels_follows_the_auxiliary_classifier_option(choice, labelled, uses):
    spec = DIGITS if labelled else image_spec(16, 1)
    assert UGAN.with_options({"auxiliary_classifier": choice}).uses_labels(spec) is uses


def test_the_generator_is_conditioned_on_the_label():
    torch.manual_seed(0)
    generator, _ = build(DIGITS)
    generator.eval()
    z = torch.randn(1, LATENT).repeat(2, 1)
    images = generator(z, torch.tensor([3, 7]))[-1]
    assert not torch.allclose(images[0], images[1])
    with pytest.raises(ValueError, match="pass y"):
        generator(z)


def test_auxiliary_classifier_no_refuses_a_conditional_request_and_builds_without_a_head():
    with pytest.raises(Incompatible, match="auxiliary_classifier=auto or yes"):
        build(DIGITS, {"auxiliary_classifier": "no"}, conditional=True)
    generator, discriminator = build(DIGITS, {"auxiliary_classifier": "no", "base_channels": 8})
    assert discriminator.to_class_logits is None and generator.label_embedding is None


def test_auxiliary_classifier_yes_on_unlabelled_data_is_incompatible():
    with pytest.raises(Incompatible, match="needs class labels"):
        UGAN.with_options({"auxiliary_classifier": "yes"}).check(image_spec(16))


def test_unknown_option_values_are_user_errors():
    with pytest.raises(ConfigError, match="auto, yes, no"):
        UGAN.with_options({"auxiliary_classifier": "maybe"})
    with pytest.raises(ConfigError, match="channels"):
        UGAN.with_options({"base_channels": 64, "max_channels": 32})


# Refusals

def test_check_refuses_vector_data_and_sizes_that_are_not_a_power_of_two():
    with pytest.raises(Incompatible, match="vector"):
        UGAN().check(DataSpec("ring8", "vector", (2,)))
    with pytest.raises(Incompatible, match="power of two"):
        UGAN().check(image_spec(24))


# The neck

def test_a_neck_that_adds_a_channel_runs_before_both_heads_sized_for_it(channel_adding_neck):
    generator, discriminator = build(DIGITS, neck=channel_adding_neck)
    labels = torch.randint(10, (BATCH,))
    output = discriminator(generator(torch.randn(BATCH, LATENT), labels), labels)
    assert output.class_logits.shape == (BATCH, 10)
    assert channel_adding_neck[0].calls == 1
    features = 4 * 8 + 1  # 4x4 map of a 16 px model with base 8, plus the 1-channel image
    assert discriminator.to_logit.in_channels == discriminator.to_class_logits.in_channels == features + 1


# Multi-scale gradients

def test_a_generator_step_sends_gradient_to_every_to_rgb_layer():
    torch.manual_seed(0)
    generator, discriminator = build(image_spec(32))
    discriminator.requires_grad_(False)
    logits = discriminator(generator(torch.randn(BATCH, LATENT))).logits
    F.binary_cross_entropy_with_logits(logits, torch.ones(BATCH)).backward()
    assert len(generator.to_rgb) == 4
    for to_rgb in generator.to_rgb:
        assert to_rgb.weight.grad is not None and to_rgb.weight.grad.abs().sum() > 0


# A full run

def test_a_tiny_run_on_digits_trains_the_class_head_and_finishes(tmp_path):
    config = RunConfig(arch=Choice("ugan", {"base_channels": 8}), dataset=Choice("digits"), resolution=16,
                       batch_size=8, steps=4, log_every=2, sample_every=4, checkpoint_every=4, eval_samples=64,
                       device="cpu", results_dir=str(tmp_path))
    report = run(config, show_progress=False)
    result = json.loads((report.path / "result.json").read_text())
    assert result["status"] == "finished" and result["arch"] == "ugan"
    assert list((report.path / "samples").glob("*.png"))
    # The run was conditional, and its class head moved away from its (seeded) initial weights.
    initial = prepare(config)
    assert initial.conditional
    trained = load_checkpoint(report.path / "checkpoints" / "last.pt")["discriminator"]["to_class_logits.weight"]
    assert trained.shape == initial.discriminator.to_class_logits.weight.shape
    assert not torch.allclose(trained, initial.discriminator.to_class_logits.weight)
