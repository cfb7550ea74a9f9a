"""What the Wasserstein losses promise: the critic objective, weight clipping, and a gradient
penalty that matches a hand-computed value, draws one alpha per sample and handles multi-scale
critics; and that the engine trains dcgan with wgan-gp on a critic without batch norm."""

import math

import pytest
import torch
from torch import nn

from ganbench.api import ConfigError, Discriminator, DOutput, Incompatible, PenaltyInputs, Targets
from ganbench.config import Choice, RunConfig
from ganbench.engine.run import run
from ganbench.engine.setup import prepare
from ganbench_wgan.gradient_penalty import draw_alpha, gradient_penalty, interpolate
from ganbench_wgan.wasserstein import WGAN, WGANGP

NO_TARGETS = Targets(real=torch.ones(2), fake=torch.zeros(2))


class LinearCritic(Discriminator):
    """D(x) = w . flatten(x) + b: its input gradient is w everywhere."""

    def __init__(self, weight: torch.Tensor, bias: float = 0.5) -> None:
        super().__init__()
        self.linear = nn.Linear(weight.numel(), 1)
        with torch.no_grad():
            self.linear.weight.copy_(weight.reshape(1, -1))
            self.linear.bias.fill_(bias)

    def features(self, x, y):
        return x.flatten(1)

    def head(self, h, y):
        return DOutput(self.linear(h).squeeze(1))


class TwoScaleLinearCritic(Discriminator):
    """D([x1, x2]) = w1 . x1 + w2 . x2: its input gradient has norm sqrt(|w1|^2 + |w2|^2)."""

    multiscale = True

    def __init__(self, w1: torch.Tensor, w2: torch.Tensor) -> None:
        super().__init__()
        self.w1, self.w2 = nn.Parameter(w1.clone()), nn.Parameter(w2.clone())

    def features(self, x, y):
        return (x[0] * self.w1).flatten(1).sum(1) + (x[1] * self.w2).flatten(1).sum(1)

    def head(self, h, y):
        return DOutput(h)


class RecordingCritic(Discriminator):
    """A non-linear critic that remembers every input it was asked to score."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, padding=1)
        self.seen: list[torch.Tensor] = []

    def features(self, x, y):
        self.seen.append(x.detach().clone())
        return torch.tanh(self.conv(x)).flatten(1)

    def head(self, h, y):
        return DOutput((h ** 2).sum(1))


# The critic objective

def test_critic_and_generator_losses_are_the_wasserstein_estimates():
    real, fake = torch.tensor([1.0, 3.0]), torch.tensor([0.0, 2.0])
    for loss in (WGAN(), WGANGP()):
        real_term, fake_term = loss.d_loss(real, fake, NO_TARGETS)
        assert real_term.item() == pytest.approx(-2.0)  # -E[D(real)]
        assert fake_term.item() == pytest.approx(1.0)  # +E[D(fake)]
        assert loss.g_loss(fake, NO_TARGETS).item() == pytest.approx(-1.0)


def test_wasserstein_losses_have_no_targets_and_only_wgan_gp_needs_a_per_sample_critic():
    assert WGAN.uses_targets is False and WGANGP.uses_targets is False
    assert WGANGP.needs_per_sample_critic is True
    assert WGAN.needs_per_sample_critic is False


def test_recommended_optimizer_settings_follow_the_papers():
    gp = WGANGP.recommended
    assert (gp.lr_g, gp.lr_d, gp.betas, gp.n_critic) == (1e-4, 1e-4, (0.0, 0.9), 5)
    clipping = WGAN.recommended
    assert (clipping.lr_g, clipping.lr_d, clipping.betas, clipping.n_critic) == (5e-5, 5e-5, (0.0, 0.99), 5)


def test_default_options_are_the_papers():
    assert WGANGP().options.gp_weight == 10.0 and WGANGP().options.interval == 1
    assert WGAN().options.clip == 0.01


@pytest.mark.parametrize("loss, options", [(WGANGP, {"gp_weight": "-1"}), (WGANGP, {"interval": "0"}),
                                           (WGAN, {"clip": "0"})])
def test_bad_options_are_one_sentence(loss, options):
    with pytest.raises(ConfigError, match=r"must be .*\.$"):
        loss.with_options(options)


def test_weight_clipping_clamps_every_critic_parameter():
    critic = LinearCritic(torch.tensor([3.0, -0.005, -4.0, 0.002]), bias=0.5)
    WGAN.with_options({"clip": "0.01"}).after_d_step(critic)
    assert critic.linear.weight.flatten().tolist() == pytest.approx([0.01, -0.005, -0.01, 0.002])
    assert critic.linear.bias.item() == pytest.approx(0.01)


# The gradient penalty

def test_penalty_on_a_linear_critic_is_lambda_times_norm_minus_one_squared():
    weight = torch.tensor([3.0, 0.0, 4.0, 0.0])  # ||w|| = 5 for every x_hat
    critic = LinearCritic(weight)
    real, fake = torch.randn(6, 1, 2, 2), torch.randn(6, 1, 2, 2)
    penalty = gradient_penalty(critic, real, fake, None, weight=10.0)
    assert penalty.item() == pytest.approx(10.0 * (5.0 - 1.0) ** 2, rel=1e-6)  # 160


def test_penalty_term_uses_the_gp_weight_option():
    critic = LinearCritic(torch.tensor([0.0, 2.0, 0.0, 0.0]))  # ||w|| = 2
    loss = WGANGP.with_options({"gp_weight": "3"})
    inputs = PenaltyInputs(critic, torch.randn(4, 1, 2, 2), torch.randn(4, 1, 2, 2), None, None, step=0)
    (penalty,) = loss.penalties()
    assert penalty.name == "gradient-penalty" and penalty.interval == 1
    assert penalty.compute(inputs).item() == pytest.approx(3.0 * (2.0 - 1.0) ** 2, rel=1e-6)


def test_penalty_gradient_reaches_the_critic_weights():
    # d/dw lambda (||w|| - 1)^2 = 2 lambda (||w|| - 1) w / ||w||: the penalty must train the critic.
    weight = torch.tensor([3.0, 0.0, 4.0, 0.0])
    critic = LinearCritic(weight)
    gradient_penalty(critic, torch.randn(3, 1, 2, 2), torch.randn(3, 1, 2, 2), None, weight=10.0).backward()
    expected = 2 * 10.0 * (5.0 - 1.0) * weight / 5.0
    assert torch.allclose(critic.linear.weight.grad.flatten(), expected, rtol=1e-5)


def test_alpha_is_one_value_per_sample():
    images, vectors = torch.zeros(5, 3, 8, 8), torch.zeros(7, 2)
    assert draw_alpha(images).shape == (5, 1, 1, 1)
    assert draw_alpha(vectors).shape == (7, 1)
    alpha = draw_alpha(torch.zeros(1000, 2))
    assert 0 <= alpha.min() and alpha.max() < 1 and alpha.std() > 0.2  # U[0, 1), different per sample


def test_interpolate_mixes_each_pair_with_its_own_alpha():
    real, fake = torch.full((3, 1, 2, 2), 2.0), torch.full((3, 1, 2, 2), -2.0)
    alpha = torch.tensor([0.0, 0.25, 1.0]).reshape(3, 1, 1, 1)
    mixed = interpolate(real, fake, alpha)
    assert mixed.shape == real.shape
    assert [sample.unique().tolist() for sample in mixed] == [[-2.0], [-1.0], [2.0]]


def test_interpolation_points_lie_on_the_segments_between_paired_samples():
    torch.manual_seed(0)
    critic = RecordingCritic()
    real, fake = torch.randn(8, 1, 4, 4), torch.randn(8, 1, 4, 4)
    gradient_penalty(critic, real, fake, None, weight=10.0)
    (x_hat,) = critic.seen
    direction = (real - fake).flatten(1)
    offset = (x_hat - fake).flatten(1)
    position = (offset * direction).sum(1) / (direction * direction).sum(1)  # where along real_i - fake_i
    assert torch.allclose(offset, position[:, None] * direction, atol=1e-5)  # on the line, every pixel alike
    assert (position >= 0).all() and (position <= 1).all()
    assert position.unique().numel() == 8  # a fresh alpha for each sample


def test_multiscale_scales_share_alpha_and_the_norm_covers_every_scale():
    w1, w2 = torch.full((1, 2, 2), 1.0), torch.full((1, 4, 4), 0.5)  # |w1|^2 = 4, |w2|^2 = 4
    critic = TwoScaleLinearCritic(w1, w2)
    real = [torch.randn(4, 1, 2, 2), torch.randn(4, 1, 4, 4)]
    fake = [torch.randn(4, 1, 2, 2), torch.randn(4, 1, 4, 4)]
    penalty = gradient_penalty(critic, real, fake, None, weight=10.0)
    assert penalty.item() == pytest.approx(10.0 * (math.sqrt(8.0) - 1.0) ** 2, rel=1e-6)

    alpha = torch.tensor([0.0, 0.5, 1.0, 0.25]).reshape(4, 1, 1, 1)
    coarse, fine = interpolate(real, fake, alpha)
    for index, a in enumerate(alpha.flatten().tolist()):
        assert torch.allclose(coarse[index], a * real[0][index] + (1 - a) * fake[0][index])
        assert torch.allclose(fine[index], a * real[1][index] + (1 - a) * fake[1][index])


def test_a_conditional_critic_sees_the_real_labels_and_an_unconditional_one_none():
    seen = []

    class LabelSpy(LinearCritic):
        def features(self, x, y):
            seen.append(y)
            return super().features(x, y)

    critic = LabelSpy(torch.ones(4))
    y_real, y_fake = torch.tensor([1, 2]), torch.tensor([3, 4])
    (penalty,) = WGANGP().penalties()
    x = torch.randn(2, 1, 2, 2)
    penalty.compute(PenaltyInputs(critic, x, x, y_real, y_fake, step=0))
    penalty.compute(PenaltyInputs(critic, x, x, y_real, None, step=0))  # the engine's unconditional run
    assert seen[0].tolist() == [1, 2] and seen[1] is None


# Through the engine

def tiny(tmp_path, **changes) -> RunConfig:
    values = dict(arch=Choice("dcgan", {"base_channels": 4}), loss=Choice("wgan-gp"), dataset=Choice("digits"),
                  resolution=8, batch_size=4, steps=2, log_every=1, sample_every=2, checkpoint_every=2,
                  eval_samples=32, evaluators=[], latent_dim=8, device="cpu", results_dir=str(tmp_path))
    values.update(changes)
    return RunConfig(**values)


def test_dcgan_under_wgan_gp_gets_a_layer_norm_critic_and_the_recommended_optimizer(tmp_path):
    setup = prepare(tiny(tmp_path, resolution=16))  # 16 px: a hidden layer with a norm
    modules = list(setup.discriminator.modules())
    assert not any(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in modules)
    assert any(isinstance(m, nn.GroupNorm) for m in modules)
    assert (setup.settings.betas, setup.settings.n_critic, setup.settings.lr_d) == ((0.0, 0.9), 5, 1e-4)
    assert any(isinstance(m, nn.BatchNorm2d) for m in setup.generator.modules())  # G keeps batch norm


def test_dcgan_with_explicit_batch_norm_under_wgan_gp_is_refused_with_the_reason(tmp_path):
    config = tiny(tmp_path, arch=Choice("dcgan", {"base_channels": 4, "d_norm": "batch"}))
    with pytest.raises(Incompatible, match="batch norm in the critic breaks the per-sample gradient penalty"):
        prepare(config)
    assert not any(tmp_path.iterdir())


def test_wgan_gp_trains_dcgan_with_a_positive_penalty(tmp_path):
    result = run(tiny(tmp_path), show_progress=False).result
    assert result.status == "finished"
    assert result.budget["n_critic"] == 5
    assert 0 < result.final["d_penalty"] < float("inf")


def test_wgan_training_leaves_every_critic_weight_inside_the_clip(tmp_path):
    config = tiny(tmp_path, loss=Choice("wgan", {"clip": "0.02"}))
    setup = prepare(config)
    from ganbench.engine.step import AdversarialStep
    from ganbench.api import StepInfo
    AdversarialStep(setup)(StepInfo(0, 1))
    assert max(p.abs().max().item() for p in setup.discriminator.parameters()) <= 0.02
