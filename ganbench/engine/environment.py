"""What produced a result: versions, device, plugins."""

from __future__ import annotations

import platform
import sys
from typing import Any

import torch

import ganbench
from ganbench.plugin_host import plugins
from ganbench.engine.device import device_name


def describe_environment(device: torch.device, precision: str) -> dict[str, Any]:
    return {
        "ganbench": ganbench.__version__,
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "platform": platform.platform(),
        "device": str(device),
        "device_name": device_name(device),
        "cpu_threads": torch.get_num_threads(),
        "precision": precision,
        "plugins": plugins.plugin_versions(),
    }
