"""MSG-GAN: Karnewar & Wang (2020), "MSG-GAN: Multi-Scale Gradients for Generative Adversarial
Networks", CVPR 2020 (arXiv:1903.06048), on the DCGAN backbone of Radford, Metz & Chintala (2016).

Gradients from D reach every scale of G because D looks at every scale of G's output:
- the generator is DCGAN's (a 4x4 map from z, doubled by strided transposed convolutions);
  each hidden block also emits an image of its own side through a 1x1 "to_rgb" convolution
  and tanh, and DCGAN's output layer emits the full-resolution image. Forward returns the
  list coarse (4x4) to fine;
- the discriminator is DCGAN's (strided convolutions from the image down to 4x4); it takes the
  full-resolution image at its input, and at every smaller side it combines its feature map
  with the image of that side before the next convolution (and, at 4x4, before the head).

The combine function (the paper's phi, section 3), with ``C`` the feature map's channels and
``k = round(injection * C)``:
- ``cat``      phi_simple: [image; features]. With injection 1.0 the raw image is concatenated
               (C + image channels); with injection < 1 a 1x1 conv first maps the image to k
               channels (C + k), which builds the same layers as ``lin-cat`` at that injection;
- ``lin-cat``  phi_lin_cat: [conv1x1(image) to k channels; features] -> C + k channels;
- ``cat-lin``  phi_cat_lin: conv1x1([image; features]) to C + k channels, so the next layer
               sees the same width as with ``lin-cat`` and the variants differ only in where the
               1x1 conv sits.
Injection 1.0 gives the image's features as many channels as D's own (C + C); 0.5 half as many.

The paper's minibatch standard deviation before D's head is the ``minibatch-std`` stabilizer's
job (it inserts itself into D's neck), so it is not built in here. Widths, norms and the
N(0, 0.02) initialisation follow DCGAN, so that ``msg`` differs from ``dcgan`` only by the
multi-scale connections: the to_rgb convolutions and the injections.
"""

from __future__ import annotations

import dataclasses
from typing import Literal, Sequence

import torch
from torch import nn

from ganbench.architecture import Architecture, BuildRequest, Discriminator, DOutput, Generator
from ganbench.data.spec import DataSpec
from ganbench.errors import Incompatible
from ganbench_msg.pyramid import (COARSEST_SIDE, check_square_power_of_two, image_pyramid, pyramid_sides,
                                  require_pyramid)


@dataclasses.dataclass(frozen=True)
class MSGOptions:
    """Widths, combine function, injection size and discriminator norm of an MSG-DCGAN."""

    base_channels: int = 64  # width next to the image: G's last hidden block, D's first layer
    max_channels: int = 512  # cap on the widths near the 4x4 map
    combine: Literal["cat", "lin-cat", "cat-lin"] = "cat"  # the paper's phi_simple, phi_lin_cat, phi_cat_lin
    injection: float = 1.0  # channels of the injected image's features, as a share of D's channels there
    # auto: batch norm, or layer norm when a gradient penalty needs a per-sample critic
    d_norm: Literal["auto", "batch", "layer", "instance", "none"] = "auto"

    def __post_init__(self) -> None:
        for name in ("base_channels", "max_channels"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}.")
        if self.max_channels < self.base_channels:
            raise ValueError(f"max_channels ({self.max_channels}) must be at least "
                             f"base_channels ({self.base_channels}).")
        if not 0 < self.injection <= 1:
            raise ValueError(f"injection must be a share of channels in (0, 1], got {self.injection}.")


def init_as_dcgan(module: nn.Module) -> None:
    """DCGAN's initialisation: weights from N(0, 0.02), zero biases, norm scales from N(1, 0.02)."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d)) and module.weight is not None:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def hidden_sides(resolution: int) -> list[int]:
    """Sides of the hidden maps, coarse to fine: 4, 8, ..., resolution // 2."""
    return pyramid_sides(resolution)[:-1]


