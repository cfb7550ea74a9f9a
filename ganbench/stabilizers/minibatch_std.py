"""Minibatch standard deviation: Karras, Aila, Laine & Lehtinen (2018), "Progressive Growing of
GANs for Improved Quality, Stability, and Variation", ICLR 2018, section 3.

The discriminator sees one extra feature map: how much the samples of its group differ.
A collapsed generator makes near-identical fakes, whose spread is far below that of real
batches, and D can use that to push G back towards variety. As in the paper: split the batch
into groups, take the standard deviation of every feature over each group, average it over
channels and pixels into one number per group, and append it as a constant channel (or, for
vector features, as one more feature) to every member of the group.

Group size: ``min(group, batch)``. When the batch is not a multiple of it, the largest divisor
of the batch that is at most ``group`` is used instead (a batch of 6 with group 4 uses 3), so
that every sample belongs to a full group.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from ganbench.stabilizers.neck import NeckStabilizer

EPSILON = 1e-8  # inside the square root: keeps the gradient finite for identical samples


@dataclasses.dataclass(frozen=True)
class MinibatchStdOptions:
    """The group size."""

    group: int = 4  # samples per group (Karras et al.: 4)

    def __post_init__(self) -> None:
        if self.group < 2:
            raise ValueError(f"group must be at least 2 (a group of one has no spread), got {self.group}.")


def group_size_for(batch: int, group: int) -> int:
    """The largest divisor of ``batch`` that is at most ``group``."""
    size = min(group, batch)
    while batch % size:
        size -= 1
    return size


class MinibatchStdLayer(nn.Module):
    """(B, C, ...) -> (B, C + 1, ...): the group standard deviation as one extra channel."""

    added_channels = 1  # the head is sized for it through Neck.out_channels

    def __init__(self, group: int) -> None:
        super().__init__()
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch = x.shape[0]
        size = group_size_for(batch, self.group)
        grouped = x.float().reshape(batch // size, size, *x.shape[1:])  # consecutive samples form a group
        spread = (grouped.var(dim=1, unbiased=False) + EPSILON).sqrt()  # (groups, C, ...)
        per_group = spread.flatten(1).mean(dim=1)  # one number per group
        channel = per_group.repeat_interleave(size).to(x.dtype)  # back to one value per sample
        channel = channel.reshape(batch, 1, *([1] * (x.dim() - 2))).expand(batch, 1, *x.shape[2:])
        return torch.cat([x, channel], dim=1)

    def extra_repr(self) -> str:
        return f"group={self.group}"


class MinibatchStd(NeckStabilizer):
    name = "minibatch-std"
    description = "One extra D feature map: the standard deviation across a group of samples (Karras et al. 2018)."
    Options = MinibatchStdOptions
    order = 50  # neck: first, so that the spread is measured on clean features, before noise or dropout

    def make_layer(self) -> nn.Module:
        return MinibatchStdLayer(self.options.group)
