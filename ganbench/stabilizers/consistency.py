"""Consistency regularization of the discriminator: Zhao, Singh, Lee, Zhang, Odena & Zhang (2021),
"Improved Consistency Regularization for GANs", AAAI 2021.

``cr`` is balanced consistency regularization (bCR, section 3.1): D should not care about an
augmentation T that does not change what an image is, on real and on fake images alike,

    L_D += lambda_real * E ||D(x) - D(T(x))||^2 + lambda_fake * E ||D(G(z)) - D(T(G(z)))||^2,

with lambda_real = lambda_fake = 10 and T a random translation by up to 1/8 of the side
(reflected borders) and a left-right flip, as in the paper's CIFAR-10 experiments. D(x) and
D(G(z)) come from the loss's own pass; one more D pass each gives D(T(.)). A multi-scale input
is shifted and flipped the same way at every scale.

``zcr`` is latent consistency regularization (zCR, section 3.2): a small change of z should change
D's opinion little, and G's image noticeably (the second term keeps G from collapsing onto it):

    L_D += lambda_dis * E ||D(G(z)) - D(G(z + dz))||^2,   L_G -= lambda_gen * E ||G(z) - G(z + dz)||^2,

with dz ~ N(0, sigma_noise^2), sigma_noise = 0.03, lambda_dis = 1, lambda_gen = 0.5. The squared
norms are means over samples and elements (logits; pixels of the finest scale). The D term
regenerates G(z) and G(z + dz) without gradient and compares D on both, clean of any input
transform, so that with dz = 0 the term is exactly zero; the G term is a G penalty in G's update.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Sequence

import torch

from ganbench.contracts.architecture import Images, finest, map_images
from ganbench.contracts.loss import GPenaltyInputs, Penalty, PenaltyInputs
from ganbench.contracts.stabilizer import Stabilizer
from ganbench.stabilizers import augment

if TYPE_CHECKING:
    from ganbench.contracts.architecture import Architecture, Discriminator
    from ganbench.data.spec import DataSpec
    from ganbench.contracts.loss import Loss


@dataclasses.dataclass(frozen=True)
class CROptions:
    """The weights of the two sides and the augmentation T."""

    lambda_real: float = 10.0  # weight of the real side (the paper's 10)
    lambda_fake: float = 10.0  # weight of the fake side (the paper's 10)
    translation: float = 0.125  # largest shift of T, as a share of the side; 0: no shift
    flip: bool = True  # T also flips left-right with probability 1/2
    interval: int = 1  # evaluate every this many D updates

    def __post_init__(self) -> None:
        for name in ("lambda_real", "lambda_fake"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be 0 or positive, got {getattr(self, name)}.")
        if not 0 <= self.translation <= 0.5:
            raise ValueError(f"translation must be in [0, 0.5], got {self.translation}.")
        if self.interval < 1:
            raise ValueError(f"interval must be a positive integer, got {self.interval}.")


def squared_difference(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a.float() - b.float()).pow(2).mean()


class BalancedConsistency(Stabilizer):
    name = "cr"
    description = "Balanced consistency regularization (Zhao et al. 2021): D(x) ~ D(T(x)) on real and fake, weights 10."
    Options = CROptions
    order = 74  # penalties: after r1 and lecam

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.conditional = False  # set by check: whether D takes class labels

    def check(self, loss: "Loss", architecture: "Architecture", spec: "DataSpec",
              others: Sequence[Stabilizer]) -> None:
        """Refuse vector data: T shifts and flips pictures."""
        augment.refuse_vectors(self.name, spec)
        self.conditional = architecture.uses_labels(spec)

    def penalties(self) -> list[Penalty]:
        return [Penalty("cr", self.term, interval=self.options.interval)]

    def transform(self, images: Images) -> Images:
        """T: one shift and one flip per sample, the same at every scale."""
        reference = finest(images)
        batch, device = reference.shape[0], reference.device
        shifts = (torch.rand(2, batch, device=device) * 2 - 1) * self.options.translation
        flips = (torch.rand(batch, device=device) < 0.5) & self.options.flip
        return map_images(images, lambda x: augment.flip_x(augment.translate(x, shifts[0], shifts[1], "reflect"), flips))

    def term(self, inputs: PenaltyInputs) -> torch.Tensor:
        real_labels = inputs.y_real if self.conditional else None
        fake_labels = inputs.y_fake if self.conditional else None
        total = torch.zeros((), device=finest(inputs.real).device)
        for weight, images, seen, labels in ((self.options.lambda_real, inputs.real, inputs.real_out, real_labels),
                                             (self.options.lambda_fake, inputs.fake, inputs.fake_out, fake_labels)):
            if weight:
                seen = seen if seen is not None else inputs.discriminator(images, labels)
                moved = inputs.discriminator(self.transform(images), labels)
                total = total + weight * squared_difference(seen.logits, moved.logits)
        return total


@dataclasses.dataclass(frozen=True)
class ZCROptions:
    """The perturbation of z and the weights of the D and G terms."""

    sigma_noise: float = 0.03  # standard deviation of dz (the paper's 0.03)
    lambda_dis: float = 1.0  # weight of D's term (the paper's 1)
    lambda_gen: float = 0.5  # weight of G's term (the paper's 0.5)
    interval: int = 1  # evaluate every this many steps

    def __post_init__(self) -> None:
        for name in ("sigma_noise", "lambda_dis", "lambda_gen"):
            if not getattr(self, name) >= 0:
                raise ValueError(f"{name} must be 0 or positive, got {getattr(self, name)}.")
        if self.interval < 1:
            raise ValueError(f"interval must be a positive integer, got {self.interval}.")


class LatentConsistency(Stabilizer):
    name = "zcr"
    description = "Latent consistency regularization (Zhao et al. 2021): D(G(z)) ~ D(G(z+dz)), G(z) far from G(z+dz)."
    Options = ZCROptions
    order = 75  # penalties and g_penalties: after cr

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.conditional = False  # set by check: whether G and D take class labels

    def check(self, loss: "Loss", architecture: "Architecture", spec: "DataSpec",
              others: Sequence[Stabilizer]) -> None:
        """Works with every loss, architecture and data; only remembers whether the models take labels."""
        self.conditional = architecture.uses_labels(spec)

    def penalties(self) -> list[Penalty]:
        return [Penalty("zcr", self.d_term, interval=self.options.interval)]

    def g_penalties(self) -> list[Penalty]:
        return [Penalty("zcr-g", self.g_term, interval=self.options.interval)]

    def perturbed(self, z: torch.Tensor) -> torch.Tensor:
        return z + self.options.sigma_noise * torch.randn_like(z)

    def d_term(self, inputs: PenaltyInputs) -> torch.Tensor:
        labels = inputs.y_fake if self.conditional else None
        with torch.no_grad():  # D's term trains D only
            near = inputs.generator(inputs.z, labels)
            moved = inputs.generator(self.perturbed(inputs.z), labels)
        discriminator: "Discriminator" = inputs.discriminator
        return self.options.lambda_dis * squared_difference(discriminator(near, labels).logits,
                                                            discriminator(moved, labels).logits)

    def g_term(self, inputs: GPenaltyInputs) -> torch.Tensor:
        labels = inputs.y if self.conditional else None
        moved = inputs.generator(self.perturbed(inputs.z), labels)
        return -self.options.lambda_gen * squared_difference(finest(inputs.fake), finest(moved))
