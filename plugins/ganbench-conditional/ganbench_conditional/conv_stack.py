"""The convolutional nets both conditional architectures are built from, in the DCGAN style of
Radford, Metz & Chintala (2016): the generator grows a 4x4 map from its input vector with
strided transposed convolutions, the discriminator halves the image with strided convolutions
down to 4x4; batch norm, ReLU/tanh in G and LeakyReLU(0.2) in D; weights from N(0, 0.02).
Channels double each time the map halves, from ``base_channels`` next to the image up to
``max_channels``.

The generator here is conditional: a learned label embedding is concatenated to z, as in
Mirza & Osindero (2014) and, for AC-GAN, Odena et al. (2017).
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import torch
from torch import nn

from ganbench.architecture import Architecture, BuildRequest, Discriminator, Generator
from ganbench.data.spec import DataSpec
from ganbench.errors import Incompatible

SMALLEST_SIDE = 4  # both nets meet at a 4x4 map
LEAK = 0.2  # LeakyReLU slope of DCGAN's discriminator


@dataclasses.dataclass(frozen=True)
class ConvOptions:
    """Widths and discriminator norm of a conditional DCGAN-style model."""

    base_channels: int = 64  # width next to the image: G's last hidden layer, D's first layer
    max_channels: int = 512  # cap on the widths near the 4x4 map
    embedding_dim: int = 50  # size of G's learned label embedding, concatenated to z
    # auto: batch norm, or layer norm when a gradient penalty needs a per-sample critic
    d_norm: Literal["auto", "batch", "layer", "instance", "none"] = "auto"

    def __post_init__(self) -> None:
        for name in ("base_channels", "max_channels", "embedding_dim"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}.")
        if self.max_channels < self.base_channels:
            raise ValueError(f"max_channels ({self.max_channels}) must be at least "
                             f"base_channels ({self.base_channels}).")


def check_square_power_of_two(architecture: str, spec: DataSpec) -> None:
    """Refuse images these nets cannot build: not square, or a side that is not 8, 16, 32, ..."""
    height, width = spec.shape[-2], spec.shape[-1]
    if height != width:
        raise Incompatible(f"architecture {architecture!r} builds square images, but dataset {spec.name!r} "
                           f"is {height}x{width} px.")
    if width < 2 * SMALLEST_SIDE or width & (width - 1):
        raise Incompatible(f"architecture {architecture!r} doubles a 4x4 map up to the image, so it needs a power "
                           f"of two of at least 8 px (8, 16, 32, 64 ...), got {width} px.")


def hidden_sides(resolution: int) -> list[int]:
    """Sides of the hidden maps, coarse to fine: 4, 8, ..., resolution // 2."""
    sides = [SMALLEST_SIDE]
    while sides[-1] * 2 < resolution:
        sides.append(sides[-1] * 2)
    return sides


def width_at(side: int, resolution: int, options: ConvOptions) -> int:
    """Channels of the hidden map of ``side`` px, doubling with each halving of the side."""
    return min(options.base_channels * resolution // (2 * side), options.max_channels)


def init_as_in_dcgan(module: nn.Module) -> None:
    """Weights from N(0, 0.02), zero biases, norm scales from N(1, 0.02) (Radford et al. 2016).

    Label embeddings keep PyTorch's N(0, 1): the same scale as the z they are concatenated to."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d)) and module.weight is not None:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def resolve_d_norm(architecture: str, choice: str, batch_norm_allowed: bool) -> str:
    """``auto`` is batch norm, or layer norm when the loss needs a per-sample critic."""
    if choice == "auto":
        return "batch" if batch_norm_allowed else "layer"
    if choice == "batch" and not batch_norm_allowed:
        raise Incompatible(f"architecture {architecture!r} cannot use d_norm=batch with this loss: batch norm in "
                           f"the critic breaks the per-sample gradient penalty; use d_norm=layer (or instance or none).")
    return choice


def discriminator_norm(name: str, channels: int) -> list[nn.Module]:
    """The norm after a hidden discriminator layer; "layer" and "instance" act per sample."""
    if name == "batch":
        return [nn.BatchNorm2d(channels)]
    if name == "layer":
        return [nn.GroupNorm(1, channels)]  # one group: normalise over (C, H, W) of each sample
    if name == "instance":
        return [nn.InstanceNorm2d(channels, affine=True)]
    return []


def downsampling_body(in_channels: int, resolution: int, options: ConvOptions, norm: str) -> tuple[nn.Sequential, int]:
    """Image (B, in_channels, R, R) -> (B, C, 4, 4) by halving strided convolutions; returns it and C."""
    widths = [width_at(side, resolution, options) for side in reversed(hidden_sides(resolution))]
    # No norm at the input layer, as in DCGAN: normalising raw pixels made training oscillate.
    layers = [nn.Conv2d(in_channels, widths[0], kernel_size=4, stride=2, padding=1), nn.LeakyReLU(LEAK)]
    for width_in, width_out in zip(widths, widths[1:]):
        # A bias only without a norm: the norm's mean subtraction would cancel it.
        layers += [nn.Conv2d(width_in, width_out, kernel_size=4, stride=2, padding=1, bias=norm == "none"),
                   *discriminator_norm(norm, width_out), nn.LeakyReLU(LEAK)]
    return nn.Sequential(*layers), widths[-1]


class LabelledGenerator(Generator):
    """[z, embed(y)] -> 4x4 map -> doubling transposed convolutions -> tanh image."""

    def __init__(self, request: BuildRequest, options: ConvOptions) -> None:
        super().__init__()
        spec = request.spec
        self.latent_dim = request.latent_dim
        self.embedding = nn.Embedding(spec.num_classes, options.embedding_dim)
        widths = [width_at(side, spec.resolution, options) for side in hidden_sides(spec.resolution)]
        inputs = self.latent_dim + options.embedding_dim
        # No biases before batch norm: its mean subtraction would cancel them.
        layers = [nn.ConvTranspose2d(inputs, widths[0], kernel_size=4, stride=1, padding=0, bias=False),
                  nn.BatchNorm2d(widths[0]), nn.ReLU()]
        for width_in, width_out in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(width_in, width_out, kernel_size=4, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(width_out), nn.ReLU()]
        layers += [nn.ConvTranspose2d(widths[-1], spec.channels, kernel_size=4, stride=2, padding=1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(init_as_in_dcgan)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        joint = torch.cat([z, self.embedding(require_labels(y))], dim=1)
        return self.net(joint.reshape(joint.shape[0], -1, 1, 1))


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
