"""The built-in losses: values on hand-computed logits, which of them use targets, and the
saturation of the original minimax generator loss that the non-saturating BCE loss avoids."""

import math

import pytest
import torch

from ganbench.contracts.loss import Targets
from ganbench.losses.bce import BCELoss, MinimaxLoss
from ganbench.losses.hinge import HingeLoss
from ganbench.losses.lsgan import LSGANLoss

REAL = torch.tensor([0.0, 2.0])
FAKE = torch.tensor([0.0, -1.0])
PLAIN = Targets(real=torch.ones(2), fake=torch.zeros(2))
SMOOTHED = Targets(real=torch.full((2,), 0.9), fake=torch.zeros(2))


def softplus(x: float) -> float:
    return math.log(1 + math.exp(x))


def values(loss, targets=PLAIN) -> list[float]:
    real_term, fake_term = loss.d_loss(REAL, FAKE, targets)
    return [real_term.item(), fake_term.item(), loss.g_loss(FAKE, targets).item()]


def test_bce_is_binary_cross_entropy_with_the_non_saturating_generator_loss():
    # -log sigmoid(x) = softplus(-x); -log(1 - sigmoid(x)) = softplus(x).
    expected_real = (softplus(-0.0) + softplus(-2.0)) / 2
    expected_fake = (softplus(0.0) + softplus(-1.0)) / 2
    expected_g = (softplus(-0.0) + softplus(1.0)) / 2  # G: -log D(G(z))
    assert values(BCELoss()) == pytest.approx([expected_real, expected_fake, expected_g], rel=1e-6)


def test_minimax_shares_bces_discriminator_loss_and_minimises_log_one_minus_d():
    bce_real, bce_fake, _ = values(BCELoss())
    real_term, fake_term, g_term = values(MinimaxLoss())
    assert (real_term, fake_term) == pytest.approx((bce_real, bce_fake))
    assert g_term == pytest.approx(-(softplus(0.0) + softplus(-1.0)) / 2, rel=1e-6)  # mean log(1 - D(G(z)))


def test_lsgan_is_half_the_mean_squared_distance_to_the_targets():
    expected_real = 0.5 * ((0 - 1) ** 2 + (2 - 1) ** 2) / 2  # 0.5
    expected_fake = 0.5 * (0 ** 2 + (-1) ** 2) / 2  # 0.25
    expected_g = 0.5 * ((0 - 1) ** 2 + (-1 - 1) ** 2) / 2  # 1.25
    assert values(LSGANLoss()) == pytest.approx([expected_real, expected_fake, expected_g])


def test_hinge_penalises_real_below_one_and_fake_above_minus_one():
    expected_real = (max(0, 1 - 0) + max(0, 1 - 2)) / 2  # 0.5
    expected_fake = (max(0, 1 + 0) + max(0, 1 - 1)) / 2  # 0.5
    expected_g = -(0 - 1) / 2  # -mean D(G(z)) = 0.5
    assert values(HingeLoss()) == pytest.approx([expected_real, expected_fake, expected_g])


@pytest.mark.parametrize("loss, uses_targets", [(BCELoss, True), (MinimaxLoss, True), (LSGANLoss, True),
                                                (HingeLoss, False)])
def test_each_loss_declares_whether_it_uses_targets(loss, uses_targets):
    assert loss.uses_targets is uses_targets


@pytest.mark.parametrize("loss", [BCELoss, MinimaxLoss, LSGANLoss])
def test_losses_with_targets_follow_smoothed_targets(loss):
    assert values(loss(), SMOOTHED)[0] != pytest.approx(values(loss(), PLAIN)[0])


def test_hinge_ignores_targets():
    assert values(HingeLoss(), SMOOTHED) == values(HingeLoss(), PLAIN)


def generator_gradient(loss, logit: float) -> float:
    fake = torch.tensor([logit], requires_grad=True)
    loss.g_loss(fake, PLAIN).backward()
    return fake.grad.item()


def test_minimax_generator_loss_saturates_where_bce_does_not():
    # D is confident the fake is fake: D(G(z)) = sigmoid(-10) ~ 4.5e-5.
    confident = -10.0
    assert abs(generator_gradient(MinimaxLoss(), confident)) < 1e-4  # -sigmoid(-10): G barely learns
    assert abs(generator_gradient(BCELoss(), confident)) > 0.99  # -(1 - sigmoid(-10)): G learns at full speed
    # Both push the fake logit up.
    assert generator_gradient(MinimaxLoss(), 0.0) < 0 and generator_gradient(BCELoss(), 0.0) < 0
