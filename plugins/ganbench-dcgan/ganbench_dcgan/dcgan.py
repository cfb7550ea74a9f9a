"""DCGAN: Radford, Metz & Chintala (2016), "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR 2016.

The generator and discriminator, put together from the paper's building blocks in
``ganbench_dcgan.blocks`` (which lists the paper's guidelines they follow): the generator is
``blocks`` (a 4x4 projection of z, then doubling transposed convolutions) and ``to_image``; the
discriminator is ``body`` (``from_image``, then halving convolutions down to 4x4) and ``to_logit``.
Other architectures build on the same blocks and the same names: ``msg`` is these two nets plus
multi-scale links.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import torch

from ganbench.api import (Architecture, BuildRequest, DataSpec, Discriminator, DOutput, Generator, Incompatible,
                          added_later)
from ganbench_dcgan.blocks import (SMALLEST_SIDE, DNorm, DownsamplingTrunk, GNorm, check_square_power_of_two,
                                   generator_blocks, hidden_widths, init_as_in_dcgan, logit_layer, require_widths,
                                   resolve_d_norm, to_image_layer)


@dataclasses.dataclass(frozen=True)
class DCGANOptions:
    """Widths, activation, norms and kernel size of a DCGAN."""

    base_channels: int = 64  # width next to the image: G's last hidden layer, D's first layer
    max_channels: int = 512  # cap on the widths near the 4x4 map
    g_activation: Literal["relu", "leaky", "selu"] = "relu"  # the paper uses ReLU
    # auto: batch norm, or layer norm when a gradient penalty needs a per-sample critic
    d_norm: DNorm = "auto"
    wide_kernel: bool = False  # kernel 8 at G's output and D's input, as in the 128 px experiments
    # batch: the paper's; none: no norm in G (the ablation of the paper's section 3 claim). Added
    # later: at its default it stays out of config.json and the run id, so earlier runs keep theirs.
    g_norm: GNorm = added_later("batch")

    def __post_init__(self) -> None:
        require_widths(self.base_channels, self.max_channels)


def refuse_labels(architecture: str, request: BuildRequest) -> None:
    """Unconditional architectures have no input for class labels."""
    if request.conditional:
        raise Incompatible(f"architecture {architecture!r} is unconditional; use cgan or acgan for class labels.")


class DCGANGenerator(Generator):
    """z -> 4x4 map -> doubling transposed convolutions (``blocks``) -> ``to_image`` -> tanh image."""

    def __init__(self, request: BuildRequest, options: DCGANOptions) -> None:
        super().__init__()
        self.latent_dim = request.latent_dim
        spec = request.spec
        widths = hidden_widths(spec.resolution, options.base_channels, options.max_channels)
        self.blocks = generator_blocks(self.latent_dim, widths, options.g_activation, options.g_norm)
        self.to_image = to_image_layer(widths[-1], spec.channels, options.wide_kernel)
        self.apply(init_as_in_dcgan)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return torch.tanh(self.to_image(self.blocks(z.reshape(z.shape[0], self.latent_dim, 1, 1))))


class DCGANDiscriminator(Discriminator):
    """Image -> ``body`` (``from_image``, then halving strided convolutions) -> 4x4 features -> neck
    -> ``to_logit``, a 4x4 convolution to one logit."""

    def __init__(self, request: BuildRequest, options: DCGANOptions, norm: str) -> None:
        super().__init__(request.neck)
        spec = request.spec
        widths = hidden_widths(spec.resolution, options.base_channels, options.max_channels)[::-1]
        self.body = DownsamplingTrunk(spec.channels, widths, norm, options.wide_kernel)
        # The neck may add channels (minibatch-std), so the head is sized by it.
        self.to_logit = logit_layer(self.neck.out_channels(self.body.out_channels))
        # Only our own layers: the neck belongs to the stabilizers that made it.
        self.to_logit.apply(init_as_in_dcgan)

    def features(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        return self.body(x)

    def head(self, h: torch.Tensor, y: torch.Tensor | None) -> DOutput:
        return DOutput(self.to_logit(h).flatten())


class DCGAN(Architecture):
    """The DCGAN generator and discriminator for square images of 8, 16, 32, ... px."""

    name = "dcgan"
    description = "Deep convolutional GAN (Radford et al. 2016): strided convolutions, batch norm, 4x4 bottleneck."
    data_kinds = ("image",)
    min_resolution = 2 * SMALLEST_SIDE
    Options = DCGANOptions

    def check(self, spec: DataSpec) -> None:
        super().check(spec)
        check_square_power_of_two(self.name, spec)

    def build(self, request: BuildRequest) -> tuple[DCGANGenerator, DCGANDiscriminator]:
        refuse_labels(self.name, request)
        norm = resolve_d_norm(self.name, self.options.d_norm, request.batch_norm_in_d)
        return DCGANGenerator(request, self.options), DCGANDiscriminator(request, self.options, norm)
