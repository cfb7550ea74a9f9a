"""Density and coverage: Naeem, Oh, Uh, Choi & Yoo (2020), "Reliable Fidelity and Diversity Metrics
for Generative Models", ICML 2020.

Precision and recall (Kynkaanniemi et al. 2019) count a fake as good when it falls inside any real
sample's k-NN ball, so one outlier with a huge ball makes them over-generous. Density and coverage
keep the balls but count differently. With real features X_1..X_N, fake features Y_1..Y_M, and
B(X_i) the ball around X_i whose radius is the distance to its k-th nearest other real sample:

    density  = 1 / (k M) * sum_j sum_i 1[Y_j in B(X_i)]          (how crowded the fakes sit among reals)
    coverage = 1 / N * sum_i 1[exists j: Y_j in B(X_i)]           (the share of real balls a fake reaches)

Density is about 1 when fakes are distributed like reals (it can exceed 1); coverage is bounded by
1, and for two samples of one distribution with M = N its expectation is about 1 - 2^-k (0.97 at
k = 5). The paper uses k = 5 and M = N; here both sides default to the run's ``eval_samples``, the real
ones a seeded random subset of the data.
The k-NN maths is here (torch-fidelity has none for these); the features are the feature space's.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import torch

from ganbench.data.spec import DataSpec
from ganbench.evaluate.feature_space import SPACES
from ganbench.contracts.evaluator import EvalContext, Evaluator
from ganbench.errors import EvaluationError

NEAREST = 5  # k of the paper


def kth_neighbour_radii(real: torch.Tensor, k: int, chunk: int = 2048) -> torch.Tensor:
    """Distance from each real feature to its k-th nearest other real feature."""
    radii = []
    for start in range(0, real.shape[0], chunk):
        distances = torch.cdist(real[start:start + chunk], real)
        radii.append(distances.kthvalue(k + 1, dim=1).values)  # the first is the point itself, at 0
    return torch.cat(radii)


def density_and_coverage(real: torch.Tensor, fake: torch.Tensor, k: int = NEAREST) -> tuple[float, float]:
    """(density, coverage) of fake features against real ones, both (N, D) float."""
    if real.shape[0] <= k:
        raise EvaluationError(f"density and coverage need more than k = {k} real samples, got {real.shape[0]}.")
    radii = kth_neighbour_radii(real, k)
    inside = torch.zeros(real.shape[0], dtype=torch.bool)
    count = 0.0
    for start in range(0, fake.shape[0], 2048):
        within = torch.cdist(fake[start:start + 2048], real) < radii.unsqueeze(0)  # (fakes, reals)
        count += float(within.sum())
        inside |= within.any(dim=0)
    return count / (k * fake.shape[0]), float(inside.double().mean())


def seeded_subset(images: torch.Tensor, count: int, seed: int) -> torch.Tensor:
    """``count`` images drawn without replacement with ``seed``: the first ones of a data set can differ
    from the rest (the first 900 embedded digits come from other writers than the last 897), and
    density assumes real and fake reference samples from one distribution."""
    if count >= images.shape[0]:
        return images
    order = torch.randperm(images.shape[0], generator=torch.Generator().manual_seed(seed))
    return images[order[:count].to(images.device)]


@dataclasses.dataclass(frozen=True)
class DensityCoverageOptions:
    features: Literal["domain", "inception", "timm"] = "domain"  # the feature space (see docs/metrics.md)
    k: int = NEAREST  # neighbours of the real manifold (the paper's 5)
    samples: int = 0  # generated images; 0: the run's eval_samples
    real_samples: int = 0  # real images; 0: as many as generated (the paper's M = N)
    weights: str = ""  # inception and timm: the weights file
    model: str = ""  # timm: the model name; empty: timm-fid's default
    preset: str = ""  # timm: a preset of timm-fid (fd-dinov2)

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"k must be a positive integer, got {self.k}.")
        for name in ("samples", "real_samples"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 (the default count) or positive, got {getattr(self, name)}.")

    def space_options(self) -> dict[str, Any]:
        """The options the chosen feature space takes."""
        if self.features == "inception":
            return {"weights": self.weights}
        if self.features == "timm":
            chosen = {"weights": self.weights, "model": self.model, "preset": self.preset}
            return {key: value for key, value in chosen.items() if value}
        return {}


class DensityCoverage(Evaluator):
    """Density and coverage (Naeem et al. 2020) in a feature space of ganbench."""

    name = "density-coverage"
    description = ("Density and coverage (Naeem et al. 2020), k = 5, in the domain, Inception or timm feature space "
                   "(option features).")
    Options = DensityCoverageOptions
    directions = {f"{space}_{metric}": "higher" for space in SPACES for metric in ("density", "coverage")}
    headline = "domain_coverage"

    counts: tuple[int, int] = (0, 0)
    space_protocol: dict[str, Any] = {}

    def applies_to(self, spec: DataSpec, dataset: str) -> bool:
        return False  # asked for by name: it needs as many real as generated samples

    def check(self, spec: DataSpec, dataset: str) -> None:
        if spec.kind != "image":
            raise EvaluationError(f"evaluator 'density-coverage' measures images, and dataset {dataset!r} is vectors.")
        if self.options.features == "domain" and not spec.labelled:
            raise EvaluationError(f"evaluator 'density-coverage' with features=domain needs class labels to train "
                                  f"the domain classifier, and dataset {dataset!r} has none.")

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        space = ctx.feature_space(self.options.features, **self.options.space_options())
        generated, _ = ctx.sample_uint8(self.options.samples or ctx.num_samples)
        real = seeded_subset(ctx.real_uint8()[0], self.options.real_samples or generated.shape[0], ctx.seed)
        density, coverage = density_and_coverage(space.extract(real, ctx.batch_size),
                                                 space.extract(generated, ctx.batch_size), self.options.k)
        self.counts, self.space_protocol = (generated.shape[0], real.shape[0]), space.protocol()
        prefix = self.options.features
        return {f"{prefix}_density": density, f"{prefix}_coverage": coverage}

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        generated, real = self.counts
        return {**self.space_protocol, "k": self.options.k, "generated_samples": generated, "real_samples": real,
                "reference_split": f"{ctx.dataset}: {real} of {ctx.reference_split()}, a subset drawn with the seed",
                "seed": ctx.seed,
                "formulas": "Naeem et al. 2020, eq. (density) and (coverage); radii: k-th nearest real neighbour"}
