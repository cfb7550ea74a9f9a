"""Where a training step's time goes: torch.profiler over a few steps of a real set-up."""

from __future__ import annotations

from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

from ganbench.engine.setup import Setup
from ganbench.engine.step import AdversarialStep
from ganbench.atomic import write_with
from ganbench.contracts.stabilizer import StepInfo

WARM_UP = 3  # the first steps allocate and pick kernels; they are not what a long run pays


def profile_steps(setup: Setup, steps: int, trace_path: Path, rows: int = 15) -> str:
    """Profile ``steps`` steps after a warm-up, write a Chrome trace, return the top operators."""
    step = AdversarialStep(setup)
    for index in range(WARM_UP):
        step(StepInfo(index, WARM_UP + steps))
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if setup.device.type == "cuda" else [])
    with profile(activities=activities, record_shapes=False) as profiler:
        for index in range(steps):
            step(StepInfo(WARM_UP + index, WARM_UP + steps))
        if setup.device.type == "cuda":
            torch.cuda.synchronize()
    write_with(trace_path, lambda temporary: profiler.export_chrome_trace(str(temporary)))
    sort_key = "self_cuda_time_total" if setup.device.type == "cuda" else "self_cpu_time_total"
    return profiler.key_averages().table(sort_by=sort_key, row_limit=rows)
