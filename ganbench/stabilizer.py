"""The Stabilizer contract: small training tricks that act at named points of the step.

The engine calls every stabilizer at each point, in the order of ``order`` (then the order
the user gave). The points are:

1. ``check``             refuse an impossible combination, with the reason
2. ``neck_layers``       layers inserted before D's head (dropout, noise, minibatch-std)
3. ``parametrize``       change modules once after building (spectral norm)
4. ``optimizer_settings`` change learning rates (TTUR)
5. ``d_input``           transform every D input, real and fake, every scale (instance noise)
6. ``targets``           change the real/fake targets (label smoothing, flipping)
7. ``penalties``         extra D loss terms with an interval (R1)
8. ``after_d_step`` / ``after_g_step``  act after an optimizer step (EMA of G)
9. ``sampling_generator`` the generator used for samples and evaluation (EMA weights)
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Sequence

import torch
from torch import nn

from ganbench.architecture import Discriminator, Generator
from ganbench.component import Component
from ganbench.loss import OptimizerSettings, Penalty, Targets

if TYPE_CHECKING:
    from ganbench.architecture import Architecture
    from ganbench.data.spec import DataSpec
    from ganbench.loss import Loss


@dataclasses.dataclass(frozen=True)
class StepInfo:
    """Where the run is: the step (0-based) and the total number of steps."""

    step: int
    total: int

    @property
    def progress(self) -> float:
        return self.step / max(self.total, 1)


class Stabilizer(Component):
    """A composable training trick. Override only the points it acts at."""

    order: int = 50  # lower acts first at each point

    @classmethod
    def kind_label(cls) -> str:
        return "stabilizer"

    def check(self, loss: "Loss", architecture: "Architecture", spec: "DataSpec",
              others: Sequence["Stabilizer"]) -> None:
        """Raise Incompatible when this stabilizer cannot work in this combination."""

    def neck_layers(self) -> list[nn.Module]:
        return []

    def parametrize(self, generator: Generator, discriminator: Discriminator) -> None:
        pass

    def optimizer_settings(self, settings: OptimizerSettings) -> OptimizerSettings:
        return settings

    def d_input(self, x: torch.Tensor, info: StepInfo) -> torch.Tensor:
        return x

    def targets(self, targets: Targets, info: StepInfo) -> Targets:
        return targets

    def penalties(self) -> list[Penalty]:
        return []

    def after_d_step(self, discriminator: Discriminator, info: StepInfo) -> None:
        pass

    def after_g_step(self, generator: Generator, info: StepInfo) -> None:
        pass

    def sampling_generator(self, generator: Generator) -> Generator | None:
        """A generator to sample and evaluate with instead of the trained one, or None."""
        return None

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass
