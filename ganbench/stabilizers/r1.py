"""The R1 gradient penalty: Mescheder, Geiger & Nowozin (2018), "Which Training Methods for
GANs do actually Converge?", ICML 2018, section 4.1; lazy as in Karras et al. (2020),
"Analyzing and Improving the Image Quality of StyleGAN".

R1 = gamma / 2 * E_x~real [ ||grad_x D(x)||^2 ] penalises the discriminator's gradient on the
real data only, which makes the game locally convergent. It is evaluated every ``interval``
steps and the engine multiplies it by the interval, so its average weight is unchanged.
For a multi-scale discriminator the gradient is taken with respect to every scale of the
real input, and the squared norms add up.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Sequence

import torch

from ganbench.contracts.architecture import Images
from ganbench.errors import Incompatible
from ganbench.contracts.loss import Penalty, PenaltyInputs
from ganbench.contracts.stabilizer import Stabilizer

if TYPE_CHECKING:
    from ganbench.contracts.architecture import Architecture, Discriminator
    from ganbench.data.spec import DataSpec
    from ganbench.contracts.loss import Loss


@dataclasses.dataclass(frozen=True)
class R1Options:
    """Weight and laziness of the penalty."""

    gamma: float = 10.0  # Mescheder et al.: 10 for most data sets
    interval: int = 16  # evaluate every 16 D steps (Karras et al. 2020)

    def __post_init__(self) -> None:
        if not self.gamma >= 0:
            raise ValueError(f"gamma must be 0 or positive, got {self.gamma}.")
        if self.interval < 1:
            raise ValueError(f"interval must be a positive integer, got {self.interval}.")


def squared_gradient_norm(discriminator: "Discriminator", real: Images,
                          labels: torch.Tensor | None) -> torch.Tensor:
    """||grad_x D(x)||^2 per sample, summed over every scale of ``real``."""
    scales = real if isinstance(real, (list, tuple)) else [real]
    leaves = [scale.detach().requires_grad_(True) for scale in scales]
    logits = discriminator(leaves if isinstance(real, (list, tuple)) else leaves[0], labels).logits
    # create_graph: the penalty is itself trained on, so its gradient must be differentiable.
    gradients = torch.autograd.grad(logits.float().sum(), leaves, create_graph=True)
    return sum(gradient.float().pow(2).flatten(1).sum(dim=1) for gradient in gradients)


class R1(Stabilizer):
    name = "r1"
    description = "R1 gradient penalty on real data (Mescheder et al. 2018), lazy: gamma 10 every 16 steps."
    Options = R1Options
    order = 70  # penalties

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.conditional = False  # set by check: whether D takes class labels

    def check(self, loss: "Loss", architecture: "Architecture", spec: "DataSpec",
              others: Sequence[Stabilizer]) -> None:
        """Refuse a loss that already penalises R1 itself."""
        if any(penalty.name == "r1" for penalty in loss.penalties()):
            raise Incompatible(f"loss {loss.name!r} already has an R1 penalty; drop stabilizer 'r1'.")
        self.conditional = architecture.uses_labels(spec)

    def penalties(self) -> list[Penalty]:
        return [Penalty("r1", self.r1_term, interval=self.options.interval)]

    def r1_term(self, inputs: PenaltyInputs) -> torch.Tensor:
        labels = inputs.y_real if self.conditional else None
        return self.options.gamma / 2 * squared_gradient_norm(inputs.discriminator, inputs.real, labels).mean()
