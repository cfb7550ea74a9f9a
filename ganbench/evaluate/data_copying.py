"""Data copying: are generated samples closer to the training images than unseen real images are?

Meehan, Chaudhuri & Dasgupta (2020), "A Non-Parametric Test to Detect Data-Copying in Generative
Models" (AISTATS), compare two distributions of nearest-neighbour distances to the training set T:
that of generated samples Q and that of held-out real samples P (drawn from the same distribution as
T, never trained on). A generator that generalises puts its samples as far from T as P's are; one
that copies puts them closer. Their statistic is the Mann-Whitney U test of the two distance samples,
as a z-score Z_U (Mann & Whitney 1947): about 0 for a generalising model, strongly negative for
copying, positive for samples further from the data than real ones (the paper then computes it per
cell of a partition; ganbench reports the single-cell statistic, which needs no clustering choice).

Two figures, in the pixel space of the uint8 images (flattened, as float):

- ``copy_z``: Z_U. No better direction (too far is not better than right), so it is shown, never
  ranked;
- ``copied_share`` (lower is better): the share of generated samples nearer to a training image than
  the ``REFERENCE_QUANTILE`` quantile of the held-out images' distances. Unseen real data reads about
  that quantile (0.05); a pure memorizer reads 1.

A held-out part is needed: the images a training subset leaves out (``--data-opt subset=0.8`` on
MNIST), or the ladders' own split (``ganbench.ladders``). Without one the evaluator measures nothing
and says why in its protocol: on data a generator trained on entirely, nothing is unseen.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import torch

from ganbench.data.spec import DataSpec
from ganbench.contracts.evaluator import EvalContext, Evaluator, quantize

REFERENCE_QUANTILE = 0.05


def nearest_distances(queries: torch.Tensor, reference: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    """Euclidean distance of each query row to its nearest reference row (float64 on the CPU)."""
    reference = reference.double()
    chunks = [torch.cdist(queries[i:i + batch_size].double(), reference).min(dim=1).values
              for i in range(0, len(queries), batch_size)]
    return torch.cat(chunks)


def mann_whitney_z(generated: torch.Tensor, held_out: torch.Tensor) -> float:
    """Z_U of Meehan et al. (2020): (U - mn/2) / sqrt(mn(m+n+1)/12), U counting generated < held-out pairs
    as 1 (ties 1/2), so that copying (generated distances smaller) gives a negative z."""
    from scipy import stats
    m, n = len(generated), len(held_out)
    u = stats.mannwhitneyu(held_out.numpy(), generated.numpy(), alternative="two-sided").statistic
    # scipy's U is of its first sample (held-out) being larger: large when generated samples lie closer.
    return float((m * n / 2 - u) / math.sqrt(m * n * (m + n + 1) / 12))


def copying_figures(generated: torch.Tensor, training: torch.Tensor, held_out: torch.Tensor) -> dict[str, float]:
    """``copy_z`` and ``copied_share`` of flattened samples against flattened training and held-out samples."""
    generated_distances = nearest_distances(generated, training)
    held_out_distances = nearest_distances(held_out, training)
    threshold = torch.quantile(held_out_distances, REFERENCE_QUANTILE)
    return {"copy_z": mann_whitney_z(generated_distances, held_out_distances),
            "copied_share": float((generated_distances < threshold).double().mean())}


@dataclasses.dataclass(frozen=True)
class DataCopyingOptions:
    samples: int = 0  # generated images; 0: the run's eval_samples

    def __post_init__(self) -> None:
        if self.samples < 0:
            raise ValueError(f"samples must be 0 (the run's eval_samples) or positive, got {self.samples}.")


class DataCopying(Evaluator):
    """Nearest-training-image distances of samples against held-out images' (Meehan et al. 2020)."""

    name = "data-copying"
    description = ("Data-copying test (Meehan et al. 2020): generated vs held-out nearest-training distances; "
                   "needs a held-out split (a training subset, or the ladders').")
    Options = DataCopyingOptions
    directions = {"copied_share": "lower"}
    headline = "copied_share"
    skipped: str | None = None
    counts: tuple[int, int, int] = (0, 0, 0)

    def applies_to(self, spec: DataSpec, dataset: str) -> bool:
        return False  # asked for by name: most runs train on all their data, and then nothing is unseen

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        self.skipped = None
        held_out = ctx.source.held_out_data()
        if held_out is None or ctx.spec.kind != "image":
            self.skipped = (f"dataset {ctx.dataset!r} has no held-out images here: the generator trained on all of "
                            f"them (train on a subset, e.g. --data-opt subset=0.8, to keep some unseen)")
            return {}
        training = flat_pixels(ctx.source.training_data()[0])
        generated, _ = ctx.sample(self.options.samples or ctx.num_samples)
        self.counts = (len(generated), len(training), len(held_out[0]))
        return copying_figures(flat_pixels(generated), training, flat_pixels(held_out[0]))

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        if self.skipped:
            return {"skipped": self.skipped}
        generated, training, held_out = self.counts
        return {"generated_samples": generated, "training_samples": training, "held_out_samples": held_out,
                "space": "uint8 pixels, flattened, Euclidean distance", "seed": ctx.seed,
                "copied_when": f"nearer a training image than the {REFERENCE_QUANTILE:g} quantile of held-out "
                               f"images' nearest-training distances",
                "definition": "Meehan, Chaudhuri & Dasgupta 2020, Z_U over a single cell"}


def flat_pixels(images: torch.Tensor) -> torch.Tensor:
    """uint8-quantised images (the evaluators' common view) as float rows on the CPU."""
    return quantize(images).reshape(len(images), -1).double().cpu()
