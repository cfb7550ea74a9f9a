"""Differentiable Augmentation: Zhao, Liu, Lin, Zhu & Han (2020), "Differentiable Augmentation for
Data-Efficient GAN Training", NeurIPS 2020.

With little data, D memorises the real images and its feedback to G collapses. Augmenting only
the reals makes G reproduce the augmentations; DiffAugment applies the same random, differentiable
transforms T to real and fake images alike, in D's update (D(T(x)), D(T(G(z)))) and in G's
(D(T(G(z)))), so G is trained through T and never learns to make augmented images.

The paper's three families, each applied to every sample:
- ``color``: brightness + U(-0.5, 0.5), saturation x U(0, 2), contrast x U(0.5, 1.5);
- ``translation``: a whole-pixel shift of up to 1/8 of the side in each direction, zero padded;
- ``cutout``: a square of half the side, centred anywhere in the image, set to zero.
A multi-scale input gets one draw for all of its scales (the same shift and the same hole as
shares of the side), through the ``d_input_all`` point.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Sequence

import torch

from ganbench.contracts.architecture import Images, finest, map_images
from ganbench.contracts.stabilizer import Stabilizer, StepInfo
from ganbench.stabilizers import augment

if TYPE_CHECKING:
    from ganbench.contracts.architecture import Architecture
    from ganbench.data.spec import DataSpec
    from ganbench.contracts.loss import Loss

FAMILIES = ("color", "translation", "cutout")


@dataclasses.dataclass(frozen=True)
class DiffAugmentOptions:
    """Which transforms, and how strong."""

    policy: str = "color,translation,cutout"  # comma-separated subset of color, translation, cutout
    translation: float = 0.125  # largest shift, as a share of the side (the paper's 1/8)
    cutout: float = 0.5  # side of the cut-out square, as a share of the side (the paper's 1/2)

    def __post_init__(self) -> None:
        unknown = [family for family in self.families() if family not in FAMILIES]
        if unknown or not self.families():
            raise ValueError(f"policy must list some of {', '.join(FAMILIES)}, separated by commas, got {self.policy!r}.")
        if not 0 <= self.translation <= 0.5:
            raise ValueError(f"translation must be in [0, 0.5], got {self.translation}.")
        if not 0 <= self.cutout <= 1:
            raise ValueError(f"cutout must be in [0, 1], got {self.cutout}.")

    def families(self) -> list[str]:
        return [family.strip() for family in self.policy.split(",") if family.strip()]


class DiffAugment(Stabilizer):
    name = "diffaug"
    description = "DiffAugment (Zhao et al. 2020): color, translation, cutout on real and fake D inputs, differentiably."
    Options = DiffAugmentOptions
    order = 24  # d_input: augment the clean images, before instance noise

    def check(self, loss: "Loss", architecture: "Architecture", spec: "DataSpec",
              others: Sequence[Stabilizer]) -> None:
        """Refuse vector data and a second augmentation pipeline."""
        augment.refuse_vectors(self.name, spec)
        augment.refuse_second_augmentation(self.name, others)

    def d_input_all(self, images: Images, info: StepInfo) -> Images:
        reference = finest(images)
        batch, device = reference.shape[0], reference.device
        # One draw per sample for every scale; drawn from the global RNG (checkpointed), on the device.
        for family in self.options.families():
            draw = getattr(self, f"draw_{family}")(batch, device)
            images = map_images(images, lambda x, f=getattr(self, f"apply_{family}"), d=draw: f(x, d))
        return images

    def draw_color(self, batch: int, device: torch.device) -> tuple[torch.Tensor, ...]:
        uniform = torch.rand(3, batch, device=device)
        return uniform[0] - 0.5, uniform[1] * 2, uniform[2] + 0.5

    def apply_color(self, x: torch.Tensor, draw) -> torch.Tensor:
        offset, saturation, contrast = draw
        return augment.contrast(augment.saturation(augment.brightness(x, offset), saturation), contrast)

    def draw_translation(self, batch: int, device: torch.device) -> tuple[torch.Tensor, ...]:
        return tuple((torch.rand(2, batch, device=device) * 2 - 1) * self.options.translation)

    def apply_translation(self, x: torch.Tensor, draw) -> torch.Tensor:
        return augment.translate(x, draw[0], draw[1], padding="zeros")

    def draw_cutout(self, batch: int, device: torch.device) -> tuple[torch.Tensor, ...]:
        return tuple(torch.rand(2, batch, device=device))

    def apply_cutout(self, x: torch.Tensor, draw) -> torch.Tensor:
        return augment.cutout(x, draw[0], draw[1], self.options.cutout)
