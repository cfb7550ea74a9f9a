"""``diffaug``: Differentiable Augmentation, Zhao, Liu, Lin, Zhu & Han (2020), "Differentiable
Augmentation for Data-Efficient GAN Training": the same random, differentiable transforms on real
and fake D inputs. This one does two of the paper's: brightness and translation."""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

from ganbench.errors import Incompatible
from ganbench.stabilizer import Stabilizer, StepInfo


@dataclasses.dataclass(frozen=True)
class DiffAugmentOptions:
    translation: float = 0.125  # largest shift as a share of the side (the paper's 1/8)
    brightness: float = 0.5  # largest change of brightness

    def __post_init__(self):
        if not 0 <= self.translation <= 0.5 or self.brightness < 0:
            raise ValueError(f"translation must be in [0, 0.5] and brightness 0 or more, got "
                             f"{self.translation} and {self.brightness}.")


class DiffAugment(Stabilizer):
    name = "diffaug"
    description = "DiffAugment (Zhao et al. 2020): brightness and translation of real and fake D inputs."
    Options = DiffAugmentOptions
    order = 20

    def check(self, loss, architecture, spec, others):
        if spec.kind != "image":
            raise Incompatible(f"stabilizer {self.name!r} augments images, but dataset {spec.name!r} is vector data.")

    def d_input(self, x: torch.Tensor, info: StepInfo) -> torch.Tensor:
        batch = x.shape[0]
        shift = (torch.rand(batch, 1, 1, 1, device=x.device) - 0.5) * 2 * self.options.brightness
        x = x + shift
        side = x.shape[-1]
        most = int(side * self.options.translation)
        if most == 0:
            return x
        dx, dy = (int(v) for v in torch.randint(-most, most + 1, (2,)))
        padded = F.pad(x, (most, most, most, most))
        return padded[..., most + dy:most + dy + side, most + dx:most + dx + side]
