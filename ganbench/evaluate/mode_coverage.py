"""Mode coverage on the 2-D Gaussian mixtures (``ring8``, ``grid25``).

The definitions of Srivastava et al. (2017), "VEEGAN: Reducing Mode Collapse in GANs using
Implicit Variational Learning", also used by Lin et al. (2018), "PacGAN: The power of two
samples in generative adversarial networks":

- a generated point is *high quality* when it lies within three standard deviations of the
  nearest mode centre;
- a mode is *covered* when it is the nearest mode of at least one high-quality point;
- the *reverse KL* is KL(P_gen || P_real) between the histograms of generated and real points
  over the modes, each point counted at its nearest centre.

The centres and the standard deviation come from the data source (``MixtureSource.centers``
and ``.std``, in the same scaled space as the samples).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from ganbench.data.spec import DataSpec
from ganbench.evaluator import EvalContext, Evaluator

NO_ZERO = 1e-12  # stands in for a real probability of 0, which would make the reverse KL infinite


def nearest_modes(points: torch.Tensor, centers: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For each point (N, 2): the index of its nearest centre (K, 2) and the distance to it."""
    distances = torch.cdist(points.float(), centers.float().to(points.device))
    nearest = distances.min(dim=1)
    return nearest.indices, nearest.values


def high_quality_mask(distances: torch.Tensor, std: float, radius_stds: float = 3.0) -> torch.Tensor:
    """Points within ``radius_stds`` standard deviations of their nearest mode."""
    return distances <= radius_stds * std


def modes_covered(modes: torch.Tensor, high_quality: torch.Tensor, num_modes: int, min_points: int = 1) -> int:
    """Modes that are the nearest mode of at least ``min_points`` high-quality points."""
    counts = torch.bincount(modes[high_quality], minlength=num_modes)
    return int((counts >= min_points).sum())


def mode_histogram(modes: torch.Tensor, num_modes: int) -> torch.Tensor:
    """Share of the points at each mode, as float64 probabilities."""
    counts = torch.bincount(modes.flatten().cpu(), minlength=num_modes).double()
    return counts / counts.sum().clamp_min(1)


def reverse_kl(generated: torch.Tensor, real: torch.Tensor) -> float:
    """KL(generated || real) in nats for two histograms (counts or probabilities) over the same bins.

    Bins the generator never reaches add nothing (0 log 0 = 0); a bin that has generated mass but
    no real mass would make the divergence infinite, so its real share counts as 1e-12.
    """
    p = generated.double() / generated.double().sum()
    q = (real.double() / real.double().sum()).clamp_min(NO_ZERO)
    support = p > 0
    return float((p[support] * (p[support] / q[support]).log()).sum())


@dataclasses.dataclass(frozen=True)
class ModeCoverageOptions:
    samples: int = 0  # generated points; 0: the run's eval_samples
    radius_stds: float = 3.0  # a point within this many standard deviations of a centre is high quality
    min_points: int = 1  # high-quality points a mode needs to count as covered

    def __post_init__(self) -> None:
        if self.samples < 0:
            raise ValueError(f"samples must be 0 (the run's eval_samples) or positive, got {self.samples}.")
        if not self.radius_stds > 0:
            raise ValueError(f"radius_stds must be positive, got {self.radius_stds}.")
        if self.min_points < 1:
            raise ValueError(f"min_points must be a positive integer, got {self.min_points}.")


class ModeCoverage(Evaluator):
    """Modes covered, share of high-quality points and reverse KL over the modes (VEEGAN, PacGAN)."""

    name = "mode-coverage"
    description = "Modes covered, high-quality share and reverse KL on 2-D Gaussian mixtures (VEEGAN/PacGAN)."
    Options = ModeCoverageOptions
    directions = {"modes_covered": "higher", "high_quality_share": "higher", "mode_reverse_kl": "lower"}
    skipped: str | None = None  # why the last evaluation measured nothing

    def applies_to(self, spec: DataSpec, dataset: str) -> bool:
        return spec.kind == "vector" and spec.shape == (2,)

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        self.skipped = None
        centers, std = getattr(ctx.source, "centers", None), getattr(ctx.source, "std", None)
        if centers is None or std is None:
            self.skipped = f"dataset {ctx.dataset!r} exposes no mixture centres"
            return {}
        points, _ = ctx.sample(self.sample_count(ctx))
        modes, distances = nearest_modes(points, centers)
        high_quality = high_quality_mask(distances, std, self.options.radius_stds)
        return {
            "modes_covered": float(modes_covered(modes, high_quality, len(centers), self.options.min_points)),
            "high_quality_share": float(high_quality.float().mean()),
            "mode_reverse_kl": reverse_kl(mode_histogram(modes, len(centers)), real_mode_histogram(ctx, centers)),
        }

    def sample_count(self, ctx: EvalContext) -> int:
        return self.options.samples or ctx.num_samples

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        if self.skipped:
            return {"skipped": self.skipped}
        centers = ctx.source.centers
        return {
            "generated_samples": self.sample_count(ctx), "seed": ctx.seed, "modes": len(centers),
            "std": ctx.source.std, "high_quality_radius": f"{self.options.radius_stds:g} standard deviations",
            "covered_when": f"nearest mode of at least {self.options.min_points} high-quality point(s)",
            "reverse_kl": "KL(generated || real) in nats over nearest-mode histograms",
            "real_histogram": "modes the real samples were drawn from" if hasattr(ctx.source, "modes")
                              else "real samples at their nearest centre",
            "definition": "Srivastava et al. 2017 (VEEGAN); Lin et al. 2018 (PacGAN)",
        }


def real_mode_histogram(ctx: EvalContext, centers: torch.Tensor) -> torch.Tensor:
    """The real data's share per mode: the modes it was drawn from when the source knows them."""
    drawn_from = getattr(ctx.source, "modes", None)
    if drawn_from is not None:
        return mode_histogram(drawn_from, len(centers))
    real, _ = ctx.real()
    return mode_histogram(nearest_modes(real, centers)[0], len(centers))

