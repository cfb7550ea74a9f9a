"""MSG-GAN: Karnewar & Wang (2020), "MSG-GAN: Multi-Scale Gradients for Generative Adversarial
Networks", CVPR 2020 (arXiv:1903.06048), on the DCGAN backbone of Radford, Metz & Chintala (2016).

msg is dcgan plus multi-scale links, by construction: ``MSG.build`` builds ganbench-dcgan's
generator and discriminator (same options, same order, so the same seed gives the same weights)
and adds the links, which let gradients from D reach every scale of G because D looks at every
scale of G's output:
- generator: dcgan's blocks grow a 4x4 map from z by strided transposed convolutions; each
  hidden block also emits an image of its own side through a 1x1 "to_rgb" convolution and tanh,
  and dcgan's output layer emits the full-resolution image. Forward returns the list coarse
  (4x4) to fine;
- discriminator: dcgan's strided convolutions take the full-resolution image down to 4x4; at
  every smaller side the image of that side is combined with the feature map there (phi, below)
  before the next convolution (and, at 4x4, before the head). That convolution, which reads
  phi's C + k channels, is written as dcgan's own convolution on the C feature channels plus a
  link convolution on the k injected ones: the same function, with dcgan's layer left intact.

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
N(0, 0.02) initialisation are dcgan's (``ganbench_dcgan.blocks``), so that ``msg`` differs from
``dcgan`` only by the links: ``to_rgb`` in G; ``injections``, ``injected_into_blocks`` and
``injected_into_logit`` in D.
"""

from __future__ import annotations

import dataclasses
from typing import Literal, Sequence

import torch
from torch import nn

from ganbench.api import Architecture, BuildRequest, DataSpec, Discriminator, DOutput, Generator, Incompatible
from ganbench_dcgan.blocks import (SMALLEST_SIDE, DNorm, check_square_power_of_two, init_as_in_dcgan, require_widths,
                                   resolve_d_norm)
from ganbench_dcgan.dcgan import DCGANDiscriminator, DCGANGenerator, DCGANOptions
from ganbench_msg.pyramid import image_pyramid, require_pyramid


@dataclasses.dataclass(frozen=True)
class MSGOptions:
    """Widths, combine function, injection size and discriminator norm of an MSG-DCGAN."""

    base_channels: int = 64  # width next to the image: G's last hidden block, D's first layer
    max_channels: int = 512  # cap on the widths near the 4x4 map
    combine: Literal["cat", "lin-cat", "cat-lin"] = "cat"  # the paper's phi_simple, phi_lin_cat, phi_cat_lin
    injection: float = 1.0  # channels of the injected image's features, as a share of D's channels there
    # auto: batch norm, or layer norm when a gradient penalty needs a per-sample critic
    d_norm: DNorm = "auto"

    def __post_init__(self) -> None:
        require_widths(self.base_channels, self.max_channels)
        if not 0 < self.injection <= 1:
            raise ValueError(f"injection must be a share of channels in (0, 1], got {self.injection}.")

    def trunk(self, norm: str) -> DCGANOptions:
        """The dcgan these options extend: same widths, the resolved norm, dcgan's other defaults."""
        return DCGANOptions(base_channels=self.base_channels, max_channels=self.max_channels, d_norm=norm)


def injected_channels(feature_channels: int, injection: float) -> int:
    """k = round(injection * C), at least one channel."""
    return max(1, round(injection * feature_channels))


