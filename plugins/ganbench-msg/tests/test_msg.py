"""What the msg architecture promises: the pyramid, per-scale outputs, injections, refusals, norms,
the neck, gradients at every scale, and a full run through the library."""

import json
import tomllib
from pathlib import Path

import pluggy
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import ganbench_msg
from ganbench.plugin_host import hookspecs, plugins
from ganbench.api import BuildRequest, ConfigError, DataSpec, DOutput, Incompatible, Neck
from ganbench.config import Choice, RunConfig
from ganbench.engine.run import run
from ganbench_msg.msg import MSG, MSGOptions
from ganbench_msg.ugan import UGAN

LATENT = 16
BATCH = 4


def image_spec(resolution: int = 16, channels: int = 3) -> DataSpec:
    return DataSpec("test-images", "image", (channels, resolution, resolution))


def build(spec: DataSpec, options: dict | None = None, neck: Neck | None = None, batch_norm_in_d: bool = True,
          conditional: bool = False, latent_dim: int = LATENT):
    architecture = MSG.with_options({"base_channels": 8} if options is None else options)
    architecture.check(spec)
    request = BuildRequest(spec, latent_dim, neck if neck is not None else Neck(), batch_norm_in_d, conditional)
    return architecture.build(request)


def layers_of(module: nn.Module, kind: type) -> list[nn.Module]:
    return [layer for layer in module.modules() if isinstance(layer, kind)]


def head_width(discriminator) -> int:
    """Channels the logit reads: dcgan's to_logit the features (and the neck's), a link the injected ones."""
    return discriminator.to_logit.in_channels + discriminator.injected_into_logit.in_channels


def sides_of(images: list[torch.Tensor]) -> list[int]:
    return [image.shape[-1] for image in images]


# The image pyramid

def test_prepare_real_builds_the_average_pooled_pyramid_coarse_to_fine():
    _, discriminator = build(image_spec(32))
    real = torch.rand(BATCH, 3, 32, 32) * 2 - 1
    pyramid = discriminator.prepare_real(real)
    assert [tuple(image.shape) for image in pyramid] == [(BATCH, 3, side, side) for side in (4, 8, 16, 32)]
    assert torch.equal(pyramid[-1], real)
    assert torch.allclose(pyramid[2], F.avg_pool2d(real, 2), atol=1e-6)
    assert torch.allclose(pyramid[0], F.avg_pool2d(real, 8), atol=1e-6)  # each 4x4 pixel: the mean of an 8x8 patch


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("resolution", [8, 16, 32])
def test_generator_returns_one_tanh_image_per_scale_from_4x4_to_the_resolution(resolution, channels):
    generator, discriminator = build(image_spec(resolution, channels))
    images = generator(torch.randn(BATCH, LATENT))
    expected_sides = [side for side in (4, 8, 16, 32) if side <= resolution]
    assert sides_of(images) == expected_sides
    assert all(image.shape[:2] == (BATCH, channels) for image in images)
    assert all(image.min() >= -1 and image.max() <= 1 for image in images)
    assert sides_of(discriminator.prepare_real(torch.zeros(BATCH, channels, resolution, resolution))) == expected_sides
    assert generator.multiscale and discriminator.multiscale


@pytest.mark.parametrize("resolution", [8, 16, 32])
def test_discriminator_takes_the_fake_list_and_the_real_pyramid(resolution):
    generator, discriminator = build(image_spec(resolution))
    fake = discriminator(generator(torch.randn(BATCH, LATENT)))
    real = discriminator(discriminator.prepare_real(torch.rand(BATCH, 3, resolution, resolution) * 2 - 1))
    for output in (fake, real):
        assert isinstance(output, DOutput)
        assert output.logits.shape == (BATCH,)
        assert output.class_logits is None


def test_discriminator_refuses_a_single_batch_with_a_sentence_that_names_prepare_real():
    _, discriminator = build(image_spec(16))
    with pytest.raises(ValueError, match="prepare_real"):
        discriminator(torch.zeros(BATCH, 3, 16, 16))


def test_generator_is_dcgan_plus_1x1_to_rgb_convolutions():
    generator, _ = build(image_spec(64), {}, latent_dim=100)
    transposed = layers_of(generator, nn.ConvTranspose2d)
    assert [conv.out_channels for conv in transposed] == [512, 256, 128, 64, 3]  # DCGAN's 64 px widths
    assert [(rgb.in_channels, rgb.kernel_size) for rgb in generator.to_rgb] == [
        (512, (1, 1)), (256, (1, 1)), (128, (1, 1)), (64, (1, 1))]


# Injections: the combine function and the injection size

# At 32 px with base_channels=8, D's feature maps at 16, 8 and 4 px have 8, 16 and 32 channels.
D_WIDTHS = [8, 16, 32]


