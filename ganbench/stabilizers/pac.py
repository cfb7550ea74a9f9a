"""Packing: Lin, Khetan, Fanti & Oh (2018), "PacGAN: The power of two samples in generative
adversarial networks", NeurIPS 2018.

The discriminator judges m samples at once, all real or all fake, and gives one logit per pack.
A generator that collapses makes packs whose members look alike, which real packs do not, so D
sees mode collapse as it cannot in one sample; the paper proves that packing penalises collapse
more the larger m is.

As in the paper, a pack is m samples concatenated: along the features of vector data (m times
as many inputs) and along the channels of images (m times as many channels). The discriminator
is built for that input (its first layer widened by the architecture itself, from the packed
data spec), real and fake packs are drawn the same way (m consecutive samples of a batch of
independent draws), and the loss gets one target per pack. Packing is the last change to D's
input, after augmentation and instance noise, which act on single samples. m = 1 changes nothing.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Sequence

import torch

from ganbench.contracts.architecture import Images, map_images
from ganbench.errors import Incompatible
from ganbench.contracts.stabilizer import Stabilizer, StepInfo

if TYPE_CHECKING:
    from ganbench.contracts.architecture import Architecture
    from ganbench.data.spec import DataSpec
    from ganbench.contracts.loss import Loss

# Their penalties run D on inputs they change themselves (augmented or perturbed packs), which would
# mix the members of a pack.
SELF_FEEDING = ("cr", "zcr")


@dataclasses.dataclass(frozen=True)
class PacOptions:
    """The pack size."""

    m: int = 2  # samples per pack (PacGAN2, the paper's main setting)

    def __post_init__(self) -> None:
        if self.m < 1:
            raise ValueError(f"m must be at least 1 (1 means no packing), got {self.m}.")


def pack(x: torch.Tensor, m: int) -> torch.Tensor:
    """(B, C, ...) -> (B/m, m*C, ...): every m consecutive samples concatenated along the first
    feature axis (the features of a vector, the channels of an image)."""
    batch = x.shape[0]
    return x.reshape(batch // m, m * x.shape[1], *x.shape[2:])


def packed_spec(spec: "DataSpec", m: int) -> "DataSpec":
    """The spec of one pack: m times the features (vectors) or the channels (images)."""
    return dataclasses.replace(spec, shape=(spec.shape[0] * m, *spec.shape[1:]))


class Pac(Stabilizer):
    name = "pac"
    description = "PacGAN (Lin et al. 2018): D judges packs of m samples concatenated, one logit per pack."
    Options = PacOptions
    order = 48  # d_input: last, after augmentation and noise have acted on single samples

    def check(self, loss: "Loss", architecture: "Architecture", spec: "DataSpec",
              others: Sequence[Stabilizer]) -> None:
        """Refuse conditional models and the consistency penalties that feed D their own inputs."""
        if self.options.m > 1 and architecture.uses_labels(spec):
            raise Incompatible(f"stabilizer 'pac' packs {self.options.m} samples into one discriminator input, but "
                               f"architecture {architecture.name!r} gives D one label per sample; use an "
                               f"unconditional architecture.")
        clash = [other.name for other in others if other.name in SELF_FEEDING]
        if self.options.m > 1 and clash:
            raise Incompatible(f"stabilizer 'pac' cannot be combined with {clash[0]!r}, whose penalty runs the "
                               f"discriminator on inputs it transforms itself and would mix the samples of a pack.")

    def d_spec(self, spec: "DataSpec") -> "DataSpec":
        return packed_spec(spec, self.options.m) if self.options.m > 1 else spec

    def d_pack(self) -> int:
        return self.options.m

    def d_input_all(self, images: Images, info: StepInfo) -> Images:
        if self.options.m == 1:
            return images
        return map_images(images, lambda x: pack(x, self.options.m))
