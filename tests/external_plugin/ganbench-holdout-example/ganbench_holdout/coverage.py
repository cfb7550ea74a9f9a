"""``density-coverage``: Naeem, Oh, Uh, Choi & Yoo (2020), "Reliable Fidelity and Diversity Metrics
for Generative Models", here in pixel space: density counts how many real k-NN balls hold each
fake (fidelity), coverage the share of real balls that hold a fake (diversity)."""

from __future__ import annotations

import dataclasses

import torch

from ganbench.evaluate.evaluator import EvalContext, Evaluator, quantize


@dataclasses.dataclass(frozen=True)
class DensityCoverageOptions:
    k: int = 5  # neighbours that set each real sample's radius (the paper's default)

    def __post_init__(self):
        if self.k < 1:
            raise ValueError(f"k must be positive, got {self.k}.")


def pixels(images: torch.Tensor) -> torch.Tensor:
    return quantize(images).flatten(1).double() / 255


class DensityCoverage(Evaluator):
    name = "density-coverage"
    description = "Density and coverage (Naeem et al. 2020) in pixel space."
    Options = DensityCoverageOptions
    directions = {"pixel_density": "higher", "pixel_coverage": "higher"}

    def applies_to(self, spec, dataset):
        return False  # asked for by name only

    def evaluate(self, ctx: EvalContext):
        real, _ = ctx.real(ctx.num_samples)
        fake, _ = ctx.sample(ctx.num_samples)
        real, fake = pixels(real), pixels(fake)
        k = min(self.options.k, len(real) - 1)
        radii = torch.cdist(real, real).kthvalue(k + 1, dim=1).values  # the k-th neighbour other than itself
        inside = torch.cdist(real, fake) <= radii[:, None]  # real ball i holds fake j
        density = inside.sum().item() / (k * len(fake))
        coverage = inside.any(dim=1).double().mean().item()
        return {"pixel_density": density, "pixel_coverage": coverage}

    def protocol(self, ctx):
        return {"space": "pixels", "k": self.options.k, "samples": ctx.num_samples}
