"""An exponential moving average of the generator's weights, used for samples and evaluation.

Yazıcı, Foo, Winkler, Yap, Piliouras & Chandrasekhar (2019), "The Unusual Effectiveness of
Averaging in GAN Training", ICLR 2019; used by Karras et al. (2018, 2019) for every reported
result. After each generator step, ema = beta * ema + (1 - beta) * weights for the parameters;
buffers (batch-norm running statistics) are copied as they are. The averaged copy is what the
sample grids and the evaluators see; training still uses the raw generator. The average is in
the checkpoint, so that a resumed run continues it exactly.

A fixed beta of 0.999 has a half-life of 693 steps: after 300 steps 74% of the average is still
the initial, untrained weights, and short runs would be evaluated on a generator that is mostly
noise. Karras et al. (2020), "Training Generative Adversarial Networks with Limited Data"
(StyleGAN2-ADA, ``ema_rampup`` in its training loop), let the half-life grow with training: it is
``rampup`` times the images seen so far, capped at the half-life of ``beta``. With a constant
batch size, images cancel and the half-life at step t is min(H, rampup * (t + 1)) steps, where
H = ln 0.5 / ln beta, and beta_t = 0.5 ** (1 / that). StyleGAN2-ADA's default ramp-up is 0.05;
``rampup=0`` turns it off (a constant beta, the behaviour before). A documented alternative
with the same purpose is beta_t = min(beta, (1 + t) / (10 + t)) (TensorFlow's
``ExponentialMovingAverage`` with ``num_updates``); ganbench does not use it.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from typing import TYPE_CHECKING, Sequence

import torch

from ganbench.contracts.architecture import Discriminator, Generator
from ganbench.contracts.stabilizer import Stabilizer, StepInfo

if TYPE_CHECKING:
    from ganbench.contracts.architecture import Architecture
    from ganbench.data.spec import DataSpec
    from ganbench.contracts.loss import Loss


@dataclasses.dataclass(frozen=True)
class EMAOptions:
    """The decay of the average and its warm-up."""

    beta: float = 0.999  # weight of the old average at each step, once warmed up; 1 - beta goes to the new weights
    rampup: float = 0.05  # half-life as a share of the images seen so far (StyleGAN2-ADA); 0: constant beta

    def __post_init__(self) -> None:
        if not 0 < self.beta < 1:
            raise ValueError(f"beta must be in (0, 1), got {self.beta}.")
        if self.rampup < 0:
            raise ValueError(f"rampup must be 0 (no warm-up) or positive, got {self.rampup}.")


def ramped_beta(beta: float, rampup: float, step: int) -> float:
    """The decay at 0-based ``step``: half-life min(H(beta), rampup * (step + 1)) steps (StyleGAN2-ADA)."""
    if rampup == 0:
        return beta
    half_life = min(math.log(0.5) / math.log(beta), rampup * (step + 1))
    return 0.5 ** (1 / half_life)


class EMA(Stabilizer):
    name = "ema"
    description = ("Exponential moving average of G's weights, used for samples and evaluation "
                   "(beta 0.999, StyleGAN2-ADA ramp-up 0.05).")
    Options = EMAOptions
    order = 90  # parametrize: last, so that the copy has every change other stabilizers made to G

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.average: Generator | None = None

    def check(self, loss: "Loss", architecture: "Architecture", spec: "DataSpec",
              others: Sequence[Stabilizer]) -> None:
        """Works with every loss and architecture. Given twice it would keep two averages of one
        generator; the engine refuses every stabilizer given twice before this is called."""

    def parametrize(self, generator: Generator, discriminator: Discriminator) -> None:
        self.average = copy.deepcopy(generator).requires_grad_(False)

    @torch.no_grad()
    def after_g_step(self, generator: Generator, info: StepInfo) -> None:
        average = self.average_beside(generator)
        averaged = list(average.parameters())
        beta = ramped_beta(self.options.beta, self.options.rampup, info.step)
        torch._foreach_lerp_(averaged, [p.detach() for p in generator.parameters()], 1.0 - beta)
        for kept, current in zip(average.buffers(), generator.buffers()):
            kept.copy_(current)

    def average_beside(self, generator: Generator) -> Generator:
        """The average, on the device of ``generator`` (the engine moves G after parametrize)."""
        assert self.average is not None, "parametrize() makes the average before the first step"
        device = next(generator.parameters()).device
        if next(self.average.parameters()).device != device:
            self.average.to(device)
        return self.average

    def sampling_generator(self, generator: Generator) -> Generator | None:
        return self.average_beside(generator)

    def state_dict(self) -> dict:
        return {"average": self.average.state_dict()} if self.average is not None else {}

    def load_state_dict(self, state: dict) -> None:
        if "average" in state and self.average is not None:
            self.average.load_state_dict(state["average"])
