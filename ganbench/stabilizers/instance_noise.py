"""Instance noise: Sønderby, Caballero, Theis, Shi & Huszár (2017), "Amortised MAP Inference
for Image Super-resolution", ICLR 2017 (section 3.2); analysed by Arjovsky & Bottou (2017),
"Towards Principled Methods for Training Generative Adversarial Networks".

Gaussian noise added to every discriminator input, real and fake alike, makes the two
distributions overlap, so D cannot separate them perfectly and its gradient stays useful.
The noise is annealed to zero so that the end of the run trains on the data itself:
sigma(step) = sigma * (1 - step / steps) with the linear schedule.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import torch

from ganbench.contracts.stabilizer import Stabilizer, StepInfo


@dataclasses.dataclass(frozen=True)
class InstanceNoiseOptions:
    """Initial noise level and how it decays."""

    sigma: float = 0.1  # standard deviation at step 0, in data units ([-1, 1])
    schedule: Literal["linear", "none"] = "linear"  # linear: anneal to 0 at the end; none: constant

    def __post_init__(self) -> None:
        if not self.sigma >= 0:
            raise ValueError(f"sigma must be 0 or positive, got {self.sigma}.")


class InstanceNoise(Stabilizer):
    name = "instance-noise"
    description = "Gaussian noise on every D input, real and fake, every scale, annealed to 0 (Sønderby et al. 2017)."
    Options = InstanceNoiseOptions
    order = 30  # d_input: the only built-in stabilizer acting there

    def sigma_at(self, info: StepInfo) -> float:
        if self.options.schedule == "linear":
            return self.options.sigma * (1.0 - info.progress)
        return self.options.sigma

    def d_input(self, x: torch.Tensor, info: StepInfo) -> torch.Tensor:
        sigma = self.sigma_at(info)
        if sigma <= 0:
            return x
        # Drawn on the device from the global RNG (saved in checkpoints): no host sync.
        return x + sigma * torch.randn_like(x)
