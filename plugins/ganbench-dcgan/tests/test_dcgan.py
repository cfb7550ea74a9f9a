"""What the dcgan architecture promises: shapes, widths, refusals, initialisation, norms, the neck."""

import tomllib
from pathlib import Path

import pluggy
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import ganbench_dcgan
from ganbench.plugin_host import hookspecs
from ganbench.api import BuildRequest, ConfigError, DataSpec, DOutput, Incompatible, Neck
from ganbench_dcgan.dcgan import DCGAN, DCGANOptions
from ganbench_dcgan.mlp import MLP

LATENT = 16
BATCH = 4


def image_spec(resolution: int = 16, channels: int = 3) -> DataSpec:
    return DataSpec("test-images", "image", (channels, resolution, resolution))


def request_for(spec: DataSpec, neck: Neck | None = None, batch_norm_in_d: bool = True,
                conditional: bool = False, latent_dim: int = LATENT) -> BuildRequest:
    return BuildRequest(spec, latent_dim, neck if neck is not None else Neck(), batch_norm_in_d, conditional)


def build(spec: DataSpec, options: dict | None = None, **request_args):
    architecture = DCGAN.with_options({"base_channels": 8} if options is None else options)
    architecture.check(spec)
    return architecture.build(request_for(spec, **request_args))


def layers_of(module: nn.Module, kind: type) -> list[nn.Module]:
    return [layer for layer in module.modules() if isinstance(layer, kind)]


# Shapes and widths

@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("resolution", [8, 16, 32, 64, 128])
def test_generator_makes_images_of_the_requested_shape_in_tanh_range(resolution, channels):
    generator, _ = build(image_spec(resolution, channels), {"base_channels": 4})
    images = generator(torch.randn(BATCH, LATENT))
    assert images.shape == (BATCH, channels, resolution, resolution)
    assert images.min() >= -1 and images.max() <= 1


@pytest.mark.parametrize("resolution", [8, 32, 128])
def test_discriminator_gives_one_logit_per_sample(resolution):
    generator, discriminator = build(image_spec(resolution), {"base_channels": 4})
    output = discriminator(generator(torch.randn(BATCH, LATENT)))
    assert isinstance(output, DOutput)
    assert output.logits.shape == (BATCH,)
    assert output.class_logits is None


def test_discriminator_features_are_a_4x4_map_of_the_widest_layer():
    _, discriminator = build(image_spec(32), {"base_channels": 8})
    assert discriminator.features(torch.zeros(BATCH, 3, 32, 32), None).shape == (BATCH, 32, 4, 4)


def test_default_widths_at_64_px_are_the_papers():
    generator, discriminator = build(image_spec(64), {})
    assert [conv.out_channels for conv in layers_of(generator, nn.ConvTranspose2d)] == [512, 256, 128, 64, 3]
    assert [conv.out_channels for conv in layers_of(discriminator, nn.Conv2d)] == [64, 128, 256, 512, 1]


def test_widths_double_from_base_channels_and_stop_at_max_channels():
    generator, discriminator = build(image_spec(64), {"base_channels": 8, "max_channels": 32})
    assert [conv.out_channels for conv in layers_of(generator, nn.ConvTranspose2d)] == [32, 32, 16, 8, 3]
    assert [conv.out_channels for conv in layers_of(discriminator, nn.Conv2d)] == [8, 16, 32, 32, 1]


def test_smallest_model_has_one_hidden_layer_of_base_channels():
    generator, _ = build(image_spec(8), {"base_channels": 8})
    assert [conv.out_channels for conv in layers_of(generator, nn.ConvTranspose2d)] == [8, 3]


# Options

def test_options_given_as_strings_are_converted():
    architecture = DCGAN.with_options({"base_channels": "32", "wide_kernel": "true", "d_norm": "instance"})
    assert architecture.options == DCGANOptions(base_channels=32, wide_kernel=True, d_norm="instance")


@pytest.mark.parametrize("options", [{"base_channels": 0}, {"max_channels": -1},
                                     {"base_channels": 64, "max_channels": 32}])
def test_bad_channel_counts_are_user_errors(options):
    with pytest.raises(ValueError, match="channels"):
        DCGANOptions(**options)
    with pytest.raises(ConfigError, match="channels"):
        DCGAN.with_options(options)


@pytest.mark.parametrize("activation, module", [("relu", nn.ReLU), ("leaky", nn.LeakyReLU), ("selu", nn.SELU)])
def test_generator_uses_the_chosen_activation(activation, module):
    generator, _ = build(image_spec(16), {"base_channels": 4, "g_activation": activation})
    assert len(layers_of(generator, module)) == 2  # after the 4x4 and the 8x8 layer


# Refusals

