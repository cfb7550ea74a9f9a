"""Equalized learning rate: Karras, Aila, Laine & Lehtinen (2018), "Progressive Growing of GANs",
section 4.1, kept by StyleGAN2 (Karras et al. 2020).

Weights are drawn from N(0, 1) and multiplied at every forward pass by He's constant
1/sqrt(fan_in), instead of being initialised at that scale. Adam's updates are scale-free, so
every layer then learns at the same speed whatever its fan-in. ``lr_multiplier`` slows a layer
further (the mapping network uses 0.01) by the same trick.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

LEAK = 0.2  # LeakyReLU slope of both networks


class EqualizedLinear(nn.Module):
    """A linear layer with runtime weight scaling; ``bias_init`` 1 makes style affines start at 1."""

    def __init__(self, in_features: int, out_features: int, bias_init: float = 0.0,
                 lr_multiplier: float = 1.0) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init)) / lr_multiplier)
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.weight_gain, self.bias * self.bias_gain)


class EqualizedConv2d(nn.Module):
    """A stride-1 "same" convolution with runtime weight scaling."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size * kernel_size)
        self.padding = kernel_size // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.weight_gain, self.bias, padding=self.padding)


class ScaledLeakyReLU(nn.LeakyReLU):
    """LeakyReLU(0.2) times sqrt(2), which keeps unit-variance activations at unit variance.

    A subclass of ``nn.LeakyReLU`` so that ganbench's linear probe finds it with its hooks."""

    def __init__(self) -> None:
        super().__init__(LEAK)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x) * math.sqrt(2)