def width_at(side: int, resolution: int, options: MSGOptions) -> int:
    """DCGAN's widths: ``base_channels`` at half the resolution, doubling as the side halves, capped."""
    return min(options.base_channels * resolution // (2 * side), options.max_channels)


def injected_channels(feature_channels: int, injection: float) -> int:
    """k = round(injection * C), at least one channel."""
    return max(1, round(injection * feature_channels))


def resolve_d_norm(choice: str, batch_norm_allowed: bool) -> str:
    """``auto`` is DCGAN's batch norm, unless the loss needs a per-sample critic."""
    if choice == "auto":
        return "batch" if batch_norm_allowed else "layer"
    if choice == "batch" and not batch_norm_allowed:
        raise Incompatible("architecture 'msg' cannot use d_norm=batch with this loss: batch norm in the critic "
                           "breaks the per-sample gradient penalty; use d_norm=layer (or instance or none).")
    return choice


def discriminator_norm(name: str, channels: int) -> list[nn.Module]:
    """The norm after a hidden discriminator layer; "layer" and "instance" are per sample."""
    if name == "batch":
        return [nn.BatchNorm2d(channels)]
    if name == "layer":
        return [nn.GroupNorm(1, channels)]  # one group: normalise over (C, H, W) of each sample
    if name == "instance":
        return [nn.InstanceNorm2d(channels, affine=True)]
    return []


class ImageInjection(nn.Module):
    """The paper's phi: combines the image of one side with D's feature map of that side."""

    def __init__(self, combine: str, image_channels: int, feature_channels: int, injection: float) -> None:
        super().__init__()
        k = injected_channels(feature_channels, injection)
        self.image_features: nn.Module = nn.Identity()
        self.mix: nn.Module = nn.Identity()
        if combine == "cat-lin":
            self.mix = nn.Conv2d(image_channels + feature_channels, feature_channels + k, kernel_size=1)
            self.out_channels = feature_channels + k
        elif combine == "lin-cat" or injection < 1:
            self.image_features = nn.Conv2d(image_channels, k, kernel_size=1)
            self.out_channels = feature_channels + k
        else:  # plain concatenation of the raw image
            self.out_channels = feature_channels + image_channels

    def forward(self, image: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        return self.mix(torch.cat([self.image_features(image), features], dim=1))


class MSGGenerator(Generator):
    """z -> DCGAN blocks 4x4 ... R/2 (each with a to_rgb image) -> DCGAN output layer (R x R image)."""

    multiscale = True

    def __init__(self, request: BuildRequest, options: MSGOptions) -> None:
        super().__init__()
        self.latent_dim = request.latent_dim
        spec = request.spec
        widths = [width_at(side, spec.resolution, options) for side in hidden_sides(spec.resolution)]
        # The first block is DCGAN's projection of z, a 4x4 transposed convolution of a 1x1 map.
        # No biases before batch norm: its mean subtraction would cancel them.
        blocks = [generator_block(self.latent_dim, widths[0], kernel_size=4, stride=1, padding=0)]
        blocks += [generator_block(w_in, w_out, kernel_size=4, stride=2, padding=1)
                   for w_in, w_out in zip(widths, widths[1:])]
        self.blocks = nn.ModuleList(blocks)
        self.to_rgb = nn.ModuleList(nn.Conv2d(width, spec.channels, kernel_size=1) for width in widths)
        # The finest image comes from DCGAN's own output layer, so G costs what DCGAN's does plus the 1x1 convs.
        self.to_image = nn.ConvTranspose2d(widths[-1], spec.channels, kernel_size=4, stride=2, padding=1)
        self.apply(init_as_dcgan)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> list[torch.Tensor]:
        h = z.reshape(z.shape[0], self.latent_dim, 1, 1)
        images = []
        for block, to_rgb in zip(self.blocks, self.to_rgb):
            h = block(h)
            images.append(torch.tanh(to_rgb(h)))
        images.append(torch.tanh(self.to_image(h)))
        return images


def generator_block(in_channels: int, out_channels: int, **geometry: int) -> nn.Sequential:
    return nn.Sequential(nn.ConvTranspose2d(in_channels, out_channels, bias=False, **geometry),
                         nn.BatchNorm2d(out_channels), nn.ReLU())


class MSGDiscriminator(Discriminator):
    """[4x4, ..., R x R images] -> DCGAN convolutions with an injection at every side -> neck -> logit."""

    multiscale = True

    def __init__(self, request: BuildRequest, options: MSGOptions, norm: str) -> None:
        super().__init__(request.neck)
        spec = request.spec
        sides = hidden_sides(spec.resolution)[::-1]  # R/2, ..., 4: where images are injected
        widths = [width_at(side, spec.resolution, options) for side in sides]
        self.levels = len(sides) + 1
        # DCGAN leaves the input layer without a norm: normalising raw pixels made training oscillate.
        self.from_image = nn.Sequential(nn.Conv2d(spec.channels, widths[0], kernel_size=4, stride=2, padding=1),
                                        nn.LeakyReLU(0.2))
        self.injections = nn.ModuleList(ImageInjection(options.combine, spec.channels, width, options.injection)
                                        for width in widths)
        self.downs = nn.ModuleList(
            discriminator_block(injection.out_channels, w_out, norm)
            for injection, w_out in zip(self.injections, widths[1:]))
        # The neck may add channels (minibatch-std), so the head is sized by it.
        self.to_logit = nn.Conv2d(self.neck.out_channels(self.injections[-1].out_channels), 1,
                                  kernel_size=COARSEST_SIDE)
        # Only our own layers: the neck belongs to the stabilizers that made it.
        for part in (self.from_image, self.injections, self.downs, self.to_logit):
            part.apply(init_as_dcgan)

    def features(self, x: Sequence[torch.Tensor], y: torch.Tensor | None) -> torch.Tensor:
        images = require_pyramid(x, self.levels, "msg")
        h = self.from_image(images[-1])
        for index, injection in enumerate(self.injections):
            h = injection(images[-2 - index], h)
            if index < len(self.downs):
                h = self.downs[index](h)
        return h

    def head(self, h: torch.Tensor, y: torch.Tensor | None) -> DOutput:
        return DOutput(self.to_logit(h).flatten())

    def prepare_real(self, x: torch.Tensor) -> list[torch.Tensor]:
        return image_pyramid(x)


def discriminator_block(in_channels: int, out_channels: int, norm: str) -> nn.Sequential:
    # A bias only without a norm: the norm's mean subtraction would cancel it.
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1, bias=norm == "none"),
                         *discriminator_norm(norm, out_channels), nn.LeakyReLU(0.2))


class MSG(Architecture):
    """MSG-GAN on a DCGAN backbone, for square images of 8, 16, 32, ... px."""

    name = "msg"
    description = "MSG-GAN (Karnewar & Wang 2020) on DCGAN: G's image at every scale feeds D's block of that scale."
    data_kinds = ("image",)
    min_resolution = 2 * COARSEST_SIDE
    Options = MSGOptions

    def check(self, spec: DataSpec) -> None:
        super().check(spec)
        check_square_power_of_two(self.name, spec)

    def build(self, request: BuildRequest) -> tuple[MSGGenerator, MSGDiscriminator]:
        if request.conditional:
            raise Incompatible("architecture 'msg' is unconditional; for class labels use ugan, "
                               "whose auxiliary classifier takes them.")
        norm = resolve_d_norm(self.options.d_norm, request.batch_norm_in_d)
        return MSGGenerator(request, self.options), MSGDiscriminator(request, self.options, norm)
