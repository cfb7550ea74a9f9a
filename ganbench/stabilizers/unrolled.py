"""Unrolled GANs: Metz, Poole, Pfau & Sohl-Dickstein (2017), "Unrolled Generative Adversarial
Networks", ICLR 2017.

G is trained against the discriminator it would face k D updates from now, and differentiates
through those updates: its loss is f(theta_G, theta_D^k) with theta_D^{i+1} = theta_D^i + the
optimizer's update for D's loss at theta_D^i (section 2.2). A generator that piles onto the
mode D currently favours sees that D will punish it there a few steps later, which spreads it
out over the modes; with k = 0 it is the plain GAN step.

The lookahead here follows the paper's setting (its 2-D experiments unroll the Adam optimizer
that trains D, differentiably):
- the update is Adam's, with D's own learning rate, betas and epsilon, and starts from a copy of
  D's optimizer state (first and second moments, step count), so the lookahead takes the steps
  that D's optimizer would take; the copies are thrown away, D itself is not changed;
- every lookahead step uses this step's real batch (from its last D update) and G's fakes of the
  G update (with graph to G), as the paper's code feeds one batch through the unrolled graph;
- the objective is the loss's D terms (real and fake), with the D targets of this step, plus the
  auxiliary class loss when D has a classifier (ACGAN), as in D's own update; a parameter that
  objective does not reach is left where it is;
- the gradient through the lookahead keeps its second-order terms (create_graph).
D's buffers (batch-norm statistics) are copied too, so the lookahead leaves no trace in D.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Sequence

import torch
import torch.nn.functional as F
from torch.func import functional_call

from ganbench.errors import Incompatible
from ganbench.contracts.stabilizer import Critic, CriticInputs, Stabilizer, StepInfo

if TYPE_CHECKING:
    from ganbench.contracts.architecture import Architecture
    from ganbench.data.spec import DataSpec
    from ganbench.contracts.loss import Loss

# A floor under Adam's second moment inside the square root: sqrt has an infinite slope at 0,
# which turns a parameter with no gradient yet into NaN in G's gradient. Its square root (1e-15)
# is far below Adam's epsilon, so the update's value is unchanged in float32.
SECOND_MOMENT_FLOOR = 1e-30


@dataclasses.dataclass(frozen=True)
class UnrolledOptions:
    """The number of lookahead steps."""

    k: int = 5  # D updates G looks ahead through (Metz et al.: 5 to 10 on the 2-D mixtures; 0 = plain GAN)

    def __post_init__(self) -> None:
        if self.k < 0:
            raise ValueError(f"k must be 0 (no lookahead) or a positive integer, got {self.k}.")


@dataclasses.dataclass
class AdamState:
    """Copies of Adam's moments for one parameter, and the steps taken; tensors with graph after
    the first lookahead step."""

    exp_avg: torch.Tensor
    exp_avg_sq: torch.Tensor
    step: float


def adam_states(optimizer: torch.optim.Optimizer, parameters: dict[str, torch.Tensor]) -> dict[str, AdamState]:
    """Detached copies of ``optimizer``'s Adam state for each named parameter (zeros before its first step)."""
    states = {}
    for name, parameter in parameters.items():
        state = optimizer.state.get(parameter, {})
        if "exp_avg" in state:
            states[name] = AdamState(state["exp_avg"].detach().clone(), state["exp_avg_sq"].detach().clone(),
                                     float(state["step"]))
        else:
            states[name] = AdamState(torch.zeros_like(parameter), torch.zeros_like(parameter), 0.0)
    return states


def adam_step(parameter: torch.Tensor, gradient: torch.Tensor, state: AdamState, lr: float,
              betas: tuple[float, float], eps: float) -> tuple[torch.Tensor, AdamState]:
    """One Adam update (Kingma & Ba 2015, as torch.optim.Adam computes it), differentiable in
    ``parameter``, ``gradient`` and ``state``."""
    beta1, beta2 = betas
    step = state.step + 1
    exp_avg = beta1 * state.exp_avg + (1 - beta1) * gradient
    exp_avg_sq = beta2 * state.exp_avg_sq + (1 - beta2) * gradient * gradient
    corrected_avg = exp_avg / (1 - beta1 ** step)
    corrected_sq = exp_avg_sq / (1 - beta2 ** step)
    denominator = corrected_sq.clamp_min(SECOND_MOMENT_FLOOR).sqrt() + eps
    return parameter - lr * corrected_avg / denominator, AdamState(exp_avg, exp_avg_sq, step)


