"""The loss of the original GAN (Goodfellow et al. 2014, "Generative Adversarial Nets"), binary
cross-entropy on D's logits, with G's two objectives from the paper:

- ``bce``: the non-saturating game the paper recommends, G maximises log D(G(z));
- ``minimax``: the saturating game as written, G minimises log(1 - D(G(z))).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

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
