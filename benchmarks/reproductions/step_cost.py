"""Seconds per training step of the reproductions' networks on this machine, measured through the
engine (``prepare`` + ``AdversarialStep``, no files, no evaluation), so a suite's CPU budget is
chosen from what a step costs here, before any run.

    python -m benchmarks.reproductions.step_cost [--steps 50]

Prints one line per setting: the PacGAN nets (Lin et al. 2018) plain and packed, and the
unrolled GAN's small MLPs (Metz et al. 2017) with k = 0, 5 and 10.
"""

from __future__ import annotations

import argparse
import time

import torch

from ganbench.config import Choice, RunConfig
from ganbench.resolve import resolve_config
from ganbench.engine.setup import prepare
from ganbench.engine.step import AdversarialStep
from ganbench.contracts.stabilizer import StepInfo

PACGAN_NETS = {"g_hidden": 400, "g_layers": 4, "d_hidden": 200, "d_layers": 3, "d_maxout": 5, "output": "linear"}
PACGAN = dict(arch=Choice("mlp", PACGAN_NETS), batch_size=100, lr_g=1e-4, lr_d=1e-4, beta1=0.8)
# Metz et al. 2017, appendix: G 2x128 ReLU, D 1x128, batch 512, z 256, Adam 1e-4 (beta1 0.5).
UNROLLED = dict(arch=Choice("mlp", {"g_hidden": 128, "g_layers": 2, "d_hidden": 128, "d_layers": 1,
                                    "output": "linear"}),
                batch_size=512, latent_dim=256, lr_g=1e-4, lr_d=1e-4)

SETTINGS = {
    "pacgan nets, no packing": (PACGAN, []),
    "pacgan nets, pac m=2": (PACGAN, [Choice("pac", {"m": 2})]),
    "unrolled nets, k=0 (plain)": (UNROLLED, []),
    "unrolled nets, k=5": (UNROLLED, [Choice("unrolled", {"k": 5})]),
    "unrolled nets, k=10": (UNROLLED, [Choice("unrolled", {"k": 10})]),
}


def seconds_per_step(values: dict, stabilizers: list, steps: int) -> float:
    config = resolve_config(RunConfig(dataset=Choice("ring8"), stabilizers=stabilizers, steps=steps, device="cpu",
                                      evaluators=[], **values))
    setup = prepare(config)
    step = AdversarialStep(setup)
    for warm in range(3):
        step(StepInfo(warm, steps))
    started = time.perf_counter()
    for index in range(steps):
        step(StepInfo(index, steps))
    return (time.perf_counter() - started) / steps


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--only", default="", help="a substring of the settings to time")
    args = parser.parse_args()
    print(f"torch threads: {torch.get_num_threads()}")
    for name, (values, stabilizers) in SETTINGS.items():
        if args.only in name:
            print(f"{name}: {1000 * seconds_per_step(values, stabilizers, args.steps):.1f} ms/step", flush=True)


if __name__ == "__main__":
    main()