@pytest.mark.parametrize("resolution", [4, 12, 24, 48, 100])
def test_check_refuses_sizes_that_are_not_a_power_of_two_from_8(resolution):
    with pytest.raises(Incompatible, match=f"{resolution} px|got {resolution}"):
        DCGAN().check(image_spec(resolution))


@pytest.mark.parametrize("resolution", [8, 16, 32, 64, 128, 256, 512])
def test_check_accepts_powers_of_two_from_8(resolution):
    DCGAN().check(image_spec(resolution))


def test_check_refuses_vector_data():
    with pytest.raises(Incompatible, match="vector"):
        DCGAN().check(DataSpec("ring8", "vector", (2,)))


def test_check_refuses_images_that_are_not_square():
    with pytest.raises(Incompatible, match="square"):
        DCGAN().check(DataSpec("wide", "image", (3, 16, 32)))


def test_build_refuses_conditional_requests():
    with pytest.raises(Incompatible, match="unconditional; use cgan or acgan"):
        DCGAN().build(request_for(DataSpec("digits", "image", (1, 16, 16), num_classes=10), conditional=True))


# Initialisation (paper, section 4)

def test_conv_weights_start_from_a_normal_with_std_002():
    generator, discriminator = build(image_spec(64), {}, latent_dim=100)
    projection = layers_of(generator, nn.ConvTranspose2d)[0]  # 100 x 512 x 4 x 4 weights
    assert projection.weight.std().item() == pytest.approx(0.02, rel=0.02)
    assert projection.weight.mean().item() == pytest.approx(0.0, abs=1e-3)
    widest = layers_of(discriminator, nn.Conv2d)[3]
    assert widest.weight.std().item() == pytest.approx(0.02, rel=0.02)


def test_norm_scales_start_near_one_and_shifts_and_biases_at_zero():
    generator, discriminator = build(image_spec(64), {})
    for norm in layers_of(generator, nn.BatchNorm2d) + layers_of(discriminator, nn.BatchNorm2d):
        assert norm.weight.mean().item() == pytest.approx(1.0, abs=0.01)
        assert 0 < norm.weight.std().item() < 0.04
        assert torch.count_nonzero(norm.bias) == 0
    biases = [conv.bias for conv in layers_of(generator, nn.ConvTranspose2d) + layers_of(discriminator, nn.Conv2d)
              if conv.bias is not None]
    assert biases and all(torch.count_nonzero(bias) == 0 for bias in biases)


# The neck

def test_a_neck_that_adds_a_channel_runs_before_a_head_sized_for_it(channel_adding_neck):
    generator, discriminator = build(image_spec(16), neck=channel_adding_neck)
    logits = discriminator(generator(torch.randn(BATCH, LATENT))).logits
    assert logits.shape == (BATCH,)
    assert discriminator.neck is channel_adding_neck
    assert channel_adding_neck[0].calls == 1
    assert discriminator.to_logit.in_channels == 16 + 1


# Norm in the discriminator

def test_gradient_penalty_request_gets_a_per_sample_norm_instead_of_batch_norm():
    _, discriminator = build(image_spec(32), batch_norm_in_d=False)
    assert not layers_of(discriminator, nn.BatchNorm2d)
    assert layers_of(discriminator, nn.GroupNorm)
    # Per sample: a sample's logit does not depend on the rest of the batch, even in training mode.
    images = torch.randn(BATCH, 3, 32, 32)
    assert torch.allclose(discriminator(images).logits[:1], discriminator(images[:1]).logits, atol=1e-6)


def test_explicit_batch_norm_with_a_gradient_penalty_is_incompatible():
    with pytest.raises(Incompatible, match="d_norm=layer"):
        build(image_spec(32), {"d_norm": "batch"}, batch_norm_in_d=False)


@pytest.mark.parametrize("d_norm, module, count", [("batch", nn.BatchNorm2d, 2), ("layer", nn.GroupNorm, 2),
                                                   ("instance", nn.InstanceNorm2d, 2), ("none", nn.BatchNorm2d, 0)])
def test_d_norm_puts_that_norm_after_every_hidden_layer_but_the_first(d_norm, module, count):
    _, discriminator = build(image_spec(32), {"base_channels": 4, "d_norm": d_norm})
    assert len(layers_of(discriminator, module)) == count
    assert discriminator(torch.randn(BATCH, 3, 32, 32)).logits.shape == (BATCH,)


def test_auto_norm_is_batch_norm_without_a_gradient_penalty():
    _, discriminator = build(image_spec(32))
    assert len(layers_of(discriminator, nn.BatchNorm2d)) == 2


# Generator norm (the paper's batch-norm ablation)

