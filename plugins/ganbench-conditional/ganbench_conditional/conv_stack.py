"""The nets both conditional architectures are built from: DCGAN's (Radford, Metz & Chintala
2016), put together from the building blocks of ``ganbench_dcgan.blocks``, with a label input.

The generator is DCGAN's on [z, embed(y)]: a learned label embedding is concatenated to z, as in
Mirza & Osindero (2014) and, for AC-GAN, Odena et al. (2017). The discriminators take DCGAN's
trunk (``ganbench_dcgan.blocks.DownsamplingTrunk``) from any number of input channels (cgan
adds label channels to the image) and add heads of their own.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from ganbench.api import Architecture, BuildRequest, DataSpec, Discriminator, Generator
from ganbench_dcgan.blocks import (SMALLEST_SIDE, DNorm, check_square_power_of_two, generator_blocks, hidden_widths,
                                   init_as_in_dcgan, require_positive, require_widths, resolve_d_norm, to_image_layer)


@dataclasses.dataclass(frozen=True)
class ConvOptions:
    """Widths and discriminator norm of a conditional DCGAN-style model."""

    base_channels: int = 64  # width next to the image: G's last hidden layer, D's first layer
    max_channels: int = 512  # cap on the widths near the 4x4 map
    embedding_dim: int = 50  # size of G's learned label embedding, concatenated to z
    # auto: batch norm, or layer norm when a gradient penalty needs a per-sample critic
    d_norm: DNorm = "auto"

    def __post_init__(self) -> None:
        require_widths(self.base_channels, self.max_channels)
        require_positive("embedding_dim", self.embedding_dim)

    def widths(self, resolution: int) -> list[int]:
        """DCGAN's hidden widths at ``resolution``, coarse to fine."""
        return hidden_widths(resolution, self.base_channels, self.max_channels)


class LabelledGenerator(Generator):
    """[z, embed(y)] -> DCGAN's 4x4 map and doubling transposed convolutions -> tanh image."""

    def __init__(self, request: BuildRequest, options: ConvOptions) -> None:
        super().__init__()
        spec = request.spec
        self.latent_dim = request.latent_dim
        self.embedding = nn.Embedding(spec.num_classes, options.embedding_dim)
        widths = options.widths(spec.resolution)
        self.blocks = generator_blocks(self.latent_dim + options.embedding_dim, widths)
        self.to_image = to_image_layer(widths[-1], spec.channels)
        self.apply(init_as_in_dcgan)  # leaves the embedding at N(0, 1), the scale of z

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        joint = torch.cat([z, self.embedding(require_labels(y))], dim=1)
        return torch.tanh(self.to_image(self.blocks(joint.reshape(joint.shape[0], -1, 1, 1))))


def require_labels(y: torch.Tensor | None) -> torch.Tensor:
    """Conditional nets cannot run without labels; say so instead of failing inside a layer."""
    if y is None:
        raise ValueError("this conditional network needs class labels y, got None.")
    return y


class LabelledConvArchitecture(Architecture):
    """What cGAN and ACGAN share: labelled square images of 8, 16, 32 ... px, the labelled DCGAN-style
    generator, and a discriminator class of their own (``discriminator``)."""

    data_kinds = ("image",)
    requires_labels = True
    min_resolution = 2 * SMALLEST_SIDE
    Options = ConvOptions
    discriminator: type[Discriminator]

    def check(self, spec: DataSpec) -> None:
        super().check(spec)
        check_square_power_of_two(self.name, spec)

    def build(self, request: BuildRequest) -> tuple[LabelledGenerator, Discriminator]:
        self.check(request.spec)
        norm = resolve_d_norm(self.name, self.options.d_norm, request.batch_norm_in_d)
        return LabelledGenerator(request, self.options), self.discriminator(request, self.options, norm)
