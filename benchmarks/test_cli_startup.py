"""How long `ganbench --help` and `ganbench list` take, against the floor of importing torch: the
commands that need no model should not pay for torch (issue: lazy imports and the plugin catalogue)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from benchmarks.conftest import report

ENV = {**os.environ, "HF_HUB_OFFLINE": "1"}


def seconds(command: list[str], repeats: int = 3) -> float:
    """The fastest of ``repeats`` runs: start-up time with warm file caches."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=ENV)
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("args", [["--help"], ["list"]], ids=["help", "list"])
def test_commands_without_a_model_start_faster_than_importing_torch(benchmark, args):
    subprocess.run([sys.executable, "-m", "ganbench", "list"], check=True, capture_output=True, env=ENV)  # catalogue
    command = benchmark.pedantic(seconds, args=([sys.executable, "-m", "ganbench", *args],), rounds=1, iterations=1)
    torch_floor = seconds([sys.executable, "-c", "import torch"])
    report(benchmark, command_s=command, import_torch_s=torch_floor, ratio=command / torch_floor)
    assert command < torch_floor, "the command imports torch (or something as slow) to answer"
