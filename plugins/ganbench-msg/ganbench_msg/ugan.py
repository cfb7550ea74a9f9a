"""U-GAN: a U-Net-like multi-resolution GAN with residual blocks, under MSG-GAN's multi-scale
contract (Karnewar & Wang 2020, "MSG-GAN: Multi-Scale Gradients for Generative Adversarial
Networks", arXiv:1903.06048), with an optional auxiliary classifier (ACGAN: Odena, Olah &
Shlens 2017, "Conditional Image Synthesis with Auxiliary Classifier GANs", ICML 2017).

As built here:
- generator: z (concatenated with a learned embedding of the class label when labels are
  used) -> linear projection to a 4x4 map -> residual up-sampling blocks up to the full
  resolution. A block is nearest upsampling + 3x3 conv + batch norm + LeakyReLU(0.2), plus a
  residual path of upsampling + 1x1 conv. Every stage (4x4 included) emits an image through a
  1x1 "to_rgb" conv and tanh; forward returns the list coarse to fine;
- discriminator: the full-resolution image enters through a 1x1 "from_rgb" conv; residual
  down-sampling blocks follow, each 3x3 conv + LeakyReLU(0.2) + 2x2 average pooling, plus a
  residual path of 1x1 conv + average pooling, with no norm. After every block the image of
  the new side is concatenated to the features (the paper's phi_simple), down to 4x4, where a
  4x4 conv gives the logit and, with labels, a second one the class logits (ACGAN);
- weights start from He et al. (2015) initialisation for LeakyReLU(0.2), biases at zero.

Widths: ``base_channels`` at full resolution, doubling each time the side halves, capped at
``max_channels``; G's map of a side is as wide as D's map of that side.
"""

from __future__ import annotations

import dataclasses
from typing import Literal, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.api import Architecture, BuildRequest, DataSpec, Discriminator, DOutput, Generator, Incompatible
from ganbench_dcgan.blocks import check_square_power_of_two, require_widths
from ganbench_msg.pyramid import COARSEST_SIDE, image_pyramid, pyramid_sides, require_pyramid

LEAK = 0.2  # LeakyReLU slope in both nets; He initialisation is computed for it


@dataclasses.dataclass(frozen=True)
class UGANOptions:
    """Widths of the U-GAN and whether its discriminator has an auxiliary classifier."""

    base_channels: int = 64  # width at full resolution: G's last block, D's first
    max_channels: int = 256  # cap on the widths near the 4x4 map
    # auto: an ACGAN class head (and labels into G) when the data has labels
    auxiliary_classifier: Literal["auto", "yes", "no"] = "auto"

    def __post_init__(self) -> None:
        require_widths(self.base_channels, self.max_channels)


def init_he(module: nn.Module) -> None:
    """He et al. (2015) weights for LeakyReLU(0.2), zero biases, batch norm starting as the identity."""
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        nn.init.kaiming_normal_(module.weight, a=LEAK, nonlinearity="leaky_relu")
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)


