"""Shared test pieces, ``ganbench_stylegan2`` importable from a checkout without installing it, and
tests on one thread."""

import sys
from pathlib import Path

import pytest
import torch

from ganbench.api import Neck
from ganbench.api.testing import AppendOnesChannel  # the neck layer the contract checks use

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
if str(PACKAGE_ROOT) not in sys.path:
    sys.path.insert(0, str(PACKAGE_ROOT))


@pytest.fixture(autouse=True)
def one_thread():
    """Nets this small train fastest on one thread; several threads fight over a shared CPU."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def channel_adding_neck() -> Neck:
    return Neck(AppendOnesChannel())
