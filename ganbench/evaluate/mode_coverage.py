"""Mode coverage on the 2-D Gaussian mixtures (``ring8``, ``grid25``), as the papers define it.

Srivastava et al. (2017), "VEEGAN: Reducing Mode Collapse in GANs using Implicit Variational
Learning", section 5.1, and Lin et al. (2018), "PacGAN: The power of two samples in generative
adversarial networks", section 5 and appendix, measure a trained generator with 2,500 samples:

- a generated point is *high quality* when it lies within three standard deviations of the
  nearest mode centre (VEEGAN);
- the papers count a mode as *covered* when at least one high-quality point has it as its
  nearest mode (VEEGAN, and PacGAN's released code, whose metric logger counts the modes with a
  non-zero count of high-quality points). That count is reported as ``modes_covered_paper``, to
  compare with the papers' tables;
- ganbench's own, stricter ``modes_covered`` needs at least ``min_points`` (20) high-quality
  points on a mode, a fifth of the 100 a perfect generator puts on each of the 25 grid modes.
  The 20 is ganbench's choice, not a paper's: with the papers' single point, uniform noise over
  the data's square covers about 20 of the 25 grid modes (1.8 of its 2,500 points fall within
  three standard deviations of each mode on average), so that "covered" does not tell a
  generator from noise (the noise control shows it). ``min_points=1`` makes both counts equal;
- the *reverse KL* is KL(P_hq || U): the histogram of the high-quality points over their nearest
  modes against the mixture's own equal weights (PacGAN's "reverse KL"). With no high-quality
  point at all the histogram is empty; the figure is then log K, its value for a generator that
  puts everything on one mode, the worst it can be otherwise.

Read ``mode_reverse_kl`` next to ``high_quality_share``: the KL only looks at the points that
landed on a mode, so a generator that is mostly noise can still spread its few good points
evenly.

The centres and the standard deviation come from the data source (``MixtureSource.centers``
and ``.std``, in the same scaled space as the samples).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import torch

from ganbench.data.spec import DataSpec
from ganbench.contracts.evaluator import EvalContext, Evaluator

NO_ZERO = 1e-12  # stands in for a real probability of 0, which would make the reverse KL infinite


def nearest_modes(points: torch.Tensor, centers: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """For each point (N, 2): the index of its nearest centre (K, 2) and the distance to it."""
    distances = torch.cdist(points.float(), centers.float().to(points.device))
    nearest = distances.min(dim=1)
    return nearest.indices, nearest.values


def high_quality_mask(distances: torch.Tensor, std: float, radius_stds: float = 3.0) -> torch.Tensor:
    """Points within ``radius_stds`` standard deviations of their nearest mode."""
    return distances <= radius_stds * std


def high_quality_histogram(modes: torch.Tensor, high_quality: torch.Tensor, num_modes: int) -> torch.Tensor:
    """Counts of high-quality points at each mode."""
    return torch.bincount(modes[high_quality].flatten().cpu(), minlength=num_modes)


def high_quality_reverse_kl(counts: torch.Tensor) -> float:
    """KL(P_hq || uniform) in nats over the modes; log K when no point is high quality."""
    if counts.sum() == 0:
        return math.log(counts.numel())
    return reverse_kl(counts, torch.ones_like(counts))


def reverse_kl(generated: torch.Tensor, real: torch.Tensor) -> float:
    """KL(generated || real) in nats for two histograms (counts or probabilities) over the same bins.

    Bins the generator never reaches add nothing (0 log 0 = 0); a bin that has generated mass but
    no real mass would make the divergence infinite, so its real share counts as 1e-12.
    """
    p = generated.double() / generated.double().sum()
    q = (real.double() / real.double().sum()).clamp_min(NO_ZERO)
    support = p > 0
    return float((p[support] * (p[support] / q[support]).log()).sum())


PAPER_SAMPLES = 2_500  # VEEGAN and PacGAN: generated points per evaluation
PAPER_RADIUS_STDS = 3.0  # VEEGAN: high quality within three standard deviations of a mode
PAPER_MIN_POINTS = 1  # VEEGAN and PacGAN's code: one high-quality point covers a mode
GANBENCH_MIN_POINTS = 20  # ganbench's own: the papers' single point lets uniform noise cover most modes


@dataclasses.dataclass(frozen=True)
class ModeCoverageOptions:
    samples: int = PAPER_SAMPLES  # generated points; 0: the run's eval_samples
    radius_stds: float = PAPER_RADIUS_STDS  # a point within this many standard deviations of a centre is high quality
    min_points: int = GANBENCH_MIN_POINTS  # high-quality points a mode needs for modes_covered (the papers: 1)

    def __post_init__(self) -> None:
        if self.samples < 0:
            raise ValueError(f"samples must be 0 (the run's eval_samples) or positive, got {self.samples}.")
        if not self.radius_stds > 0:
            raise ValueError(f"radius_stds must be positive, got {self.radius_stds}.")
        if self.min_points < 1:
            raise ValueError(f"min_points must be a positive integer, got {self.min_points}.")


def mode_figures(points: torch.Tensor, centers: torch.Tensor, std: float, radius_stds: float = PAPER_RADIUS_STDS,
                 min_points: int = GANBENCH_MIN_POINTS) -> dict[str, float]:
    """Modes covered (ganbench's ``min_points`` rule and the papers' one point), high-quality share and
    reverse KL of ``points`` (N, 2) against a mixture."""
    modes, distances = nearest_modes(points, centers)
    high_quality = high_quality_mask(distances, std, radius_stds)
    counts = high_quality_histogram(modes, high_quality, len(centers))
    return {
        "modes_covered": float(int((counts >= min_points).sum())),
        "modes_covered_paper": float(int((counts >= PAPER_MIN_POINTS).sum())),
        "high_quality_share": float(high_quality.float().mean()),
        "mode_reverse_kl": high_quality_reverse_kl(counts),
    }


class ModeCoverage(Evaluator):
    """Modes covered, share of high-quality points and reverse KL over the modes (VEEGAN, PacGAN)."""

    name = "mode-coverage"
    description = "Modes covered, high-quality share and reverse KL on 2-D Gaussian mixtures (VEEGAN/PacGAN)."
    Options = ModeCoverageOptions
    directions = {"modes_covered": "higher", "modes_covered_paper": "higher", "high_quality_share": "higher",
                  "mode_reverse_kl": "lower"}
    headline = "modes_covered"
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
        return mode_figures(points, centers, std, self.options.radius_stds, self.options.min_points)

    def sample_count(self, ctx: EvalContext) -> int:
        return self.options.samples or ctx.num_samples

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        if self.skipped:
            return {"skipped": self.skipped}
        centers = ctx.source.centers
        return {
            "generated_samples": self.sample_count(ctx), "seed": ctx.seed, "modes": len(centers),
            "std": ctx.source.std, "radius_stds": self.options.radius_stds, "min_points": self.options.min_points,
            "high_quality_radius": f"{self.options.radius_stds:g} standard deviations of the nearest centre",
            "covered_when": f"nearest mode of at least {self.options.min_points} high-quality point(s)",
            "paper_covered_when": "nearest mode of at least 1 high-quality point (modes_covered_paper)",
            "reverse_kl": "KL(high-quality points' nearest-mode histogram || uniform) in nats; log K when none",
            "definition": "Srivastava et al. 2017 (VEEGAN) and Lin et al. 2018 (PacGAN): high quality, sample count "
                          "and one point per covered mode (modes_covered_paper); ganbench: 20 points (modes_covered)",
        }
