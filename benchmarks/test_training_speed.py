"""Training throughput and engine overhead, each measured against a baseline in the same run.

    make benchmark        (pytest benchmarks --benchmark-only --benchmark-enable)

Figures are images per second of the whole training loop, data included, and the ratio to
the baseline measured in the same test, so that the ratio holds on a noisy machine.
"""

from __future__ import annotations

import dataclasses
import time

import pytest
import torch

from benchmarks.conftest import report
from benchmarks.reference_loop import reference_training
from ganbench.config import Choice, RunConfig
from ganbench.datasets.idx import read_split
from ganbench.engine.run import run
from ganbench.engine.setup import prepare
from ganbench.engine.step import AdversarialStep
from ganbench.contracts.stabilizer import StepInfo

BATCH = 64
STEPS = {32: 60, 64: 20}


def mnist_config(mnist_root, results, arch="dcgan", loss="bce", resolution=32, steps=60, **changes) -> RunConfig:
    values = dict(arch=Choice(arch), loss=Choice(loss), dataset=Choice("mnist", {"split": "test"}),
                  data_root=str(mnist_root), resolution=resolution, batch_size=BATCH, steps=steps,
                  log_every=20, sample_every=10_000, checkpoint_every=10_000, evaluators=[],
                  results_dir=str(results))
    values.update(changes)
    return RunConfig(**values)


def ganbench_images_per_second(config: RunConfig) -> tuple[float, float]:
    """(training-loop img/s, end-to-end img/s including data loading and set-up)."""
    started = time.perf_counter()
    report_ = run(config, show_progress=False, restart=True)
    elapsed = time.perf_counter() - started
    return report_.result.img_per_s, report_.result.images_seen / elapsed


@pytest.mark.parametrize("resolution", [32, 64])
def test_dcgan_against_the_reference_loop(benchmark, mnist_root, tmp_path, resolution):
    steps = STEPS[resolution]
    config = mnist_config(mnist_root, tmp_path, resolution=resolution, steps=steps)
    ours = benchmark.pedantic(ganbench_images_per_second, args=(config,), rounds=1, iterations=1)
    setup = prepare(config)  # the same models, freshly initialised, for the reference loop
    images, _ = read_split(mnist_root / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz",
                           mnist_root / "MNIST" / "raw" / "t10k-labels-idx1-ubyte.gz")
    started = time.perf_counter()
    reference = reference_training(setup.generator, setup.discriminator, images.squeeze(1).numpy(), resolution,
                                   BATCH, steps, config.latent_dim, device=setup.device)
    reference_end_to_end = steps * BATCH / (time.perf_counter() - started)
    report(benchmark, resolution=resolution, ganbench_img_s=ours[0], reference_img_s=reference,
           ratio_loop=ours[0] / reference, ratio_end_to_end=ours[1] / reference_end_to_end,
           device=str(setup.device))


@pytest.mark.parametrize("arch, loss", [("msg", "bce"), ("dcgan", "wgan-gp")])
@pytest.mark.parametrize("resolution", [32, 64])
def test_variant_throughput(benchmark, mnist_root, tmp_path, arch, loss, resolution):
    config = mnist_config(mnist_root, tmp_path, arch=arch, loss=loss, resolution=resolution,
                          steps=max(4, STEPS[resolution] // 3))
    ours = benchmark.pedantic(ganbench_images_per_second, args=(config,), rounds=1, iterations=1)
    report(benchmark, arch=arch, loss=loss, resolution=resolution, ganbench_img_s=ours[0])


def bare_step(setup, batch: int):
    """The same update with nothing around it: no stabilizer hooks, targets, scalars or grad norms."""
    generator, discriminator = setup.generator, setup.discriminator
    loss = torch.nn.functional.binary_cross_entropy_with_logits
    ones, zeros = torch.ones(batch, device=setup.device), torch.zeros(batch, device=setup.device)

    def step():
        real, _ = setup.source.sample(batch)
        fake = generator(torch.randn(batch, setup.config.latent_dim, device=setup.device))
        d_loss = loss(discriminator(real).logits, ones) + loss(discriminator(fake.detach()).logits, zeros)
        setup.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        setup.opt_d.step()
        discriminator.requires_grad_(False)
        g_loss = loss(discriminator(fake).logits, ones)
        discriminator.requires_grad_(True)
        setup.opt_g.zero_grad(set_to_none=True)
        g_loss.backward()
        setup.opt_g.step()
    return step


def seconds_per_step(step, steps: int) -> float:
    for _ in range(3):
        step()  # warm-up
    started = time.perf_counter()
    for _ in range(steps):
        step()
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return (time.perf_counter() - started) / steps


def test_engine_overhead_over_the_bare_step(benchmark, mnist_root, tmp_path):
    setup = prepare(mnist_config(mnist_root, tmp_path))
    from ganbench.engine.scalars import ScalarAccumulator
    from ganbench.engine.step import SCALARS
    engine_step, scalars = AdversarialStep(setup), ScalarAccumulator(SCALARS, setup.device)

    def ganbench_step():
        scalars.add(engine_step(StepInfo(0, 1)))  # logging on: scalars accumulate on the device

    bare = bare_step(setup, BATCH)
    # Interleave rounds so that load on the machine hits both alike; keep the best of each.
    ours, theirs = [], []
    for _ in range(3):
        ours.append(seconds_per_step(ganbench_step, 10))
        theirs.append(seconds_per_step(bare, 10))
    benchmark.pedantic(ganbench_step, rounds=5, iterations=1)
    report(benchmark, ganbench_ms=min(ours) * 1e3, bare_ms=min(theirs) * 1e3,
           overhead_percent=(min(ours) / min(theirs) - 1) * 100)


# The widths of benchmarks/suites/modern-vs-classic.toml, whose steps give each family 40 s of one thread.
STUDY_WIDTHS = [("dcgan", {"base_channels": 32}), ("msg", {"base_channels": 32}),
                ("resnet", {"g_channels": 16, "d_channels": 16}), ("biggan", {"g_channels": 4}),
                ("stylegan2", {"channel_max": 16, "w_dim": 64})]


def one_thread_images_per_second(configs: list[RunConfig]) -> list[float]:
    """Training img/s of each configuration on one thread, as a sweep worker of two trains."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return [ganbench_images_per_second(config)[0] for config in configs]
    finally:
        torch.set_num_threads(threads)


def test_family_throughput_at_the_modern_vs_classic_widths(benchmark, mnist_root, tmp_path):
    """The calibration behind modern-vs-classic's steps, re-measurable: img/s of each family at the
    study's widths, one thread, 32 px, 64 steps (lazy R1 and path length included), with the ratio to
    dcgan measured in the same test."""
    configs = [mnist_config(mnist_root, tmp_path / name, arch=name, steps=64) for name, _ in STUDY_WIDTHS]
    configs = [dataclasses.replace(config, arch=Choice(name, options))
               for config, (name, options) in zip(configs, STUDY_WIDTHS)]
    rates = benchmark.pedantic(one_thread_images_per_second, args=(configs,), rounds=1, iterations=1)
    figures = {}
    for (name, _), rate in zip(STUDY_WIDTHS, rates):
        figures[f"{name}_img_s"] = rate
        figures[f"{name}_ratio_to_dcgan"] = rate / rates[0]
        figures[f"{name}_steps_in_40s"] = 40 * rate / BATCH
    report(benchmark, **figures)
