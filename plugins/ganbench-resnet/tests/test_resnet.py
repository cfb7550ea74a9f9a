"""What the resnet architecture promises: the SNGAN/WGAN-GP layouts, a sum-pooled linear head,
spectral norm as an option, the ganbench contract with every loss and stabilizer it accepts."""

import math
import tomllib
from pathlib import Path

import pluggy
import pytest
import torch
from torch import nn

import ganbench_resnet
from ganbench import testing
from ganbench.plugin_host import hookspecs  # testing: also the kit's inner helpers (TinyRun, train_briefly)
from ganbench.api import BuildRequest, ConfigError, DataSpec, Incompatible, Neck
from ganbench.config import Choice
from ganbench.stabilizers.spectral_norm import SpectralNorm
from ganbench_resnet.biggan import BigGAN
from ganbench_resnet.resnet import ResNet
from ganbench_resnet.weights import is_spectrally_normalised

TINY = {"g_channels": 4, "d_channels": 4}
LATENT = 16
STABILIZERS = ("label-smoothing", "label-flip", "instance-noise", "dropout", "d-noise", "minibatch-std",
               "spectral-norm", "ema", "r1", "ttur")


def image_spec(resolution: int = 32, channels: int = 3, classes: int = 0) -> DataSpec:
    return DataSpec("test-images", "image", (channels, resolution, resolution), num_classes=classes)


def build(spec: DataSpec, options: dict | None = None, neck: Neck | None = None, conditional: bool = False):
    architecture = ResNet.with_options(TINY if options is None else options)
    architecture.check(spec)
    return architecture.build(BuildRequest(spec, LATENT, neck if neck is not None else Neck(), True, conditional))


def layers_of(module: nn.Module, kind: type) -> list[nn.Module]:
    return [layer for layer in module.modules() if isinstance(layer, kind)]


def train_or_refuse(stabilizer: str, options: dict, loss: str = "bce") -> str:
    """'trained' after a 1-step run with the stabilizer, or 'refused' (with a one-sentence reason)."""
    tiny = testing.TinyRun(arch=Choice("resnet", options), loss=Choice(loss), stabilizers=[Choice(stabilizer)],
                           dataset=testing.data_choice(image_spec(32, 1)), steps=1, resolution=32)
    with testing.temporarily_registered(ResNet, testing.ContractData):
        if testing.refused_before_training(tiny):
            return "refused"
        testing.train_briefly(tiny)
        return "trained"


# The ganbench contract

def test_resnet_keeps_the_contract_with_every_loss_it_accepts():
    # One spec it serves (each loss trains on it) and two it refuses with a sentence.
    specs = [image_spec(32, 3, classes=10), image_spec(16), DataSpec("v", "vector", (2,))]
    testing.check_architecture(ResNet, specs=specs, losses=("bce", "lsgan", "hinge", "wgan-gp"), steps=2, **TINY)


@pytest.mark.parametrize("stabilizer", STABILIZERS)
def test_resnet_trains_with_every_builtin_stabilizer_but_a_second_spectral_norm(stabilizer):
    expected = "refused" if stabilizer == "spectral-norm" else "trained"
    assert train_or_refuse(stabilizer, TINY) == expected


def test_spectral_norm_stabilizer_is_accepted_when_the_architectures_own_is_off():
    assert train_or_refuse("spectral-norm", {**TINY, "spectral_norm": False}) == "trained"


def test_refusing_the_spectral_norm_stabilizer_says_how_to_combine_them():
    with pytest.raises(Incompatible, match="already applies spectral norm.*set spectral_norm=false"):
        ResNet().check_stabilizers([SpectralNorm()])
    ResNet.with_options({"spectral_norm": False}).check_stabilizers([SpectralNorm()])


# The papers' layouts

def test_default_widths_at_32_px_are_sngans_g_256_and_d_128():
    generator, discriminator = build(image_spec(32), options={})
    assert {conv.out_channels for block in generator.blocks for conv in (block.conv1, block.conv2)} == {256}
    assert {conv.out_channels for conv in layers_of(discriminator.blocks, nn.Conv2d)} == {128}
    # The CIFAR-10 model of Miyato et al. has about 4.3M (G) and 1.0M (D) parameters with 128-d z.
    generator, discriminator = ResNet().build(BuildRequest(image_spec(32), 128, Neck()))
    assert sum(p.numel() for p in generator.parameters()) == pytest.approx(4.28e6, rel=0.01)
    assert sum(p.numel() for p in discriminator.parameters()) == pytest.approx(1.05e6, rel=0.01)


@pytest.mark.parametrize("resolution, up_blocks, d_widths", [
    (32, 3, [8, 8, 8, 8]), (64, 4, [8, 16, 32, 64, 128]), (128, 5, [8, 16, 32, 64, 128, 128])])
