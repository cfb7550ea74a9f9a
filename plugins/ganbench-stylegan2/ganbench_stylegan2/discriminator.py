"""The StyleGAN2 residual discriminator: Karras et al. (2020), "Analyzing and Improving the Image
Quality of StyleGAN", section 4.1 (figure 7c), config F.

The image enters once through a 1x1 "fromRGB" convolution. Each residual block halves the map:
3x3 conv, LeakyReLU, 3x3 conv, 2x down-sampling, LeakyReLU, plus a shortcut of down-sampling and
a bias-free 1x1 conv; the sum is scaled by 1/sqrt(2) to keep the variance. At 4x4 the epilogue:
minibatch standard deviation (Karras et al. 2018), 3x3 conv, a fully connected layer and the
logit. Equalized learning rate throughout, and no normalisation.

ganbench's split: ``features`` is everything down to the 4x4 map, so the neck (dropout, d-noise)
acts there; the head is the epilogue, which applies the paper's minibatch-std itself.
Simplification: down-sampling is 2x2 average pooling, where the paper blurs with the
[1, 3, 3, 1] filter before a stride-2 convolution.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.api import Discriminator, DOutput, MinibatchStdLayer, Neck
from ganbench_stylegan2.equalized import EqualizedConv2d, EqualizedLinear, ScaledLeakyReLU


class ResidualBlock(nn.Module):
    """(B, C_in, H, W) -> (B, C_out, H/2, W/2), residual with a learned 1x1 shortcut."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv0 = EqualizedConv2d(in_channels, in_channels, 3)
        self.act0 = ScaledLeakyReLU()
        self.conv1 = EqualizedConv2d(in_channels, out_channels, 3)
        self.act1 = ScaledLeakyReLU()
        self.skip = EqualizedConv2d(in_channels, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.act1(F.avg_pool2d(self.conv1(self.act0(self.conv0(x))), 2))
        return (self.skip(F.avg_pool2d(x, 2)) + h) * math.sqrt(0.5)


class StyleGAN2Discriminator(Discriminator):
    """Image -> fromRGB -> residual blocks to 4x4 (features) -> neck -> minibatch-std, conv, fc, fc (head)."""

    def __init__(self, neck: Neck, widths: list[int], image_channels: int, mbstd_group: int) -> None:
        """``widths`` are the channels at each resolution, fine to coarse, ending at 4x4."""
        super().__init__(neck)
        self.from_rgb = nn.Sequential(EqualizedConv2d(image_channels, widths[0], 1), ScaledLeakyReLU())
        self.blocks = nn.Sequential(*[ResidualBlock(w_in, w_out) for w_in, w_out in zip(widths, widths[1:])])
        width = widths[-1]
        self.mbstd = MinibatchStdLayer(mbstd_group) if mbstd_group else nn.Identity()
        head_in = self.neck.out_channels(width) + (1 if mbstd_group else 0)
        self.conv = nn.Sequential(EqualizedConv2d(head_in, width, 3), ScaledLeakyReLU())
        self.fc = nn.Sequential(EqualizedLinear(width * 16, width), ScaledLeakyReLU())
        self.out = EqualizedLinear(width, 1)

    def features(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        return self.blocks(self.from_rgb(x))

    def head(self, h: torch.Tensor, y: torch.Tensor | None) -> DOutput:
        h = self.conv(self.mbstd(h))
        return DOutput(self.out(self.fc(h.flatten(1))).squeeze(1))
