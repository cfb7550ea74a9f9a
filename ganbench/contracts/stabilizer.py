"""The Stabilizer contract: small training tricks that act at named points of the step.

The engine calls every stabilizer at each point, in the order of ``order`` (then the order
the user gave). The points are:

1. ``check``             refuse an impossible combination, with the reason
2. ``neck_layers``       layers inserted before D's head (dropout, noise, minibatch-std);
   ``d_spec`` / ``d_pack``  the data D is built for and how many samples it judges jointly (PacGAN)
3. ``parametrize``       change modules once after building (spectral norm)
4. ``optimizer_settings`` change learning rates (TTUR)
5. ``d_input_all``       transform every D input, real and fake, all scales at once (DiffAugment,
                         ADA); by default ``d_input`` on each scale (instance noise)
6. ``targets``           change the real/fake targets (label smoothing, flipping)
7. ``penalties``         extra D loss terms with an interval (R1, LeCam, consistency)
8. ``g_samples`` / ``g_penalties``  choose the fakes that train G (top-k), extra G loss terms;
   ``g_critic``          the discriminator that judges G's fakes (an unrolled copy of D)
9. ``after_d_step`` / ``after_g_step``  act after an optimizer step (EMA of G)
10. ``scalars``          device scalars logged with the step's (ADA's p)
11. ``sampling_generator`` the generator used for samples and evaluation (EMA weights)
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Sequence

import torch
from torch import nn

from ganbench.contracts.architecture import Architecture, Discriminator, DOutput, Generator, Images, map_images
from ganbench.contracts.component import Component
from ganbench.contracts.loss import Loss, OptimizerSettings, Targets
from ganbench.contracts.penalty import Penalty
from ganbench.data.spec import DataSpec


@dataclasses.dataclass(frozen=True)
class StepInfo:
    """Where the run is: the step (0-based) and the total number of steps."""

    step: int
    total: int

    @property
    def progress(self) -> float:
        """How far the run is, from 0 at the first step towards 1 (for annealing)."""
        return self.step / max(self.total, 1)


@dataclasses.dataclass
class CriticInputs:
    """What ``g_critic`` may use to make the discriminator that judges G's fakes: this step's D and
    its optimizer (whose state a lookahead starts from), the loss, the targets, the real input of
    the step's last D update (after ``d_input``, detached) and the fakes of G's update (after
    ``d_input``, with graph to G). Labels are None for unconditional models."""

    discriminator: Discriminator
    optimizer: torch.optim.Optimizer
    loss: "Loss"
    targets: Targets
    real: Images
    y_real: torch.Tensor | None
    fake: Images
    y_fake: torch.Tensor | None


Critic = Callable[[Images, "torch.Tensor | None"], DOutput]


class Stabilizer(Component):
    """A composable training trick. Override only the points it acts at."""

    order: int = 50  # lower acts first at each point

    @classmethod
    def kind_label(cls) -> str:
        return "stabilizer"

    def check(self, loss: "Loss", architecture: "Architecture", spec: "DataSpec",
              others: Sequence["Stabilizer"]) -> None:
        """Raise Incompatible, with the reason in one sentence, when this stabilizer cannot work with
        this loss, architecture, data or the other stabilizers. Called once, before any file exists."""

    def neck_layers(self) -> list[nn.Module]:
        """Layers to insert between D's features and its head. Called once, before the models are
        built; the architecture receives them in ``BuildRequest.neck``. A layer that adds channels
        sets ``added_channels`` (minibatch-std); layers see (B, C, H, W) or (B, F) features."""
        return []

    def d_spec(self, spec: "DataSpec") -> "DataSpec":
        """The data the discriminator is built for, from the data it would be built for (the spec as
        changed by the stabilizers before this one). A stabilizer that changes what D sees (PacGAN's
        packs of samples, concatenated) returns the spec of D's input, so that any architecture widens
        D's first layer by itself. Called once, before ``build``; the generator keeps the data's spec."""
        return spec

    def d_pack(self) -> int:
        """How many samples D judges jointly, in one output (PacGAN's m); 1 for one output per sample.
        The engine refuses a batch that is not a multiple of it and gives the loss one target per
        pack. Called once at set-up."""
        return 1

    def parametrize(self, generator: Generator, discriminator: Discriminator) -> None:
        """Change the built models in place (spectral norm). Called once, right after ``build`` and
        before the models move to the device and the optimizers are made."""

    def optimizer_settings(self, settings: OptimizerSettings) -> OptimizerSettings:
        """Return changed optimizer settings (TTUR). Called once with the loss's recommendation (or
        DCGAN's defaults) as changed by the stabilizers before this one; learning rates, betas and
        n_critic that the user set explicitly win over the result."""
        return settings

    def d_input(self, x: torch.Tensor, info: StepInfo) -> torch.Tensor:
        """Transform one D input batch (instance noise). Called at every D forward pass: the real
        batch after ``prepare_real``, the detached fake batch in D's update and the fake batch in G's
        update (so gradients reach G through it); for multi-scale models once per scale. Penalties
        see the transformed inputs. ``d_input_all`` calls it; a stabilizer that overrides
        ``d_input_all`` need not implement it."""
        return x

    def d_input_all(self, images: Images, info: StepInfo) -> Images:
        """Transform one whole D input: a batch, or every scale of a multi-scale batch (coarse to fine)
        at once, so that one random augmentation (the same shift, the same cutout) can be applied to
        every scale consistently (DiffAugment, ADA). Called at every D forward pass, where ``d_input``
        is described: the real batch after ``prepare_real``, the detached fakes in D's update and the
        fakes in G's update, with graph, so it must be differentiable for gradients to reach G. The
        default calls ``d_input`` on each scale, so a stabilizer written for ``d_input`` is unchanged."""
        return map_images(images, lambda x: self.d_input(x, info))

    def targets(self, targets: Targets, info: StepInfo) -> Targets:
        """Return changed real/fake targets (label smoothing, flipping). Called at every D update with
        the targets as changed by the stabilizers before this one (ones and zeros to start); the
        loss's ``d_loss`` and ``g_loss`` receive the result."""
        return targets

    def penalties(self) -> list[Penalty]:
        """Extra D loss terms (R1). Asked once at set-up; each penalty's ``compute`` is then called at
        every D update whose step is a multiple of its ``interval``, with the same D inputs as the
        loss (after ``d_input``) and D's outputs from the loss's own pass (``real_out``, ``fake_out``),
        and its value is multiplied by the interval (lazy regularization)."""
        return []

    def g_samples(self, fake_logits: torch.Tensor, info: StepInfo) -> torch.Tensor | None:
        """Indices of the fakes whose loss trains G (top-k), or None for all of them. Called at every
        G update with D's logits on the fakes (detached, one per sample, after the selections of the
        stabilizers before this one); the loss's ``g_loss`` then sees only the chosen logits."""
        return None

    def g_critic(self, inputs: CriticInputs, info: StepInfo) -> Critic | None:
        """A function ``(x, y) -> DOutput`` that judges G's fakes in G's update instead of D (unrolled
        GANs: D after k lookahead steps, differentiable), or None to keep D. Called at every G update
        before D's forward on the fakes; the first stabilizer that returns one wins. The chosen
        critic's outputs feed ``g_samples``, the loss's ``g_loss`` and the G penalties."""
        return None

    def g_penalties(self) -> list[Penalty]:
        """Extra G loss terms (latent consistency's G side). Asked once at set-up; each penalty's
        ``compute`` gets GPenaltyInputs at every G update whose step is a multiple of its
        ``interval``, and its value, times the interval, is added to G's loss before backward."""
        return []

    def scalars(self) -> dict[str, torch.Tensor]:
        """Named 0-d tensors (on any device) to log with the step's scalars in metrics.jsonl, averaged
        over each log window (ADA's p). Called once at set-up for the names and after every step
        for the values; the names must stay the same and must not clash with the engine's."""
        return {}

    def after_d_step(self, discriminator: Discriminator, info: StepInfo) -> None:
        """Act on D after each D optimizer step (after the loss's own ``after_d_step``)."""

    def after_g_step(self, generator: Generator, info: StepInfo) -> None:
        """Act on G after each G optimizer step (EMA of G's weights)."""

    def sampling_generator(self, generator: Generator) -> Generator | None:
        """A generator to sample and evaluate with instead of the trained one (EMA weights), or None.
        Called for every sample grid and evaluation; the first stabilizer that returns one wins."""
        return None

    def state_dict(self) -> dict:
        """The state to keep in checkpoints (EMA weights, annealing schedules): tensors and numbers
        only, since checkpoints load with ``weights_only``. Called at every checkpoint."""
        return {}

    def load_state_dict(self, state: dict) -> None:
        """Restore what ``state_dict`` returned, when a run resumes from a checkpoint."""
