"""The Loss contract: the adversarial objective, its targets and its regularizers.

The engine calls ``d_loss``/``g_loss`` on logits and runs backward itself. Penalties (a
gradient penalty, R1) run their own discriminator pass every ``interval`` steps and are scaled
by the interval ("lazy regularization", Karras et al. 2020).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Literal

import torch

from ganbench.architecture import Discriminator, Generator, Images
from ganbench.component import Component


@dataclasses.dataclass
class Targets:
    """Per-sample targets for the discriminator: real ones and fake zeros, before stabilizers."""

    real: torch.Tensor
    fake: torch.Tensor


@dataclasses.dataclass(frozen=True)
class OptimizerSettings:
    """Adam settings and the number of D steps per G step."""

    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    n_critic: int = 1

    def replace(self, **changes: Any) -> "OptimizerSettings":
        """These settings with ``changes`` applied (the settings are frozen)."""
        return dataclasses.replace(self, **changes)


@dataclasses.dataclass
class PenaltyInputs:
    """What a penalty may look at: the discriminator and this step's D inputs.

    For a generator penalty (``Penalty.target == "generator"``) ``real`` is None, ``fake`` is
    G's batch of this step (not detached) and ``generator`` is set."""

    discriminator: Discriminator
    real: Images | None
    fake: Images  # detached from G, for a discriminator penalty
    y_real: torch.Tensor | None
    y_fake: torch.Tensor | None
    step: int
    generator: Generator | None = None


@dataclasses.dataclass
class Penalty:
    """An extra loss term, evaluated every ``interval`` steps and scaled by the interval.

    ``target`` says whose loss it joins: the discriminator's (gradient penalties, R1) or the
    generator's (StyleGAN2's path length regularization, which only an architecture declares)."""

    name: str
    compute: Callable[[PenaltyInputs], torch.Tensor]
    interval: int = 1
    target: Literal["discriminator", "generator"] = "discriminator"


class Loss(Component):
    """An adversarial loss on discriminator logits."""

    uses_targets: bool = True  # False for hinge and Wasserstein: no real/fake targets to smooth
    needs_per_sample_critic: bool = False  # gradient penalties forbid batch norm in D
    recommended: OptimizerSettings | None = None  # None: the engine's defaults

    @classmethod
    def kind_label(cls) -> str:
        return "loss"

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor,
               targets: Targets) -> tuple[torch.Tensor, torch.Tensor]:  # pragma: no cover
        """The discriminator's loss as (term on real, term on fake); the engine adds them, with any
        auxiliary class loss and the penalties due, and calls backward. Called at every D update with
        D's logits on the real and the fake batch (float32, one per sample) and the targets after the
        stabilizers' ``targets``."""
        raise NotImplementedError

    def g_loss(self, fake: torch.Tensor, targets: Targets) -> torch.Tensor:  # pragma: no cover
        """The generator's loss, from D's logits on the fake batch (after ``d_input``) and the same
        targets as this step's D update. Called once per step, after the D updates."""
        raise NotImplementedError

    def penalties(self) -> list[Penalty]:
        """The loss's own regularizers (WGAN-GP's gradient penalty), run like a stabilizer's: asked
        once at set-up, computed every ``interval`` D updates on the loss's D inputs."""
        return []

    def after_d_step(self, discriminator: Discriminator) -> None:
        """Act on D after each D optimizer step, before the stabilizers' ``after_d_step`` (weight clipping)."""
