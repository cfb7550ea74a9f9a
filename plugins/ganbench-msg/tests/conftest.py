"""Shared test pieces, and ``ganbench_msg`` importable from a checkout without installing it."""

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from ganbench.architecture import Neck

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
if str(PACKAGE_ROOT) not in sys.path:
    sys.path.insert(0, str(PACKAGE_ROOT))


class AppendOnesChannel(nn.Module):
    """Stands in for minibatch-std: one extra channel that the heads must expect."""

    added_channels = 1

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return torch.cat([h, torch.ones_like(h[:, :1])], dim=1)


@pytest.fixture
def channel_adding_neck() -> Neck:
    return Neck(AppendOnesChannel())

