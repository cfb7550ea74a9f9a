"""The Loss contract: the adversarial objective, its targets and its regularizers.

The engine calls ``d_loss``/``g_loss`` on logits and runs backward itself. Penalties (a
gradient penalty, R1) are evaluated every ``interval`` steps and scaled by the interval ("lazy
regularization", Karras et al. 2020). A penalty may run its own discriminator pass, or read the
outputs of the loss's own pass (``PenaltyInputs.real_out``/``fake_out``) at no extra cost.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from ganbench.contracts.architecture import Discriminator, DOutput, Generator, Images
from ganbench.contracts.component import Component
from ganbench.contracts.penalty import Penalty  # here too: its inputs are defined below


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
    """What a D penalty may look at: the discriminator, this step's D inputs (after ``d_input``), and
    D's outputs on them from the loss's own pass, with their graph: reading ``real_out``/``fake_out``
    costs no extra D pass and sees exactly what the loss saw, dropout and noise included (LeCam)."""

    discriminator: Discriminator
    real: Images
    fake: Images  # detached from G
    y_real: torch.Tensor | None
    y_fake: torch.Tensor | None
    step: int
    real_out: DOutput | None = None  # D(real) of the loss's pass, with graph; None outside the engine
    fake_out: DOutput | None = None  # D(fake) of the loss's pass, with graph (to D only: fake is detached)
    generator: Generator | None = None  # for penalties that draw more fakes (latent consistency)
    z: torch.Tensor | None = None  # the latent vectors ``fake`` was generated from


@dataclasses.dataclass
class GPenaltyInputs:
    """What a G penalty may look at, in G's update: the models, the latent vectors, the fakes as G made
    them (before ``d_input``, with graph to G) and D's output on them (after ``d_input``, with graph)."""

    generator: Generator
    discriminator: Discriminator
    z: torch.Tensor
    y: torch.Tensor | None
    fake: Images
    fake_out: DOutput
    step: int


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
