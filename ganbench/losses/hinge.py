"""``hinge``: the hinge loss of Lim & Ye 2017 ("Geometric GAN"), as SN-GAN uses it (Miyato et al.
2018); it has no real/fake targets, so target stabilizers refuse it."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ganbench.contracts.loss import Loss, Targets


class HingeLoss(Loss):
    name = "hinge"
    description = "Hinge loss (Lim & Ye 2017; Miyato et al. 2018); no real/fake targets."
    uses_targets = False

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor, targets: Targets) -> tuple[torch.Tensor, torch.Tensor]:
        return F.relu(1.0 - real).mean(), F.relu(1.0 + fake).mean()

    def g_loss(self, fake: torch.Tensor, targets: Targets) -> torch.Tensor:
        return -fake.mean()
