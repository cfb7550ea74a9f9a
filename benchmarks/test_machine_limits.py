"""How close the step gets to the machine: model FLOPs utilisation, memory over a long run,
and evaluation throughput.

MFU = (FLOPs of one training step, counted by torch.utils.flop_counter) / (step time) divided
by the matrix-multiply throughput measured on the same machine in the same run, fp32 against
fp32 and bf16 (autocast, channels-last) against bf16.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.conftest import report
from benchmarks.test_training_speed import mnist_config, seconds_per_step
from ganbench.config import Choice, RunConfig
from ganbench.engine import step as step_module
from ganbench.engine.run import run
from ganbench.engine.setup import prepare
from ganbench.engine.step import AdversarialStep
from ganbench.contracts.stabilizer import StepInfo


def matmul_flops_per_second(dtype: torch.dtype, size: int = 1024, repeats: int = 20) -> float:
    a = torch.randn(size, size, dtype=dtype)
    b = torch.randn(size, size, dtype=dtype)
    for _ in range(3):
        a @ b
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(repeats):
            a @ b
        best = min(best, (time.perf_counter() - started) / repeats)
    return 2 * size ** 3 / best


def step_flops(step) -> int:
    with FlopCounterMode(display=False) as counter:
        step(StepInfo(0, 1))
    return counter.get_total_flops()


@pytest.mark.parametrize("precision, channels_last", [("fp32", False), ("bf16", True)])
def test_mfu_of_the_32px_dcgan_step(benchmark, mnist_root, tmp_path, precision, channels_last):
    config = mnist_config(mnist_root, tmp_path, precision=precision, channels_last=channels_last, device="cpu")
    setup = prepare(config)
    step = AdversarialStep(setup)
    flops = step_flops(step)
    seconds = min(seconds_per_step(lambda: step(StepInfo(0, 1)), 10) for _ in range(2))
    peak = matmul_flops_per_second(torch.float32 if precision == "fp32" else torch.bfloat16)
    benchmark.pedantic(step, args=(StepInfo(0, 1),), rounds=3, iterations=1)
    report(benchmark, precision=precision, step_gflop=flops / 1e9, step_ms=seconds * 1e3,
           achieved_gflops=flops / seconds / 1e9, matmul_gflops=peak / 1e9, mfu=flops / seconds / peak)


def resident_megabytes() -> float:
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("RSS is read from /proc on Linux")
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS line")


def test_memory_between_step_500_and_5000(benchmark, tmp_path, monkeypatch):
    readings = {}
    original = step_module.AdversarialStep.__call__

    def measured(self, info):
        if info.step in (500, 5000 - 1):
            readings[info.step] = resident_megabytes()
        return original(self, info)

    monkeypatch.setattr(step_module.AdversarialStep, "__call__", measured)
    config = RunConfig(arch=Choice("mlp"), dataset=Choice("ring8"), steps=5000, batch_size=64, log_every=50,
                       sample_every=1000, checkpoint_every=500, evaluators=[], device="cpu",
                       results_dir=str(tmp_path))
    benchmark.pedantic(run, args=(config,), kwargs={"show_progress": False}, rounds=1, iterations=1)
    growth = readings[4999] / readings[500] - 1
    report(benchmark, rss_step_500_mb=readings[500], rss_step_5000_mb=readings[4999],
           growth_percent=growth * 100)


def test_domain_fid_on_10k_samples(benchmark, tmp_path):
    from ganbench.engine.evaluation import evaluate
    config = RunConfig(arch=Choice("dcgan"), dataset=Choice("digits"), evaluators=[Choice("domain-fid")],
                       eval_samples=10_000, device="cpu", results_dir=str(tmp_path))
    setup = prepare(config)
    evaluate(setup, None, [])  # trains and caches the domain classifier once, outside the timing
    evaluation = benchmark.pedantic(evaluate, args=(setup, None, []), rounds=1, iterations=1)
    report(benchmark, samples=10_000, seconds=evaluation.seconds, domain_fid=evaluation.metrics.get("domain_fid"))