class ImageInjection(nn.Module):
    """The paper's phi: combines the image of one side with D's feature map of that side.

    Returns the two parts of phi's output, ``(injected, features)``: the channels the image
    brings (``injected_channels`` of them) and the C feature channels. Concatenated in that
    order they are phi's output; the discriminator keeps them apart so that dcgan's own
    convolution reads the features and a link convolution reads the injected channels."""

    def __init__(self, combine: str, image_channels: int, feature_channels: int, injection: float) -> None:
        super().__init__()
        k = injected_channels(feature_channels, injection)
        self.image_features: nn.Module = nn.Identity()
        self.mix: nn.Module = nn.Identity()
        self.injected_channels = k
        if combine == "cat-lin":
            self.mix = nn.Conv2d(image_channels + feature_channels, feature_channels + k, kernel_size=1)
        elif combine == "lin-cat" or injection < 1:
            self.image_features = nn.Conv2d(image_channels, k, kernel_size=1)
        else:  # plain concatenation of the raw image
            self.injected_channels = image_channels
        self.out_channels = feature_channels + self.injected_channels

    def forward(self, image: torch.Tensor, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        combined = self.mix(torch.cat([self.image_features(image), features], dim=1))
        return combined[:, :self.injected_channels], combined[:, self.injected_channels:]


class MSGGenerator(Generator):
    """dcgan's generator (``blocks`` 4x4 ... R/2, then ``to_image``) plus a ``to_rgb`` image out of
    every hidden block; forward returns the images coarse (4x4) to fine (R x R)."""

    multiscale = True

    def __init__(self, trunk: DCGANGenerator, image_channels: int) -> None:
        super().__init__()
        self.latent_dim = trunk.latent_dim
        # dcgan's layers under dcgan's names: the trunk of msg is dcgan's generator, weights and all.
        self.blocks = trunk.blocks
        self.to_image = trunk.to_image
        # The links: a 1x1 convolution to an image per hidden block.
        self.to_rgb = nn.ModuleList(nn.Conv2d(block.conv.out_channels, image_channels, kernel_size=1)
                                    for block in self.blocks)
        self.to_rgb.apply(init_as_in_dcgan)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> list[torch.Tensor]:
        h = z.reshape(z.shape[0], self.latent_dim, 1, 1)
        images = []
        for block, to_rgb in zip(self.blocks, self.to_rgb):
            h = block(h)
            images.append(torch.tanh(to_rgb(h)))
        images.append(torch.tanh(self.to_image(h)))
        return images


class MSGDiscriminator(Discriminator):
    """dcgan's discriminator (``body``: ``from_image`` and halving ``blocks``; ``to_logit``) plus, at every side
    below the full resolution, an injection of the image of that side: phi combines it with the
    features, and a link convolution carries the injected channels into the next dcgan block
    (or, at 4x4, into the logit)."""

    multiscale = True

    def __init__(self, trunk: DCGANDiscriminator, image_channels: int, options: MSGOptions) -> None:
        super().__init__(trunk.neck)
        # dcgan's layers under dcgan's names: the trunk of msg is dcgan's discriminator, weights and all.
        self.body = trunk.body
        self.to_logit = trunk.to_logit
        # The links. Widths R/2, ..., 4: the maps where images are injected.
        widths = [self.body.from_image.conv.out_channels] + [block.conv.out_channels for block in self.body.blocks]
        self.levels = len(widths) + 1
        self.injections = nn.ModuleList(ImageInjection(options.combine, image_channels, width, options.injection)
                                        for width in widths)
        # A convolution on [injected; features] is the sum of one on each part: dcgan's block reads
        # the features, these read the injected channels (no bias: dcgan's conv has the one it needs).
        self.injected_into_blocks = nn.ModuleList(
            nn.Conv2d(injection.injected_channels, block.conv.out_channels, kernel_size=4, stride=2, padding=1,
                      bias=False)
            for injection, block in zip(self.injections, self.body.blocks))
        self.injected_into_logit = nn.Conv2d(self.injections[-1].injected_channels, 1, kernel_size=SMALLEST_SIDE,
                                             bias=False)
        for part in (self.injections, self.injected_into_blocks, self.injected_into_logit):
            part.apply(init_as_in_dcgan)

    def features(self, x: Sequence[torch.Tensor], y: torch.Tensor | None) -> torch.Tensor:
        images = require_pyramid(x, self.levels, "msg")
        h = self.body.from_image(images[-1])
        for image, injection, block, injected_into_block in zip(
                images[-2:0:-1], self.injections, self.body.blocks, self.injected_into_blocks):
            injected, h = injection(image, h)
            h = block.act(block.norm(block.conv(h) + injected_into_block(injected)))
        injected, h = self.injections[-1](images[0], h)
        # The neck sees phi's output at 4x4, as in the paper (minibatch-std over all its channels).
        return torch.cat([injected, h], dim=1)

    def head(self, h: torch.Tensor, y: torch.Tensor | None) -> DOutput:
        # [injected; features; channels the neck added]: dcgan's to_logit reads the last two.
        k = self.injected_into_logit.in_channels
        return DOutput((self.to_logit(h[:, k:]) + self.injected_into_logit(h[:, :k])).flatten())

    def prepare_real(self, x: torch.Tensor) -> list[torch.Tensor]:
        return image_pyramid(x)


class MSG(Architecture):
    """MSG-GAN on a DCGAN backbone, for square images of 8, 16, 32, ... px."""

    name = "msg"
    description = "MSG-GAN (Karnewar & Wang 2020) on DCGAN: G's image at every scale feeds D's block of that scale."
    data_kinds = ("image",)
    min_resolution = 2 * SMALLEST_SIDE
    Options = MSGOptions

    def check(self, spec: DataSpec) -> None:
        super().check(spec)
        check_square_power_of_two(self.name, spec)

    def build(self, request: BuildRequest) -> tuple[MSGGenerator, MSGDiscriminator]:
        if request.conditional:
            raise Incompatible("architecture 'msg' is unconditional; for class labels use ugan, "
                               "whose auxiliary classifier takes them.")
        norm = resolve_d_norm(self.name, self.options.d_norm, request.batch_norm_in_d)
        trunk = self.options.trunk(norm)
        # dcgan's two nets first, drawn in dcgan's order, so that one seed starts msg from the very
        # weights dcgan starts from; the links draw after both. A dcgan-vs-msg comparison at one
        # seed then differs by the links alone.
        generator, discriminator = DCGANGenerator(request, trunk), DCGANDiscriminator(request, trunk, norm)
        channels = request.spec.channels
        return MSGGenerator(generator, channels), MSGDiscriminator(discriminator, channels, self.options)