def test_default_generator_has_batch_norm_after_every_hidden_layer_and_no_conv_bias():
    generator, _ = build(image_spec(32))
    assert len(layers_of(generator, nn.BatchNorm2d)) == 3  # 4x4, 8x8 and 16x16 maps; none at the image
    assert [conv.bias is None for conv in layers_of(generator, nn.ConvTranspose2d)] == [True, True, True, False]


def test_g_norm_none_leaves_no_batch_norm_in_the_generator_and_gives_its_convolutions_biases():
    generator, discriminator = build(image_spec(32), {"base_channels": 8, "g_norm": "none"})
    assert layers_of(generator, nn.BatchNorm2d) == []
    assert all(conv.bias is not None for conv in layers_of(generator, nn.ConvTranspose2d))
    assert len(layers_of(discriminator, nn.BatchNorm2d)) == 2  # D keeps the paper's norm
    assert generator(torch.randn(BATCH, LATENT)).shape == (BATCH, 3, 32, 32)


def test_g_norm_none_makes_each_sample_independent_of_the_rest_of_the_batch():
    # Batch norm in training mode mixes the batch's statistics into every sample; without it, a
    # sample is the same alone as in a batch.
    torch.manual_seed(0)
    z = torch.randn(BATCH, LATENT)
    with_norm, _ = build(image_spec(16))
    without_norm, _ = build(image_spec(16), {"base_channels": 8, "g_norm": "none"})
    assert torch.allclose(without_norm(z)[:1], without_norm(z[:1]), atol=1e-6)
    assert not torch.allclose(with_norm(z)[:2], with_norm(z[:2]), atol=1e-3)


def test_g_norm_at_its_default_keeps_the_run_id_of_runs_made_before_it():
    from ganbench.config import Choice, RunConfig
    from ganbench.resolve import resolve_config

    def run_id(options: dict) -> str:
        return resolve_config(RunConfig(arch=Choice("dcgan", options), dataset=Choice("digits"), resolution=16,
                                        steps=500, batch_size=64, device="cpu")).run_id

    # The id this configuration had before g_norm existed (computed on the commit before it).
    assert run_id({"base_channels": 32}) == "dcgan-bce-digits-none-s0-451d426fda"
    assert run_id({"base_channels": 32, "g_norm": "batch"}) == "dcgan-bce-digits-none-s0-451d426fda"
    assert run_id({"base_channels": 32, "g_norm": "none"}) != "dcgan-bce-digits-none-s0-451d426fda"


def test_unknown_g_norm_is_a_user_error():
    with pytest.raises(ConfigError, match="g_norm"):
        DCGAN.with_options({"g_norm": "layer"})


# Wide kernels

def test_wide_kernel_builds_128_px_models_with_kernel_8_at_the_image():
    generator, discriminator = build(image_spec(128), {"base_channels": 4, "wide_kernel": True})
    assert layers_of(generator, nn.ConvTranspose2d)[-1].kernel_size == (8, 8)
    assert layers_of(discriminator, nn.Conv2d)[0].kernel_size == (8, 8)
    images = generator(torch.randn(2, LATENT))
    assert images.shape == (2, 3, 128, 128)
    assert discriminator(images).logits.shape == (2,)


# Training

def test_one_bce_step_changes_every_weight_of_both_nets():
    torch.manual_seed(0)
    generator, discriminator = build(image_spec(16))
    g_before = [p.detach().clone() for p in generator.parameters()]
    d_before = [p.detach().clone() for p in discriminator.parameters()]
    opt_g = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real, z = torch.rand(BATCH, 3, 16, 16) * 2 - 1, torch.randn(BATCH, LATENT)
    ones, zeros = torch.ones(BATCH), torch.zeros(BATCH)

    # D: tell real from fake.
    fake = generator(z).detach()
    d_loss = (F.binary_cross_entropy_with_logits(discriminator(real).logits, ones)
              + F.binary_cross_entropy_with_logits(discriminator(fake).logits, zeros))
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    # G: make D call the fakes real.
    g_loss = F.binary_cross_entropy_with_logits(discriminator(generator(z)).logits, ones)
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()

    assert all(not torch.equal(before, p) for before, p in zip(g_before, generator.parameters()))
    assert all(not torch.equal(before, p) for before, p in zip(d_before, discriminator.parameters()))


# The plugin

def test_pyproject_declares_the_ganbench_entry_point():
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "ganbench-dcgan"
    assert pyproject["project"]["entry-points"]["ganbench"] == {"dcgan": "ganbench_dcgan"}


def test_plugin_module_registers_dcgan_and_mlp_through_the_hook():
    manager = pluggy.PluginManager("ganbench")
    manager.add_hookspecs(hookspecs)
    manager.register(ganbench_dcgan)
    registered: list[type] = []
    manager.hook.register_architectures(register=registered.append)
    assert registered == [DCGAN, MLP]
    assert all(cls.description for cls in registered)
