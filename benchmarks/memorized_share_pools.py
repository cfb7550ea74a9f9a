"""Does a metric's reading of the memorized-share ladder come from copying, or from the pool it draws?

The memorized-share ladder's copies come from the training images (1,438 digits) and its clean foot
from the held-out ones (359, or 179 when the reference is the other half of them), each drawn 2,000
times with replacement. A metric that favours more distinct images reads the copies as better for
that alone. This check evaluates, at each seed, the clean foot, 100% copies of every training image
(the ladder's step), and 100% copies drawn from as many training images as the clean foot has: the
only difference left between the last and the first is whether the images were trained on.

    python -m benchmarks.memorized_share_pools all        # the runs' reference: every image
    python -m benchmarks.memorized_share_pools held-out   # --data-opt subset=0.8 --data-opt reference=held-out
"""

from __future__ import annotations

import dataclasses
import sys

import torch

from ganbench.engine.control_run import control_config, prepare_control
from ganbench.engine.evaluation import evaluate
from ganbench.ladders import build_step

REFERENCES = {"all": {}, "held-out": {"subset": 0.8, "reference": "held-out"}}


def domain_fid(name: str, options: dict, seed: int, equal_pool: bool = False) -> float:
    setup = prepare_control(control_config(name, {
        "dataset": {"name": "digits", "options": options}, "device": "cpu", "seed": seed, "eval_samples": 2000,
        "evaluators": [{"name": "domain-fid", "options": {}}]}))
    if equal_pool:  # copies from as many distinct training images as the clean foot draws from
        data = setup.source._data
        keep = torch.randperm(len(data.training), generator=torch.Generator().manual_seed(seed))[: len(data.base)]
        setup.generator = build_step(name, dataclasses.replace(
            data, training=data.training[keep], training_labels=data.training_labels[keep]), seed)
    return evaluate(setup, None, []).metrics["domain_fid"]


def main(arguments: list[str]) -> None:
    if len(arguments) != 1 or arguments[0] not in REFERENCES:
        sys.exit(f"usage: python -m benchmarks.memorized_share_pools {{{','.join(REFERENCES)}}}")
    options = REFERENCES[arguments[0]]
    print("seed | clean | 100% copies (every training image) | 100% copies (an equal pool)")
    for seed in (0, 1, 2):
        figures = (domain_fid("clean@0", options, seed), domain_fid("memorized-share@1", options, seed),
                   domain_fid("memorized-share@1", options, seed, equal_pool=True))
        print(f"{seed} | " + " | ".join(f"{value:.3f}" for value in figures))


if __name__ == "__main__":
    main(sys.argv[1:])
