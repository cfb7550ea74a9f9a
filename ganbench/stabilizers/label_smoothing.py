"""One-sided label smoothing: Salimans et al. (2016), "Improved Techniques for Training GANs",
NeurIPS 2016, section 3.4.

The discriminator's target for real samples becomes 0.9 instead of 1, so that it is not
rewarded for ever more confident logits on the real data. The paper smooths only the real
side: smoothing the fake target too rewards D for putting probability where the data has
none. The two-sided variant is kept as an option because the reports this tool serves used it.
"""

from __future__ import annotations

import dataclasses

from ganbench.contracts.loss import Targets
from ganbench.contracts.stabilizer import StepInfo
from ganbench.stabilizers.targets import TargetStabilizer


@dataclasses.dataclass(frozen=True)
class LabelSmoothingOptions:
    """The smoothed targets."""

    real: float = 0.9  # target for real samples (Salimans et al.: 0.9)
    two_sided: bool = False  # also smooth the fake target, to ``fake``
    fake: float = 0.1  # target for fake samples, used only when two_sided

    def __post_init__(self) -> None:
        if not 0 < self.real <= 1:
            raise ValueError(f"real must be in (0, 1], got {self.real}.")
        if not 0 <= self.fake < 1:
            raise ValueError(f"fake must be in [0, 1), got {self.fake}.")
        if self.two_sided and self.fake >= self.real:
            raise ValueError(f"fake ({self.fake}) must be below real ({self.real}).")


class LabelSmoothing(TargetStabilizer):
    name = "label-smoothing"
    description = "One-sided label smoothing (Salimans et al. 2016): real target 0.9; option two_sided."
    Options = LabelSmoothingOptions
    order = 40  # targets: smooth first, so that a later flip swaps the smoothed values

    def targets(self, targets: Targets, info: StepInfo) -> Targets:
        # An affine map of [0, 1] onto [low, real]: 1 -> real, 0 -> low, per sample, so that it
        # composes with any stabilizer that changed the targets before it.
        low = self.options.fake if self.options.two_sided else 0.0
        scale = self.options.real - low
        return Targets(real=targets.real * scale + low, fake=targets.fake * scale + low)
