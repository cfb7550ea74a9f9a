"""Gaussian noise on the discriminator's last hidden layer, in training mode only.

Arjovsky & Bottou (2017), "Towards Principled Methods for Training Generative Adversarial
Networks", ICLR 2017, show that D saturates when the real and fake distributions have
disjoint supports, and propose noise that makes them overlap. ``instance-noise`` adds it to
D's input; this stabilizer adds it to the features just before the head, the variant the
"noise on D's last layer" reports used, so that the head never sees a perfectly clean code.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from ganbench.stabilizers.neck import NeckStabilizer


@dataclasses.dataclass(frozen=True)
class DNoiseOptions:
    """The noise level."""

    sigma: float = 0.1  # standard deviation of the noise added to each feature

    def __post_init__(self) -> None:
        if not self.sigma >= 0:
            raise ValueError(f"sigma must be 0 or positive, got {self.sigma}.")


class GaussianNoise(nn.Module):
    """Adds sigma * N(0, 1) to every element in training mode; the identity in evaluation."""

    def __init__(self, sigma: float) -> None:
        super().__init__()
        self.sigma = sigma

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.sigma == 0:
            return x
        return x + self.sigma * torch.randn_like(x)

    def extra_repr(self) -> str:
        return f"sigma={self.sigma}"


class DNoise(NeckStabilizer):
    name = "d-noise"
    description = "Gaussian noise on D's last hidden layer, in training mode only."
    Options = DNoiseOptions
    order = 55  # neck: after minibatch-std, before dropout

    def make_layer(self) -> nn.Module:
        return GaussianNoise(self.options.sigma)
