"""LeCam regularization: Tseng, Jiang, Zhang, Yang & Yang (2021), "Regularizing Generative
Adversarial Networks under Limited Data", CVPR 2021.

D's outputs are pulled towards moving anchors of the other side: with alpha_R and alpha_F the
exponential moving averages (decay 0.99) of D's mean output on real and on fake images,

    R_LC = E_x[ ||D(x) - alpha_F||^2 ] + E_z[ ||D(G(z)) - alpha_R||^2 ],

added to D's loss with weight ``weight``. The paper shows it bounds the LeCam divergence that the
adversarial loss then minimises, which stays well behaved when D overfits a small data set.

The outputs are the ones the loss itself used (``PenaltyInputs.real_out``/``fake_out``): no extra
D pass, and exactly what the loss saw even when D has dropout or noise. The anchors update on
the device at every evaluation of the penalty, before it is computed, and live in checkpoints,
so a resumed run continues them. The paper weights it 0.3 on CIFAR and 0.01 on ImageNet; the
default 0.1 sits between, and does not stop a small convolutional GAN on digits from learning
(docs/stabilizers.md has the short runs).
"""

from __future__ import annotations

import dataclasses

import torch

from ganbench.contracts.loss import Penalty, PenaltyInputs
from ganbench.contracts.stabilizer import Stabilizer


@dataclasses.dataclass(frozen=True)
class LeCamOptions:
    """Weight, anchor decay and laziness."""

    weight: float = 0.1  # lambda; the paper's 0.3 (CIFAR) .. 0.01 (ImageNet)
    decay: float = 0.99  # of the anchors' moving averages (the paper's 0.99)
    interval: int = 1  # evaluate every this many D updates

    def __post_init__(self) -> None:
        if not self.weight >= 0:
            raise ValueError(f"weight must be 0 or positive, got {self.weight}.")
        if not 0 <= self.decay < 1:
            raise ValueError(f"decay must be in [0, 1), got {self.decay}.")
        if self.interval < 1:
            raise ValueError(f"interval must be a positive integer, got {self.interval}.")


class LeCam(Stabilizer):
    name = "lecam"
    description = "LeCam regularization (Tseng et al. 2021): D's outputs pulled to EMA anchors of the other side."
    Options = LeCamOptions
    order = 72  # penalties: after r1

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.anchor_real = torch.zeros(())  # alpha_R: moving average of D(x)
        self.anchor_fake = torch.zeros(())  # alpha_F: moving average of D(G(z))

    def penalties(self) -> list[Penalty]:
        return [Penalty("lecam", self.term, interval=self.options.interval)]

    def term(self, inputs: PenaltyInputs) -> torch.Tensor:
        if inputs.real_out is None or inputs.fake_out is None:
            raise ValueError("lecam reads D's outputs from the loss's pass: PenaltyInputs.real_out and fake_out")
        real, fake = inputs.real_out.logits.float(), inputs.fake_out.logits.float()
        self.update_anchors(real.detach(), fake.detach())
        return self.options.weight * ((real - self.anchor_fake).pow(2).mean() + (fake - self.anchor_real).pow(2).mean())

    @torch.no_grad()
    def update_anchors(self, real: torch.Tensor, fake: torch.Tensor) -> None:
        if self.anchor_real.device != real.device:
            self.anchor_real, self.anchor_fake = self.anchor_real.to(real.device), self.anchor_fake.to(real.device)
        keep = self.options.decay
        self.anchor_real = keep * self.anchor_real + (1 - keep) * real.mean()
        self.anchor_fake = keep * self.anchor_fake + (1 - keep) * fake.mean()

    def state_dict(self) -> dict:
        return {"anchor_real": self.anchor_real.clone(), "anchor_fake": self.anchor_fake.clone()}

    def load_state_dict(self, state: dict) -> None:
        if state:
            self.anchor_real, self.anchor_fake = state["anchor_real"].clone(), state["anchor_fake"].clone()
