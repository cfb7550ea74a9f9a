"""``resnet-sn``: a small residual GAN with spectral normalisation in the discriminator, after
Miyato, Kataoka, Koyama & Yoshida (2018), "Spectral Normalization for Generative Adversarial
Networks" (their CIFAR ResNet, narrowed)."""

from __future__ import annotations

import dataclasses
import math

import torch
from torch import nn
from torch.nn.utils import spectral_norm

from ganbench.architecture import Architecture, BuildRequest, Discriminator, DOutput, Generator
from ganbench.data.spec import DataSpec
from ganbench.errors import Incompatible

SMALLEST_SIDE = 4  # G starts from a 4x4 map, as in the paper


@dataclasses.dataclass(frozen=True)
class ResNetSNOptions:
    channels: int = 32  # width of every residual block

    def __post_init__(self):
        if self.channels < 1:
            raise ValueError(f"channels must be positive, got {self.channels}.")


class UpBlock(nn.Module):
    """BN-ReLU-upsample-conv-BN-ReLU-conv, plus an upsampled shortcut."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(), nn.Upsample(scale_factor=2),
                                  nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
                                  nn.Conv2d(channels, channels, 3, padding=1))
        self.shortcut = nn.Upsample(scale_factor=2)

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


class DownBlock(nn.Module):
    """ReLU-conv-ReLU-conv-avgpool with spectrally normalised convolutions, plus a pooled shortcut."""

    def __init__(self, channels_in: int, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.ReLU(), spectral_norm(nn.Conv2d(channels_in, channels, 3, padding=1)), nn.ReLU(),
                                  spectral_norm(nn.Conv2d(channels, channels, 3, padding=1)), nn.AvgPool2d(2))
        self.shortcut = nn.Sequential(spectral_norm(nn.Conv2d(channels_in, channels, 1)), nn.AvgPool2d(2))

    def forward(self, x):
        return self.body(x) + self.shortcut(x)


def blocks_for(spec: DataSpec) -> int:
    return int(math.log2(spec.resolution // SMALLEST_SIDE))


class ResNetSNGenerator(Generator):
    def __init__(self, request: BuildRequest, options: ResNetSNOptions) -> None:
        super().__init__()
        width = options.channels
        self.latent_dim = request.latent_dim
        self.start = nn.Linear(request.latent_dim, width * SMALLEST_SIDE * SMALLEST_SIDE)
        self.width = width
        self.blocks = nn.Sequential(*[UpBlock(width) for _ in range(blocks_for(request.spec))])
        self.to_image = nn.Sequential(nn.BatchNorm2d(width), nn.ReLU(),
                                      nn.Conv2d(width, request.spec.channels, 3, padding=1), nn.Tanh())

    def forward(self, z, y=None):
        h = self.start(z).view(-1, self.width, SMALLEST_SIDE, SMALLEST_SIDE)
        return self.to_image(self.blocks(h))


class ResNetSNDiscriminator(Discriminator):
    def __init__(self, request: BuildRequest, options: ResNetSNOptions) -> None:
        super().__init__(request.neck)
        width = options.channels
        channels_in = [request.spec.channels] + [width] * (blocks_for(request.spec) - 1)
        self.blocks = nn.Sequential(*[DownBlock(c, width) for c in channels_in], nn.ReLU())
        self.to_logit = spectral_norm(nn.Linear(self.neck.out_channels(width), 1))

    def features(self, x, y):
        return self.blocks(x)

    def head(self, h, y):
        return DOutput(self.to_logit(h.sum(dim=(2, 3))).squeeze(1))  # global sum pooling, as in the paper


class ResNetSN(Architecture):
    name = "resnet-sn"
    description = "A narrow SNGAN ResNet (Miyato et al. 2018): residual G, spectrally normalised residual D."
    data_kinds = ("image",)
    min_resolution = 8
    Options = ResNetSNOptions

    def check(self, spec):
        super().check(spec)
        side = spec.resolution
        if side & (side - 1):
            raise Incompatible(f"architecture {self.name!r} needs a power-of-two side, got {side} px.")

    def build(self, request):
        if request.conditional:
            raise Incompatible(f"architecture {self.name!r} is unconditional; it takes no class labels.")
        return ResNetSNGenerator(request, self.options), ResNetSNDiscriminator(request, self.options)