def test_each_resolution_has_its_papers_block_counts_and_width_multipliers(resolution, up_blocks, d_widths):
    generator, discriminator = build(image_spec(resolution), {"g_channels": 2, "d_channels": 8})
    assert len(generator.blocks) == up_blocks
    assert [block.conv2.out_channels for block in discriminator.blocks] == d_widths
    images = generator(torch.randn(2, LATENT))
    assert images.shape == (2, 3, resolution, resolution) and images.abs().max() <= 1


def test_generator_blocks_upsample_by_nearest_neighbour_with_a_1x1_shortcut():
    generator, _ = build(image_spec(32))
    block = generator.blocks[0]
    assert block.shortcut.kernel_size == (1, 1)
    x = torch.randn(2, 4, 4, 4)
    shortcut = block.shortcut(x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3))
    residual = block.conv2(block.relu2(block.norm2(block.conv1(
        block.relu1(block.norm1(x)).repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)))))
    assert torch.allclose(block(x), residual + shortcut, atol=1e-5)


def test_discriminator_logit_is_a_linear_head_on_globally_sum_pooled_relu_features():
    _, discriminator = build(image_spec(32))
    discriminator.eval()  # spectral norm's power iteration only runs in training mode
    x = torch.randn(3, 3, 32, 32)
    h = x
    for block in discriminator.blocks:
        h = block(h)
    summed = torch.relu(h).sum(dim=(2, 3))  # a sum over the 8x8 positions, not a mean
    assert torch.allclose(discriminator.features(x, None), summed, atol=1e-4)
    expected = summed @ discriminator.linear.weight.T + discriminator.linear.bias
    assert torch.allclose(discriminator(x).logits, expected.squeeze(1), atol=1e-4)


def test_spectral_norm_covers_every_layer_of_d_and_none_of_g_by_default():
    generator, discriminator = build(image_spec(32))
    d_layers = layers_of(discriminator, (nn.Conv2d, nn.Linear))
    assert d_layers and all(is_spectrally_normalised(layer) for layer in d_layers)
    assert not any(is_spectrally_normalised(layer) for layer in layers_of(generator, (nn.Conv2d, nn.Linear)))
    # Normalised: the largest singular value of D's head weight is 1.
    assert torch.linalg.matrix_norm(discriminator.linear.weight, ord=2).item() == pytest.approx(1.0, rel=0.05)


def test_wgan_gp_critic_without_spectral_norm_has_no_normalisation_at_all():
    _, discriminator = build(image_spec(32), {**TINY, "spectral_norm": False})
    assert not any(is_spectrally_normalised(layer) for layer in layers_of(discriminator, (nn.Conv2d, nn.Linear)))
    assert not layers_of(discriminator, (nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm))


def test_residual_convs_start_glorot_uniform_with_gain_sqrt2():
    generator, _ = build(image_spec(32), options={})
    conv = generator.blocks[0].conv1  # 256 -> 256, 3x3
    bound = math.sqrt(2) * math.sqrt(6 / (2 * 256 * 9))
    assert conv.weight.abs().max().item() <= bound
    assert conv.weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.02)


def test_a_neck_that_adds_a_feature_runs_on_the_pooled_features_before_the_head(channel_adding_neck):
    generator, discriminator = build(image_spec(32), neck=channel_adding_neck)
    assert discriminator(generator(torch.randn(2, LATENT))).logits.shape == (2,)
    assert channel_adding_neck[0].calls == 1
    assert discriminator.linear.in_features == 4 + 1


# Refusals and options

@pytest.mark.parametrize("shape", [(3, 16, 16), (3, 48, 48), (3, 256, 256), (3, 32, 64)])
def test_sizes_without_a_paper_layout_are_refused_with_the_ones_that_exist(shape):
    with pytest.raises(Incompatible, match="32, 64, 128 px"):
        ResNet().check(DataSpec("odd", "image", shape))


def test_conditional_requests_are_refused_towards_biggan():
    with pytest.raises(Incompatible, match="unconditional; use biggan"):
        build(image_spec(32, classes=10), conditional=True)


def test_width_options_given_as_strings_are_converted_and_bad_ones_refused():
    assert ResNet.with_options({"g_channels": "16", "spectral_norm": "false"}).options.g_channels == 16
    with pytest.raises(ConfigError, match="d_channels"):
        ResNet.with_options({"d_channels": 0})


# The plugin

def test_pyproject_declares_the_ganbench_entry_point():
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["ganbench"] == {"resnet": "ganbench_resnet"}


def test_plugin_module_registers_resnet_and_biggan_with_one_line_descriptions_citing_the_papers():
    manager = pluggy.PluginManager("ganbench")
    manager.add_hookspecs(hookspecs)
    manager.register(ganbench_resnet)
    registered: list[type] = []
    manager.hook.register_architectures(register=registered.append)
    assert registered == [ResNet, BigGAN]
    assert "Miyato et al. 2018" in ResNet.description and "spectral norm" in ResNet.description
    assert "Brock et al. 2019" in BigGAN.description and "spectral norm" in BigGAN.description
