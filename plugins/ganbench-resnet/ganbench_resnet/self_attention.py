"""Self-attention for convolutional GANs: Zhang, Goodfellow, Metaxas & Odena (2019),
"Self-Attention Generative Adversarial Networks", ICML 2019, section 4, in the form BigGAN uses.

Every position attends to every other: with 1x1 convolutions f (query), g (key) and h (value),
beta = softmax(f(x)^T g(x)) over positions, o = v(h(x) beta), and y = x + gamma * o with gamma
a learned scalar that starts at 0, so the net first relies on local convolutions and learns to
use the non-local evidence. As in BigGAN, queries and keys have C/8 channels, values C/2, and
keys and values are 2x2 max-pooled, which quarters the cost without changing the output size.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class SelfAttention(nn.Module):
    """(B, C, H, W) -> (B, C, H, W), the input plus gamma times the attended values."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        reduced, half = max(channels // 8, 1), max(channels // 2, 1)
        self.query = nn.Conv2d(channels, reduced, 1, bias=False)
        self.key = nn.Conv2d(channels, reduced, 1, bias=False)
        self.value = nn.Conv2d(channels, half, 1, bias=False)
        self.out = nn.Conv2d(half, channels, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))  # starts as the identity

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape
        query = self.query(x).flatten(2)  # (B, C/8, N)
        key = F.max_pool2d(self.key(x), 2).flatten(2)  # (B, C/8, N/4)
        value = F.max_pool2d(self.value(x), 2).flatten(2)  # (B, C/2, N/4)
        attention = torch.softmax(query.transpose(1, 2) @ key, dim=-1)  # (B, N, N/4)
        attended = (value @ attention.transpose(1, 2)).reshape(batch, -1, height, width)
        return x + self.gamma * self.out(attended)
