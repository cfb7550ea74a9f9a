"""What the mlp architecture promises: vectors and images, depth, no batch norm, the neck."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from ganbench.api import BuildRequest, ConfigError, DataSpec, Incompatible, Neck
from ganbench_dcgan.mlp import MLP

LATENT = 8
BATCH = 5
RING = DataSpec("ring8", "vector", (2,))
DIGITS = DataSpec("digits", "image", (1, 16, 16))


def build(spec: DataSpec, options: dict | None = None, neck: Neck | None = None, conditional: bool = False):
    architecture = MLP.with_options({"hidden": 32} if options is None else options)
    architecture.check(spec)
    return architecture.build(BuildRequest(spec, LATENT, neck if neck is not None else Neck(),
                                           batch_norm_in_d=False, conditional=conditional))


def linear_layers(module: nn.Module) -> list[nn.Linear]:
    return [layer for layer in module.modules() if isinstance(layer, nn.Linear)]


@pytest.mark.parametrize("spec", [RING, DIGITS], ids=["vector", "image"])
def test_generator_makes_samples_of_the_data_shape_in_tanh_range(spec):
    generator, _ = build(spec)
    samples = generator(torch.randn(BATCH, LATENT))
    assert samples.shape == (BATCH, *spec.shape)
    assert samples.min() >= -1 and samples.max() <= 1


@pytest.mark.parametrize("spec", [RING, DIGITS], ids=["vector", "image"])
def test_discriminator_gives_one_logit_per_sample(spec):
    generator, discriminator = build(spec)
    output = discriminator(generator(torch.randn(BATCH, LATENT)))
    assert output.logits.shape == (BATCH,)
    assert output.class_logits is None


def test_discriminator_features_are_the_last_hidden_layer():
    _, discriminator = build(DIGITS, {"hidden": 24})
    assert discriminator.features(torch.zeros(BATCH, 1, 16, 16), None).shape == (BATCH, 24)


def test_layers_sets_the_number_of_hidden_layers_in_each_net():
    generator, discriminator = build(RING, {"hidden": 16, "layers": 4})
    assert len(linear_layers(generator)) == 4 + 1  # hidden layers, then the output layer
    assert len(linear_layers(discriminator)) == 4 + 1  # hidden layers, then the head


def test_linear_output_has_no_tanh():
    generator, _ = build(RING, {"output": "linear"})
    assert not any(isinstance(layer, nn.Tanh) for layer in generator.modules())


def test_leaky_generator_activation():
    generator, _ = build(RING, {"g_activation": "leaky", "layers": 2})
    assert sum(isinstance(layer, nn.LeakyReLU) for layer in generator.modules()) == 2


def test_no_batch_norm_anywhere_so_gradient_penalties_work():
    generator, discriminator = build(DIGITS)
    norms = (nn.BatchNorm1d, nn.BatchNorm2d)
    assert not any(isinstance(layer, norms) for net in (generator, discriminator) for layer in net.modules())


def test_weights_start_from_a_normal_with_std_002_and_zero_biases():
    generator, _ = build(DIGITS, {"hidden": 512})
    hidden = linear_layers(generator)[1]  # 512 x 512 weights
    assert hidden.weight.std().item() == pytest.approx(0.02, rel=0.02)
    assert torch.count_nonzero(hidden.bias) == 0


def test_a_neck_that_adds_a_feature_runs_before_a_head_sized_for_it(channel_adding_neck):
    generator, discriminator = build(RING, {"hidden": 32}, neck=channel_adding_neck)
    assert discriminator(generator(torch.randn(BATCH, LATENT))).logits.shape == (BATCH,)
    assert channel_adding_neck[0].calls == 1
    assert discriminator.to_logit.in_features == 32 + 1


def test_build_refuses_conditional_requests():
    with pytest.raises(Incompatible, match="'mlp' is unconditional"):
        build(DataSpec("digits", "image", (1, 16, 16), num_classes=10), conditional=True)


@pytest.mark.parametrize("options", [{"hidden": "0"}, {"layers": "0"}])
def test_non_positive_sizes_are_user_errors(options):
    with pytest.raises(ConfigError, match="positive"):
        MLP.with_options(options)


def test_one_bce_step_changes_every_weight_of_both_nets():
    torch.manual_seed(0)
    generator, discriminator = build(RING)
    before = [p.detach().clone() for p in [*generator.parameters(), *discriminator.parameters()]]
    opt_g = torch.optim.Adam(generator.parameters(), lr=1e-3)
    opt_d = torch.optim.Adam(discriminator.parameters(), lr=1e-3)
    real, z = torch.rand(BATCH, 2) * 2 - 1, torch.randn(BATCH, LATENT)

    # D: tell real from fake.
    d_loss = (F.binary_cross_entropy_with_logits(discriminator(real).logits, torch.ones(BATCH))
              + F.binary_cross_entropy_with_logits(discriminator(generator(z).detach()).logits, torch.zeros(BATCH)))
    opt_d.zero_grad()
    d_loss.backward()
    opt_d.step()
    # G: make D call the fakes real.
    g_loss = F.binary_cross_entropy_with_logits(discriminator(generator(z)).logits, torch.ones(BATCH))
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()

    after = [*generator.parameters(), *discriminator.parameters()]
    assert all(not torch.equal(old, new) for old, new in zip(before, after))