def optimizer_hyperparameters(optimizer: torch.optim.Optimizer) -> tuple[float, tuple[float, float], float]:
    """(lr, betas, eps) of D's Adam, read from its first parameter group."""
    group = optimizer.param_groups[0]
    return float(group["lr"]), tuple(group["betas"]), float(group["eps"])


def unroll(inputs: CriticInputs, k: int) -> dict[str, torch.Tensor]:
    """D's parameters after ``k`` differentiable Adam steps on its loss, starting from D's weights and
    a copy of its optimizer state; the result depends on G through ``inputs.fake``."""
    discriminator = inputs.discriminator
    parameters = {name: p.detach().requires_grad_(True) for name, p in discriminator.named_parameters()}
    buffers = {name: b.detach().clone() for name, b in discriminator.named_buffers()}
    states = adam_states(inputs.optimizer, dict(discriminator.named_parameters()))
    lr, betas, eps = optimizer_hyperparameters(inputs.optimizer)
    for _ in range(k):
        real_out = functional_call(discriminator, {**parameters, **buffers}, (inputs.real, inputs.y_real))
        fake_out = functional_call(discriminator, {**parameters, **buffers}, (inputs.fake, inputs.y_fake))
        loss_real, loss_fake = inputs.loss.d_loss(real_out.logits.float(), fake_out.logits.float(), inputs.targets)
        objective = loss_real + loss_fake + auxiliary_loss(real_out, inputs.y_real) + \
            auxiliary_loss(fake_out, inputs.y_fake)
        names = list(parameters)
        # A parameter D's loss does not reach gets no gradient; Adam then sees a zero, as torch.optim would not
        # step it at all, but such a parameter does not change what G is judged by either.
        gradients = torch.autograd.grad(objective, [parameters[n] for n in names], create_graph=True,
                                        allow_unused=True)
        for name, gradient in zip(names, gradients):
            if gradient is None:
                continue
            parameters[name], states[name] = adam_step(parameters[name], gradient, states[name], lr, betas, eps)
    return {**parameters, **buffers}


def auxiliary_loss(out, labels: torch.Tensor | None) -> torch.Tensor | float:
    """ACGAN's class cross-entropy, part of D's objective when D has an auxiliary classifier, as in
    D's own update (Odena et al. 2017)."""
    if out.class_logits is None or labels is None:
        return 0.0
    return F.cross_entropy(out.class_logits.float(), labels)


class Unrolled(Stabilizer):
    name = "unrolled"
    description = "Unrolled GAN (Metz et al. 2017): G differentiates through k Adam steps of D's lookahead."
    Options = UnrolledOptions
    order = 85  # g_critic only

    def check(self, loss: "Loss", architecture: "Architecture", spec: "DataSpec",
              others: Sequence[Stabilizer]) -> None:
        """Refuse what the lookahead would leave out or get wrong: penalties, D weight changes after the
        optimizer step (a loss's clipping), reparametrised D weights (spectral norm)."""
        if self.options.k == 0:
            return
        if loss.penalties() or architecture.penalties(spec):
            owner = f"loss {loss.name!r}" if loss.penalties() else f"architecture {architecture.name!r}"
            raise Incompatible(f"stabilizer 'unrolled' looks ahead through D's loss without penalties, but {owner} "
                               f"adds a penalty to D's loss; use a loss and architecture without one.")
        if _changes_d_after_step(loss):
            raise Incompatible(f"stabilizer 'unrolled' looks ahead through Adam's update alone, but loss {loss.name!r} "
                               f"changes D's weights after each step (clipping); use another loss.")
        for other in others:
            clash = _clash_with(other)
            if clash:
                raise Incompatible(f"stabilizer 'unrolled' cannot be combined with {other.name!r}: {clash}.")

    def g_critic(self, inputs: CriticInputs, info: StepInfo) -> Critic | None:
        if self.options.k == 0:
            return None  # the plain step, untouched
        weights = unroll(inputs, self.options.k)
        discriminator = inputs.discriminator
        return lambda x, y: functional_call(discriminator, weights, (x, y))


def _changes_d_after_step(loss: "Loss") -> bool:
    from ganbench.contracts.loss import Loss
    return type(loss).after_d_step is not Loss.after_d_step


def _clash_with(other: Stabilizer) -> str | None:
    """Why ``other`` cannot join an unrolled lookahead, or None."""
    if other.penalties():
        return "its penalty joins D's loss, and the lookahead steps D's loss without penalties"
    if other.name == "spectral-norm":
        return "D's weights are reparametrised, and the lookahead steps the raw parameters"
    return None
