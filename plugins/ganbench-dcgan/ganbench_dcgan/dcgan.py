"""DCGAN: Radford, Metz & Chintala (2016), "Unsupervised Representation Learning with Deep
Convolutional Generative Adversarial Networks", ICLR 2016.

The paper's guidelines, as built here:
- no pooling and no fully connected hidden layers: the generator grows a 4x4 map from the
  latent vector with a transposed convolution, then doubles it with strided transposed
  convolutions; the discriminator halves the image with strided convolutions down to 4x4;
- batch norm in both nets, except at the generator's output and the discriminator's input;
- ReLU in the generator with tanh at the output, LeakyReLU(0.2) in the discriminator;
- weights drawn from N(0, 0.02).

Channels double each time the map halves, from ``base_channels`` next to the image up to
``max_channels``, so a 64 px model has the paper's 512-256-128-64 widths.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import torch
from torch import nn

from ganbench.architecture import Architecture, BuildRequest, Discriminator, DOutput, Generator
from ganbench.data.spec import DataSpec
from ganbench.errors import Incompatible

SMALLEST_SIDE = 4  # both nets meet at a 4x4 map, as in the paper


@dataclasses.dataclass(frozen=True)
class DCGANOptions:
    """Widths, activation, discriminator norm and kernel size of a DCGAN."""

    base_channels: int = 64  # width next to the image: G's last hidden layer, D's first layer
    max_channels: int = 512  # cap on the widths near the 4x4 map
    g_activation: Literal["relu", "leaky", "selu"] = "relu"  # the paper uses ReLU
    # auto: batch norm, or layer norm when a gradient penalty needs a per-sample critic
    d_norm: Literal["auto", "batch", "layer", "instance", "none"] = "auto"
    wide_kernel: bool = False  # kernel 8 at G's output and D's input, as in the 128 px experiments

    def __post_init__(self) -> None:
        require_positive("base_channels", self.base_channels)
        require_positive("max_channels", self.max_channels)
        if self.max_channels < self.base_channels:
            raise ValueError(f"max_channels ({self.max_channels}) must be at least "
                             f"base_channels ({self.base_channels}).")


def require_positive(name: str, value: int) -> None:
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}.")


def refuse_labels(architecture: str, request: BuildRequest) -> None:
    """Unconditional architectures have no input for class labels."""
    if request.conditional:
        raise Incompatible(f"architecture {architecture!r} is unconditional; use cgan or acgan for class labels.")


def init_as_in_paper(module: nn.Module) -> None:
    """Weights from N(0, 0.02) and zero biases (paper, section 4); norm scales from N(1, 0.02)
    as in the authors' code, so that each norm starts close to the identity."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d)) and module.weight is not None:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def is_power_of_two(number: int) -> bool:
    return number > 0 and number & (number - 1) == 0


def hidden_sides(resolution: int) -> list[int]:
    """Sides of the hidden maps, coarse to fine: 4, 8, ..., resolution // 2."""
    sides = [SMALLEST_SIDE]
    while sides[-1] * 2 < resolution:
        sides.append(sides[-1] * 2)
    return sides


