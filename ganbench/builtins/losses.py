"""Built-in adversarial losses, on discriminator logits.

- ``bce``: the non-saturating loss of Goodfellow et al. (2014), G maximises log D(G(z)).
- ``minimax``: the original saturating game, G minimises log(1 - D(G(z))).
- ``lsgan``: least squares (Mao et al. 2017, "Least Squares Generative Adversarial Networks").
- ``hinge``: the hinge loss (Lim & Ye 2017; Miyato et al. 2018), no real/fake targets.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganbench import hookimpl
from ganbench.contracts.loss import Loss, Targets


class BCELoss(Loss):
    name = "bce"
    description = "Non-saturating GAN loss (Goodfellow et al. 2014), binary cross-entropy on logits."

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor, targets: Targets) -> tuple[torch.Tensor, torch.Tensor]:
        return (F.binary_cross_entropy_with_logits(real, targets.real),
                F.binary_cross_entropy_with_logits(fake, targets.fake))

    def g_loss(self, fake: torch.Tensor, targets: Targets) -> torch.Tensor:
        # Non-saturating: G wants its samples labelled real, whatever D's targets were.
        return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))


class MinimaxLoss(BCELoss):
    name = "minimax"
    description = "The original saturating minimax GAN loss (Goodfellow et al. 2014)."

    def g_loss(self, fake: torch.Tensor, targets: Targets) -> torch.Tensor:
        # G minimises log(1 - D(G(z))) = -BCE(fake, 0); saturates when D is confident.
        return -F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))


class LSGANLoss(Loss):
    name = "lsgan"
    description = "Least-squares GAN loss (Mao et al. 2017), targets a=0, b=1, c=1."

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor, targets: Targets) -> tuple[torch.Tensor, torch.Tensor]:
        return 0.5 * ((real - targets.real) ** 2).mean(), 0.5 * ((fake - targets.fake) ** 2).mean()

    def g_loss(self, fake: torch.Tensor, targets: Targets) -> torch.Tensor:
        return 0.5 * ((fake - 1.0) ** 2).mean()


class HingeLoss(Loss):
    name = "hinge"
    description = "Hinge loss (Lim & Ye 2017; Miyato et al. 2018); no real/fake targets."
    uses_targets = False

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor, targets: Targets) -> tuple[torch.Tensor, torch.Tensor]:
        return F.relu(1.0 - real).mean(), F.relu(1.0 + fake).mean()

    def g_loss(self, fake: torch.Tensor, targets: Targets) -> torch.Tensor:
        return -fake.mean()


@hookimpl
def register_losses(register):
    for loss in (BCELoss, MinimaxLoss, LSGANLoss, HingeLoss):
        register(loss)