@pytest.mark.parametrize("combine, injection, widths_after_injection", [
    ("cat", 1.0, [8 + 3, 16 + 3, 32 + 3]),  # the raw RGB image: 3 more channels
    ("cat", 0.5, [8 + 4, 16 + 8, 32 + 16]),  # a 1x1 conv maps the image to half of C
    ("lin-cat", 1.0, [8 + 8, 16 + 16, 32 + 32]),  # the image's features as wide as D's
    ("lin-cat", 0.5, [8 + 4, 16 + 8, 32 + 16]),
    ("cat-lin", 1.0, [8 + 8, 16 + 16, 32 + 32]),
    ("cat-lin", 0.5, [8 + 4, 16 + 8, 32 + 16]),
])
def test_injection_widths_are_the_documented_ones(combine, injection, widths_after_injection):
    generator, discriminator = build(image_spec(32), {"base_channels": 8, "combine": combine, "injection": injection})
    assert [injection.out_channels for injection in discriminator.injections] == widths_after_injection
    # The next convolution, and at 4x4 the head, read exactly the injected width: dcgan's own layer
    # the feature channels, a link convolution beside it the injected ones.
    next_widths = [block.conv.in_channels + link.in_channels
                   for block, link in zip(discriminator.body.blocks, discriminator.injected_into_blocks)]
    assert next_widths == widths_after_injection[:-1]
    assert head_width(discriminator) == widths_after_injection[-1]
    images = generator(torch.randn(BATCH, LATENT))
    assert discriminator.features(images, None).shape == (BATCH, widths_after_injection[-1], 4, 4)
    assert discriminator(images).logits.shape == (BATCH,)


@pytest.mark.parametrize("combine, injection, image_convs, mix_convs", [
    ("cat", 1.0, [], []),
    ("cat", 0.5, [(3, 4), (3, 8), (3, 16)], []),
    ("lin-cat", 1.0, [(3, 8), (3, 16), (3, 32)], []),
    ("lin-cat", 0.5, [(3, 4), (3, 8), (3, 16)], []),
    ("cat-lin", 1.0, [], [(3 + 8, 16), (3 + 16, 32), (3 + 32, 64)]),
    ("cat-lin", 0.5, [], [(3 + 8, 12), (3 + 16, 24), (3 + 32, 48)]),
])
def test_each_combine_puts_its_1x1_convolution_where_the_paper_does(combine, injection, image_convs, mix_convs):
    _, discriminator = build(image_spec(32), {"base_channels": 8, "combine": combine, "injection": injection})
    convs_on_image = [(m.image_features.in_channels, m.image_features.out_channels)
                      for m in discriminator.injections if isinstance(m.image_features, nn.Conv2d)]
    convs_after_cat = [(m.mix.in_channels, m.mix.out_channels)
                       for m in discriminator.injections if isinstance(m.mix, nn.Conv2d)]
    assert convs_on_image == image_convs
    assert convs_after_cat == mix_convs
    assert all(conv.kernel_size == (1, 1) for m in discriminator.injections for conv in layers_of(m, nn.Conv2d))


def test_plain_cat_concatenates_the_raw_image_in_front_of_the_features():
    _, discriminator = build(image_spec(16), {"base_channels": 8, "combine": "cat"})
    image, features = torch.randn(BATCH, 3, 4, 4), torch.randn(BATCH, 16, 4, 4)
    injected, passed_on = discriminator.injections[-1](image, features)  # [injected; features] in two parts
    assert torch.equal(injected, image)
    assert torch.equal(passed_on, features)


# Options

def test_options_given_as_strings_are_converted():
    architecture = MSG.with_options({"combine": "lin-cat", "injection": "0.5", "base_channels": "16"})
    assert architecture.options == MSGOptions(base_channels=16, combine="lin-cat", injection=0.5)


@pytest.mark.parametrize("injection", ["0", "-0.5", "1.5"])
def test_injection_outside_zero_to_one_is_a_user_error(injection):
    with pytest.raises(ConfigError, match=r"injection must be a share of channels in \(0, 1\]"):
        MSG.with_options({"injection": injection})


def test_unknown_combine_lists_the_valid_ones():
    with pytest.raises(ConfigError, match="cat, lin-cat, cat-lin"):
        MSG.with_options({"combine": "sum"})


@pytest.mark.parametrize("options", [{"base_channels": 0}, {"base_channels": 64, "max_channels": 32}])
def test_bad_channel_counts_are_user_errors(options):
    with pytest.raises(ConfigError, match="channels"):
        MSG.with_options(options)


# Refusals

@pytest.mark.parametrize("resolution", [4, 12, 24, 48])
def test_check_refuses_sizes_that_are_not_a_power_of_two_from_8(resolution):
    with pytest.raises(Incompatible, match=rf"got {resolution}( px)?\.$"):
        MSG().check(image_spec(resolution))


def test_check_refuses_vector_data_and_images_that_are_not_square():
    with pytest.raises(Incompatible, match="vector"):
        MSG().check(DataSpec("ring8", "vector", (2,)))
    with pytest.raises(Incompatible, match="square"):
        MSG().check(DataSpec("wide", "image", (3, 16, 32)))