def width_at(side: int, resolution: int, options: DCGANOptions) -> int:
    """Channels of the hidden map of ``side`` px: ``base_channels`` next to the image, doubling
    with each halving of the side, capped at ``max_channels``."""
    return min(options.base_channels * resolution // (2 * side), options.max_channels)


def edge_geometry(options: DCGANOptions) -> dict[str, int]:
    """Kernel, stride and padding of the layer that touches the image; both double or halve the side."""
    if options.wide_kernel:
        return {"kernel_size": 8, "stride": 2, "padding": 3}
    return {"kernel_size": 4, "stride": 2, "padding": 1}


def make_activation(name: str) -> nn.Module:
    """ReLU, SELU, or LeakyReLU with the paper's slope of 0.2."""
    return {"relu": nn.ReLU, "leaky": lambda: nn.LeakyReLU(0.2), "selu": nn.SELU}[name]()


def discriminator_norm(name: str, channels: int) -> list[nn.Module]:
    """The norm after a hidden discriminator layer; "layer" and "instance" are per sample."""
    if name == "batch":
        return [nn.BatchNorm2d(channels)]
    if name == "layer":
        return [nn.GroupNorm(1, channels, affine=True)]  # one group: normalise over (C, H, W)
    if name == "instance":
        return [nn.InstanceNorm2d(channels, affine=True)]
    return []


def resolve_d_norm(choice: str, batch_norm_allowed: bool) -> str:
    """``auto`` is the paper's batch norm, unless the loss needs a per-sample critic."""
    if choice == "auto":
        return "batch" if batch_norm_allowed else "layer"
    if choice == "batch" and not batch_norm_allowed:
        raise Incompatible("architecture 'dcgan' cannot use d_norm=batch with this loss: batch norm in the critic "
                           "breaks the per-sample gradient penalty; use d_norm=layer (or instance or none).")
    return choice


class DCGANGenerator(Generator):
    """z -> 4x4 map -> doubling transposed convolutions -> tanh image."""

    def __init__(self, request: BuildRequest, options: DCGANOptions) -> None:
        super().__init__()
        self.latent_dim = request.latent_dim
        spec = request.spec
        widths = [width_at(side, spec.resolution, options) for side in hidden_sides(spec.resolution)]
        # The first layer is the paper's projection of z, written as a 4x4 transposed convolution of a 1x1 map.
        # No biases before batch norm: its mean subtraction would cancel them.
        layers = [nn.ConvTranspose2d(self.latent_dim, widths[0], kernel_size=4, stride=1, padding=0, bias=False),
                  nn.BatchNorm2d(widths[0]), make_activation(options.g_activation)]
        for in_channels, out_channels in zip(widths, widths[1:]):
            layers += [nn.ConvTranspose2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(out_channels), make_activation(options.g_activation)]
        layers += [nn.ConvTranspose2d(widths[-1], spec.channels, **edge_geometry(options)), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(init_as_in_paper)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z.reshape(z.shape[0], self.latent_dim, 1, 1))


class DCGANDiscriminator(Discriminator):
    """Image -> halving strided convolutions -> 4x4 features -> neck -> 4x4 convolution to one logit."""

    def __init__(self, request: BuildRequest, options: DCGANOptions, norm: str) -> None:
        super().__init__(request.neck)
        spec = request.spec
        widths = [width_at(side, spec.resolution, options) for side in reversed(hidden_sides(spec.resolution))]
        # The paper leaves the input layer without batch norm: normalising raw pixels made training oscillate.
        layers = [nn.Conv2d(spec.channels, widths[0], **edge_geometry(options)), make_activation("leaky")]
        for in_channels, out_channels in zip(widths, widths[1:]):
            # A bias only without a norm: the norm's mean subtraction would cancel it.
            layers += [nn.Conv2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1, bias=norm == "none"),
                       *discriminator_norm(norm, out_channels), make_activation("leaky")]
        self.body = nn.Sequential(*layers)
        # The neck may add channels (minibatch-std), so the head is sized by it.
        self.to_logit = nn.Conv2d(self.neck.out_channels(widths[-1]), 1, kernel_size=SMALLEST_SIDE)
        # Only our own layers: the neck belongs to the stabilizers that made it.
        self.body.apply(init_as_in_paper)
        self.to_logit.apply(init_as_in_paper)

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
        height, width = spec.shape[-2], spec.shape[-1]
        if height != width:
            raise Incompatible(
                f"architecture 'dcgan' builds square images, but dataset {spec.name!r} is {height}x{width} px.")
        if not is_power_of_two(width):
            raise Incompatible(f"architecture 'dcgan' doubles a 4x4 map up to the image, so it needs a power of two "
                               f"of at least 8 px (8, 16, 32, 64, 128, 256 ...), got {width} px.")

    def build(self, request: BuildRequest) -> tuple[DCGANGenerator, DCGANDiscriminator]:
        refuse_labels(self.name, request)
        norm = resolve_d_norm(self.options.d_norm, request.batch_norm_in_d)
        return DCGANGenerator(request, self.options), DCGANDiscriminator(request, self.options, norm)
