"""Shared test pieces, and ``ganbench_dcgan`` importable from a checkout without installing it."""

import sys
from pathlib import Path

import pytest

from ganbench.architecture import Neck
from ganbench.testing import AppendOnesChannel  # the neck layer the contract checks use

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
if str(PACKAGE_ROOT) not in sys.path:
    sys.path.insert(0, str(PACKAGE_ROOT))


@pytest.fixture
def channel_adding_neck() -> Neck:
    return Neck(AppendOnesChannel())
