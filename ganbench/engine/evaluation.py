"""Run a setup's evaluators on its current generator."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any

import torch

from ganbench.engine.latent import draw_latent
from ganbench.engine.samples import generate
from ganbench.evaluate.collected_metrics import CollectedMetrics
from ganbench.evaluate.feature_space import open_space
from ganbench.contracts.evaluator import EvalContext

EVAL_SEED = 12_345  # fixed, so that every evaluation of every run sees the same latent vectors


@dataclasses.dataclass
class Evaluation:
    metrics: dict[str, float]
    directions: dict[str, str]
    protocol: dict[str, Any]
    seconds: float


RAW_PREFIX = "raw_"  # the trained generator's figures, beside the EMA generator's


def make_context(setup: Any, run_dir: Path | None, metrics_rows: list[dict[str, Any]],
                 sampler: torch.nn.Module | None = None) -> EvalContext:
    sampler = sampler if sampler is not None else setup.sampling_generator()

    def sample(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        rng = torch.Generator(device=setup.device)
        rng.manual_seed(seed)
        z = draw_latent(n, setup.config.latent_dim, setup.config.latent_dist, setup.device, rng)
        labels = setup.latent.labels(n, generator=rng) if setup.conditional else None
        return generate(sampler, z, labels), labels

    # A discriminator that judges packs of samples (PacGAN) has no features of one sample to probe.
    discriminator = setup.discriminator if getattr(setup, "d_pack", 1) == 1 else None
    return EvalContext(spec=setup.spec, dataset=setup.config.dataset.name, source=setup.source,
                       device=setup.device, num_samples=setup.config.eval_samples, seed=EVAL_SEED,
                       run_dir=run_dir, sample_fn=sample, metrics_rows=metrics_rows,
                       discriminator=discriminator, open_feature_space=open_space)


def evaluate(setup: Any, run_dir: Path | None, metrics_rows: list[dict[str, Any]]) -> Evaluation:
    """Every evaluator of the setup; metric names are unique across evaluators.

    When a stabilizer samples with other weights than the trained ones (EMA), the trained generator
    is evaluated too and its figures are kept as ``raw_NAME``, so that a table can show what the
    average adds (or, early in a run, costs)."""
    started = time.perf_counter()
    collected = CollectedMetrics()  # one owner per name; directions only where declared
    protocol: dict[str, Any] = {}
    evaluate_generator(setup, make_context(setup, run_dir, metrics_rows), collected, protocol, "")
    sampler = setup.sampling_generator()
    trained = getattr(setup, "generator", sampler)
    if trained is not sampler:
        raw = make_context(setup, run_dir, metrics_rows, sampler=trained)
        evaluate_generator(setup, raw, collected, protocol, RAW_PREFIX)
    return Evaluation(collected.metrics, collected.directions, protocol, time.perf_counter() - started)


def evaluate_generator(setup: Any, context: EvalContext, collected: CollectedMetrics, protocol: dict[str, Any],
                       prefix: str) -> None:
    for evaluator in setup.evaluators:
        figures = evaluator.evaluate(context)
        collected.add(evaluator, {f"{prefix}{name}": value for name, value in figures.items()}, prefix)
        protocol[f"{prefix}{evaluator.name}"] = evaluator.protocol(context)
