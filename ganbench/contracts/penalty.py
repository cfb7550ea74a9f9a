"""An extra loss term with its interval: what a loss, an architecture and a stabilizer may add.

It sits below the three contracts that return it (``Loss.penalties``, ``Architecture.penalties``,
``Stabilizer.penalties``) so that none of them imports another for it. Lazy regularization, a
penalty computed every ``interval`` steps and scaled by the interval, is Karras et al. 2020
("Analyzing and Improving the Image Quality of StyleGAN"). What ``compute`` receives,
PenaltyInputs and GPenaltyInputs, lives with the Loss contract.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Literal

import torch


@dataclasses.dataclass
class Penalty:
    """An extra loss term, evaluated every ``interval`` steps and scaled by the interval.

    ``target`` says whose loss it joins: the discriminator's (gradient penalties, R1; ``compute`` takes
    PenaltyInputs) or the generator's (StyleGAN2's path length, ``Stabilizer.g_penalties``; ``compute``
    takes GPenaltyInputs). A generator penalty is trained on but kept out of the logged ``g_loss``."""

    name: str
    compute: Callable[[Any], torch.Tensor]
    interval: int = 1
    target: Literal["discriminator", "generator"] = "discriminator"
