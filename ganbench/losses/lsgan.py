"""``lsgan``: least squares on D's outputs (Mao et al. 2017, "Least Squares Generative Adversarial
Networks"), with the targets a=0 (fake), b=1 (real) and c=1 (what G wants D to say)."""

from __future__ import annotations

import torch

from ganbench.contracts.loss import Loss, Targets


class LSGANLoss(Loss):
    name = "lsgan"
    description = "Least-squares GAN loss (Mao et al. 2017), targets a=0, b=1, c=1."

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor, targets: Targets) -> tuple[torch.Tensor, torch.Tensor]:
        return 0.5 * ((real - targets.real) ** 2).mean(), 0.5 * ((fake - targets.fake) ** 2).mean()

    def g_loss(self, fake: torch.Tensor, targets: Targets) -> torch.Tensor:
        return 0.5 * ((fake - 1.0) ** 2).mean()