def test_msg_does_not_use_labels_and_refuses_conditional_requests():
    digits = DataSpec("digits", "image", (1, 16, 16), num_classes=10)
    assert MSG().uses_labels(digits) is False
    with pytest.raises(Incompatible, match="'msg' is unconditional"):
        build(digits, conditional=True)


# Initialisation (DCGAN)

def test_weights_start_from_a_normal_with_std_002_and_norm_scales_near_one():
    generator, discriminator = build(image_spec(32), {}, latent_dim=100)
    for net in (generator, discriminator):
        weights = torch.cat([conv.weight.flatten() for conv in layers_of(net, (nn.Conv2d, nn.ConvTranspose2d))])
        assert weights.std().item() == pytest.approx(0.02, rel=0.05)
        for norm in layers_of(net, nn.BatchNorm2d):
            assert norm.weight.mean().item() == pytest.approx(1.0, abs=0.01)
    biases = [conv.bias for conv in layers_of(discriminator, nn.Conv2d) if conv.bias is not None]
    assert biases and all(torch.count_nonzero(bias) == 0 for bias in biases)


# The neck and the discriminator's norm

def test_a_neck_that_adds_a_channel_runs_before_a_head_sized_for_it(channel_adding_neck):
    generator, discriminator = build(image_spec(16), neck=channel_adding_neck)
    assert discriminator(generator(torch.randn(BATCH, LATENT))).logits.shape == (BATCH,)
    assert discriminator.neck is channel_adding_neck
    assert channel_adding_neck[0].calls == 1
    assert head_width(discriminator) == discriminator.injections[-1].out_channels + 1


def test_gradient_penalty_request_gets_a_per_sample_norm_instead_of_batch_norm():
    generator, discriminator = build(image_spec(32), batch_norm_in_d=False)
    assert not layers_of(discriminator, nn.BatchNorm2d)
    assert layers_of(discriminator, nn.GroupNorm)
    # Per sample: a sample's logit does not depend on the rest of the batch, even in training mode.
    images = discriminator.prepare_real(torch.randn(BATCH, 3, 32, 32))
    alone = discriminator([image[:1] for image in images]).logits
    assert torch.allclose(discriminator(images).logits[:1], alone, atol=1e-6)


def test_auto_norm_is_batch_norm_and_explicit_batch_norm_with_a_gradient_penalty_is_refused():
    _, discriminator = build(image_spec(32))
    assert len(layers_of(discriminator, nn.BatchNorm2d)) == 2  # after each hidden conv but the first
    with pytest.raises(Incompatible, match="d_norm=layer"):
        build(image_spec(32), {"d_norm": "batch"}, batch_norm_in_d=False)


# Multi-scale gradients: the point of the architecture

@pytest.mark.parametrize("combine", ["cat", "lin-cat", "cat-lin"])
def test_a_generator_step_sends_gradient_to_every_scales_output_layer(combine):
    torch.manual_seed(0)
    generator, discriminator = build(image_spec(32), {"base_channels": 8, "combine": combine})
    discriminator.requires_grad_(False)
    logits = discriminator(generator(torch.randn(BATCH, LATENT))).logits
    F.binary_cross_entropy_with_logits(logits, torch.ones(BATCH)).backward()
    output_layers = [*generator.to_rgb, generator.to_image]
    assert len(output_layers) == 4  # 4, 8, 16 and 32 px
    for layer in output_layers:
        assert layer.weight.grad is not None and layer.weight.grad.abs().sum() > 0


# The plugin and a full run

def test_pyproject_declares_the_ganbench_entry_point():
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "ganbench-msg"
    assert pyproject["project"]["entry-points"]["ganbench"] == {"msg": "ganbench_msg"}


def test_plugin_module_registers_msg_and_ugan_through_the_hook():
    manager = pluggy.PluginManager("ganbench")
    manager.add_hookspecs(hookspecs)
    manager.register(ganbench_msg)
    registered: list[type] = []
    manager.hook.register_architectures(register=registered.append)
    assert registered == [MSG, UGAN]
    assert all(cls.description for cls in registered)
    assert {"msg", "ugan"} <= {entry.name for entry in plugins.registry().entries("architecture")}


def test_a_tiny_run_through_the_library_writes_a_finished_run_directory(tmp_path):
    report = run(RunConfig(arch=Choice("msg", {"base_channels": 8}), dataset=Choice("digits"), resolution=16,
                           batch_size=8, steps=4, log_every=2, sample_every=4, checkpoint_every=4, eval_samples=64,
                           device="cpu", results_dir=str(tmp_path)), show_progress=False)
    result = json.loads((report.path / "result.json").read_text())
    assert result["status"] == "finished" and result["arch"] == "msg" and result["steps"] == 4
    assert (report.path / "checkpoints" / "last.pt").exists()
    assert list((report.path / "samples").glob("*.png"))
    assert len((report.path / "metrics.jsonl").read_text().splitlines()) == 2  # steps 2 and 4
