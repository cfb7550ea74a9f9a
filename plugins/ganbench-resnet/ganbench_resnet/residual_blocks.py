"""The residual blocks of the ResNet GANs: Gulrajani et al. (2017), "Improved Training of
Wasserstein GANs", appendix F, and Miyato et al. (2018), "Spectral Normalization for Generative
Adversarial Networks", appendix B (figure 8); BigGAN (Brock et al. 2019) keeps them and swaps
the generator's batch norm for a class-conditional one.

- Generator up-block (pre-activation): norm, ReLU, nearest 2x upsampling, 3x3 conv, norm,
  ReLU, 3x3 conv; shortcut: upsampling then a 1x1 conv.
- Discriminator down-block (pre-activation): ReLU, 3x3 conv, ReLU, 3x3 conv, 2x2 average
  pooling; shortcut: 1x1 conv then pooling. Without down-sampling and with equal widths the
  shortcut is the identity.
- The discriminator's first, "optimized" block has no ReLU before its first conv (the input is
  the image) and pools its shortcut before the 1x1 conv, which is cheaper and the same map.

Weights are initialised and spectrally normalised by the architecture once the net is built
(``weights.py``), so the blocks hold plain layers. Activations are ``nn.ReLU`` modules, not functional calls, so that ganbench's linear probe
finds every block's output with forward hooks.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

# A norm of the generator: called as norm(x, condition); condition is None when unconditional.
NormFactory = Callable[[int], nn.Module]


class BatchNorm(nn.BatchNorm2d):
    """Batch norm that ignores the condition, so unconditional and conditional blocks share code."""

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        return super().forward(x)


def upsample(x: torch.Tensor) -> torch.Tensor:
    """Nearest-neighbour 2x upsampling, as in both papers."""
    return F.interpolate(x, scale_factor=2, mode="nearest")


class GBlock(nn.Module):
    """Pre-activation residual up-block of the generator."""

    def __init__(self, in_channels: int, out_channels: int, norm: NormFactory) -> None:
        super().__init__()
        self.norm1, self.norm2 = norm(in_channels), norm(out_channels)
        self.relu1, self.relu2 = nn.ReLU(), nn.ReLU()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        h = self.conv1(upsample(self.relu1(self.norm1(x, condition))))
        h = self.conv2(self.relu2(self.norm2(h, condition)))
        return h + self.shortcut(upsample(x))


class DBlock(nn.Module):
    """Pre-activation residual block of the discriminator, down-sampling by 2 when asked."""

    def __init__(self, in_channels: int, out_channels: int, downsample: bool) -> None:
        super().__init__()
        self.downsample = downsample
        self.relu1, self.relu2 = nn.ReLU(), nn.ReLU()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        # A learned shortcut only where the identity cannot match the residual branch's shape.
        learned = downsample or in_channels != out_channels
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1) if learned else nn.Identity()

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(x, 2) if self.downsample else x

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.pool(self.conv2(self.relu2(self.conv1(self.relu1(x)))))
        return h + self.pool(self.shortcut(x))


class OptimizedDBlock(nn.Module):
    """The discriminator's first block: no activation on the image, shortcut pooled first."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.shortcut = nn.Conv2d(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.avg_pool2d(self.conv2(self.relu(self.conv1(x))), 2)
        return h + self.shortcut(F.avg_pool2d(x, 2))


def global_sum_pool(h: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, C): the sum over positions, as SNGAN's and BigGAN's discriminators do
    (a sum, not a mean, so the logit's scale grows with the map like the papers')."""
    return h.sum(dim=(2, 3))
