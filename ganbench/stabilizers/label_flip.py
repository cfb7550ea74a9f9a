"""Label flipping ("noisy labels"): each sample's real/fake target is swapped with a small
probability, so that the discriminator can never be fully certain and keeps passing a
gradient to the generator.

No paper introduced it; the usual reference is the list of tricks by Chintala, Denton,
Arjovsky & Mathieu (2016), "How to Train a GAN?" (github.com/soumith/ganhacks, "use soft
and noisy labels"), the companion of Salimans et al. (2016) on label smoothing.
"""

from __future__ import annotations

import dataclasses

import torch

from ganbench.contracts.loss import Targets
from ganbench.contracts.stabilizer import StepInfo
from ganbench.stabilizers.targets import TargetStabilizer


@dataclasses.dataclass(frozen=True)
class LabelFlipOptions:
    """The share of flipped targets."""

    p: float = 0.05  # probability that one sample's target is swapped

    def __post_init__(self) -> None:
        # At 0.5 the targets carry no information; above it they mean the opposite.
        if not 0 <= self.p < 0.5:
            raise ValueError(f"p must be in [0, 0.5), got {self.p}.")


class LabelFlip(TargetStabilizer):
    name = "label-flip"
    description = "Swap the real/fake targets of a random share p of samples (noisy labels)."
    Options = LabelFlipOptions
    order = 45  # targets: after label smoothing, so a flipped sample gets the other smoothed value

    def targets(self, targets: Targets, info: StepInfo) -> Targets:
        # Drawn on the device from the global RNG (saved in checkpoints): no host sync.
        flip_real = torch.rand(targets.real.shape, device=targets.real.device) < self.options.p
        flip_fake = torch.rand(targets.fake.shape, device=targets.fake.device) < self.options.p
        return Targets(real=torch.where(flip_real, targets.fake, targets.real),
                       fake=torch.where(flip_fake, targets.real, targets.fake))
