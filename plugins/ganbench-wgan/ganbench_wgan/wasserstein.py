"""Wasserstein GAN losses.

- ``wgan``: Arjovsky, Chintala & Bottou (2017), "Wasserstein Generative Adversarial Networks",
  ICML 2017. The critic maximises E[D(real)] - E[D(fake)] and is kept K-Lipschitz by clipping
  every weight to [-c, c] after each critic step (Algorithm 1, c = 0.01, n_critic = 5).
- ``wgan-gp``: Gulrajani et al. (2017), "Improved Training of Wasserstein GANs", NeurIPS 2017.
  The same critic loss, with the Lipschitz constraint enforced by a gradient penalty
  (lambda = 10) instead of clipping, and Adam with betas (0, 0.9), lr 1e-4, n_critic = 5.

Both are written on the critic's raw scores (the engine's "logits"): there are no real/fake
targets, so target stabilizers (label smoothing, flipping) do not apply.

A gradient penalty is per sample, and batch norm makes one sample's score depend on the
others in its batch, so ``wgan-gp`` declares ``needs_per_sample_critic``: the engine then asks
the architecture for a critic without batch norm (the paper's recommendation, section 4, is
layer normalization), and an architecture that cannot build one refuses the combination.
"""

from __future__ import annotations

import dataclasses

import torch

from ganbench.api import Discriminator, Loss, OptimizerSettings, Penalty, PenaltyInputs, Targets
from ganbench_wgan.gradient_penalty import gradient_penalty


class WassersteinCritic(Loss):
    """The critic and generator objectives shared by both variants."""

    uses_targets = False

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor, targets: Targets) -> tuple[torch.Tensor, torch.Tensor]:
        # Dmain: maximise E[D(real)] - E[D(fake)], written as a loss to minimise.
        return -real.mean(), fake.mean()

    def g_loss(self, fake: torch.Tensor, targets: Targets) -> torch.Tensor:
        # Gmain: raise the critic's score of the fakes.
        return -fake.mean()


@dataclasses.dataclass(frozen=True)
class WGANOptions:
    """The clipping range of the critic's weights."""

    clip: float = 0.01  # c in Arjovsky et al., Algorithm 1

    def __post_init__(self) -> None:
        if not self.clip > 0:
            raise ValueError(f"clip must be positive, got {self.clip}.")


class WGAN(WassersteinCritic):
    """WGAN with weight clipping (Arjovsky et al. 2017).

    The paper trained with RMSprop at lr 5e-5, because momentum-based optimizers made training
    unstable (section 3). The engine trains with Adam; Adam with beta1 = 0 keeps no momentum and
    is RMSprop with bias correction, so the recommendation is Adam(5e-5, betas (0, 0.99)), with
    the paper's five critic steps per generator step.
    """

    name = "wgan"
    description = "Wasserstein GAN (Arjovsky et al. 2017): critic weights clipped to [-0.01, 0.01], 5 critic steps."
    Options = WGANOptions
    recommended = OptimizerSettings(lr_g=5e-5, lr_d=5e-5, betas=(0.0, 0.99), n_critic=5)

    @torch.no_grad()
    def after_d_step(self, discriminator: Discriminator) -> None:
        # Clip every critic parameter, as the paper does, so the critic stays in a compact set.
        clip = self.options.clip
        for parameter in discriminator.parameters():
            parameter.clamp_(-clip, clip)


@dataclasses.dataclass(frozen=True)
class WGANGPOptions:
    """Weight and laziness of the gradient penalty."""

    gp_weight: float = 10.0  # lambda in Gulrajani et al.; 10 for every experiment of the paper
    interval: int = 1  # D steps between penalties; the engine scales the penalty by it

    def __post_init__(self) -> None:
        if not self.gp_weight >= 0:
            raise ValueError(f"gp_weight must be 0 or positive, got {self.gp_weight}.")
        if self.interval < 1:
            raise ValueError(f"interval must be a positive integer, got {self.interval}.")


class WGANGP(WassersteinCritic):
    """WGAN with a gradient penalty on points between real and fake samples (Gulrajani et al. 2017)."""

    name = "wgan-gp"
    description = "WGAN with gradient penalty (Gulrajani et al. 2017): lambda 10, Adam (0, 0.9), 5 critic steps."
    Options = WGANGPOptions
    needs_per_sample_critic = True
    recommended = OptimizerSettings(lr_g=1e-4, lr_d=1e-4, betas=(0.0, 0.9), n_critic=5)

    def penalties(self) -> list[Penalty]:
        return [Penalty("gradient-penalty", self.penalty_term, interval=self.options.interval)]

    def penalty_term(self, inputs: PenaltyInputs) -> torch.Tensor:
        return gradient_penalty(inputs.discriminator, inputs.real, inputs.fake, penalty_labels(inputs),
                                self.options.gp_weight)


def penalty_labels(inputs: PenaltyInputs) -> torch.Tensor | None:
    """The labels a conditional critic sees at x_hat: the real sample's, as x_hat is a real sample
    moved towards a fake one. The engine draws fake labels only for conditional models, so
    ``y_fake`` tells whether the critic takes labels at all."""
    if inputs.y_fake is None:
        return None
    return inputs.y_real