def width_at(side: int, resolution: int, options: UGANOptions) -> int:
    return min(options.base_channels * resolution // side, options.max_channels)


class UpBlock(nn.Module):
    """Doubles the side: upsample + 3x3 conv + batch norm + LeakyReLU, plus upsample + 1x1 conv."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        # No bias before batch norm: its mean subtraction would cancel it.
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False)
        self.norm = nn.BatchNorm2d(out_channels)
        self.act = nn.LeakyReLU(LEAK)
        self.shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        main = self.act(self.norm(self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))))
        # A 1x1 conv commutes with nearest upsampling, and costs a quarter before it.
        return main + F.interpolate(self.shortcut(x), scale_factor=2, mode="nearest")


class DownBlock(nn.Module):
    """Halves the side: 3x3 conv + LeakyReLU + average pooling, plus 1x1 conv + average pooling; no norm."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
        self.act = nn.LeakyReLU(LEAK)
        self.shortcut = nn.Conv2d(in_channels, out_channels, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        main = F.avg_pool2d(self.act(self.conv(x)), kernel_size=2)
        # A 1x1 conv commutes with average pooling, and costs a quarter after it.
        return main + self.shortcut(F.avg_pool2d(x, kernel_size=2))


class UGANGenerator(Generator):
    """z (+ label embedding) -> 4x4 map -> residual up-sampling blocks; an image out of every stage."""

    multiscale = True

    def __init__(self, request: BuildRequest, options: UGANOptions, num_classes: int) -> None:
        super().__init__()
        self.latent_dim = request.latent_dim
        spec = request.spec
        widths = [width_at(side, spec.resolution, options) for side in pyramid_sides(spec.resolution)]
        # The label gets its own learned code beside z (ACGAN feeds G both noise and class).
        self.label_embedding = nn.Embedding(num_classes, self.latent_dim) if num_classes else None
        in_features = self.latent_dim * (2 if num_classes else 1)
        self.project = nn.Linear(in_features, widths[0] * COARSEST_SIDE ** 2, bias=False)
        self.project_act = nn.Sequential(nn.BatchNorm2d(widths[0]), nn.LeakyReLU(LEAK))
        self.blocks = nn.ModuleList(UpBlock(w_in, w_out) for w_in, w_out in zip(widths, widths[1:]))
        self.to_rgb = nn.ModuleList(nn.Conv2d(width, spec.channels, kernel_size=1) for width in widths)
        self.apply(init_he)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> list[torch.Tensor]:
        h = self.project(self.latent_input(z, y))
        h = self.project_act(h.reshape(z.shape[0], -1, COARSEST_SIDE, COARSEST_SIDE))
        images = [torch.tanh(self.to_rgb[0](h))]
        for block, to_rgb in zip(self.blocks, self.to_rgb[1:]):
            h = block(h)
            images.append(torch.tanh(to_rgb(h)))
        return images

    def latent_input(self, z: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        if self.label_embedding is None:
            return z
        if y is None:
            raise ValueError("this 'ugan' generator was built for class labels: pass y with z.")
        return torch.cat([z, self.label_embedding(y)], dim=1)


class UGANDiscriminator(Discriminator):
    """[4x4, ..., R x R images] -> from_rgb -> residual down-sampling blocks, each followed by the
    image of its new side -> neck -> logit (and class logits)."""

    multiscale = True

    def __init__(self, request: BuildRequest, options: UGANOptions, num_classes: int) -> None:
        super().__init__(request.neck)
        spec = request.spec
        sides = pyramid_sides(spec.resolution)[::-1]  # R, ..., 4
        widths = [width_at(side, spec.resolution, options) for side in sides]
        self.levels = len(sides)
        self.from_rgb = nn.Sequential(nn.Conv2d(spec.channels, widths[0], kernel_size=1), nn.LeakyReLU(LEAK))
        # Below full resolution a block takes [image; features]: the image adds its channels.
        in_widths = [widths[0]] + [width + spec.channels for width in widths[1:-1]]
        self.blocks = nn.ModuleList(DownBlock(w_in, w_out) for w_in, w_out in zip(in_widths, widths[1:]))
        # The neck may add channels (minibatch-std), so both heads are sized by it.
        head_channels = self.neck.out_channels(widths[-1] + spec.channels)
        self.to_logit = nn.Conv2d(head_channels, 1, kernel_size=COARSEST_SIDE)
        self.to_class_logits = nn.Conv2d(head_channels, num_classes, kernel_size=COARSEST_SIDE) if num_classes else None
        # Only our own layers: the neck belongs to the stabilizers that made it.
        for part in (self.from_rgb, self.blocks, self.to_logit, self.to_class_logits):
            if part is not None:
                part.apply(init_he)

    def features(self, x: Sequence[torch.Tensor], y: torch.Tensor | None) -> torch.Tensor:
        images = require_pyramid(x, self.levels, "ugan")
        h = self.from_rgb(images[-1])
        for block, image in zip(self.blocks, reversed(images[:-1])):
            h = torch.cat([image, block(h)], dim=1)
        return h

    def head(self, h: torch.Tensor, y: torch.Tensor | None) -> DOutput:
        class_logits = None if self.to_class_logits is None else self.to_class_logits(h).flatten(1)
        return DOutput(self.to_logit(h).flatten(), class_logits)

    def prepare_real(self, x: torch.Tensor) -> list[torch.Tensor]:
        return image_pyramid(x)


class UGAN(Architecture):
    """The residual multi-resolution U-GAN for square images of 8, 16, 32, ... px; ACGAN with labels."""

    name = "ugan"
    description = ("U-Net-like multi-resolution GAN: residual up/down blocks, an image at every scale "
                   "(MSG-GAN), ACGAN class head with labels.")
    data_kinds = ("image",)
    min_resolution = 2 * COARSEST_SIDE
    Options = UGANOptions

    def check(self, spec: DataSpec) -> None:
        super().check(spec)
        check_square_power_of_two(self.name, spec)
        if self.options.auxiliary_classifier == "yes" and not spec.labelled:
            raise Incompatible(f"architecture 'ugan' with auxiliary_classifier=yes needs class labels, "
                               f"but dataset {spec.name!r} has none.")

    def uses_labels(self, spec: DataSpec) -> bool:
        if self.options.auxiliary_classifier == "auto":
            return spec.labelled
        return self.options.auxiliary_classifier == "yes"

    def build(self, request: BuildRequest) -> tuple[UGANGenerator, UGANDiscriminator]:
        num_classes = self.classes_for(request)
        return UGANGenerator(request, self.options, num_classes), UGANDiscriminator(request, self.options, num_classes)

    def classes_for(self, request: BuildRequest) -> int:
        """The number of classes the class head predicts (0: no head), or why the request cannot be met."""
        choice = self.options.auxiliary_classifier
        if request.conditional and choice == "no":
            raise Incompatible("architecture 'ugan' takes class labels only through its auxiliary classifier; "
                               "set auxiliary_classifier=auto or yes for a conditional run.")
        if request.conditional and not request.spec.labelled:
            raise Incompatible(f"architecture 'ugan' cannot be conditional: "
                               f"dataset {request.spec.name!r} has no labels.")
        if choice == "yes" and not request.conditional:
            raise Incompatible("architecture 'ugan' with auxiliary_classifier=yes needs a conditional request.")
        return request.spec.num_classes if request.conditional else 0
