"""Intra-FID: the Frechet distance computed separately for each class, then averaged over classes
(Miyato & Koyama 2018, "cGANs with Projection Discriminator"; Zhang et al. 2019, SAGAN).

An unconditional FID can be good while a class-conditional generator draws the wrong digit for
the label it was given; intra-FID compares, for each class c, the fakes generated for label c with
the real images of class c. It therefore needs labelled data and a generator that takes labels:
for an unconditional generator the labels of its samples are unknown (None) and the evaluator
returns nothing, saying why in its protocol (``skipped``).

The Frechet maths is torch-fidelity's (``fid_features_to_statistics``, ``fid_statistics_to_metric``)
on the features of one of ganbench's feature spaces.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import torch

from ganbench.data.spec import DataSpec
from ganbench.evaluate.density_coverage import DensityCoverageOptions
from ganbench.evaluate.feature_space import SPACES
from ganbench.contracts.evaluator import EvalContext, Evaluator
from ganbench.errors import EvaluationError

MIN_PER_CLASS = 2  # a covariance needs two samples; fewer and the class is left out (and counted)
UNCONDITIONAL = ("the generator is unconditional: its samples have no class labels, so there is no per-class "
                 "distribution to compare; intra-FID measures class-conditional generators only")


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    from torch_fidelity.metric_fid import KEY_METRIC_FID, fid_features_to_statistics, fid_statistics_to_metric
    stats_a, stats_b = fid_features_to_statistics(a.double()), fid_features_to_statistics(b.double())
    return float(fid_statistics_to_metric(stats_a, stats_b, verbose=False)[KEY_METRIC_FID])


@dataclasses.dataclass(frozen=True)
class IntraFIDOptions:
    features: Literal["domain", "inception", "timm"] = "domain"  # the feature space (see docs/metrics.md)
    samples: int = 0  # generated images in all; 0: the run's eval_samples
    weights: str = ""  # inception and timm: the weights file
    model: str = ""  # timm: the model name
    preset: str = ""  # timm: a preset of timm-fid (fd-dinov2)

    def __post_init__(self) -> None:
        if self.samples < 0:
            raise ValueError(f"samples must be 0 (the default count) or positive, got {self.samples}.")

    def space_options(self) -> dict[str, Any]:
        shared = DensityCoverageOptions(features=self.features, weights=self.weights, model=self.model,
                                        preset=self.preset)
        return shared.space_options()


class IntraFID(Evaluator):
    """The mean over classes of the FID between the fakes of a class and the reals of that class."""

    name = "intra-fid"
    description = "Intra-FID: FID per class, averaged, for class-conditional generators on labelled data (option features)."
    Options = IntraFIDOptions
    directions = {f"{space}_intra_fid": "lower" for space in SPACES}
    headline = "domain_intra_fid"

    skipped: str | None = None
    details: dict[str, Any] = {}

    def applies_to(self, spec: DataSpec, dataset: str) -> bool:
        return False  # asked for by name

    def check(self, spec: DataSpec, dataset: str) -> None:
        if spec.kind != "image" or not spec.labelled:
            raise EvaluationError(f"evaluator 'intra-fid' needs labelled images, and dataset {dataset!r} "
                                  f"{'has no labels' if spec.kind == 'image' else 'is vectors'}.")

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        generated, labels = ctx.sample_uint8(self.options.samples or ctx.num_samples)
        if labels is None:
            self.skipped = UNCONDITIONAL
            return {}
        self.skipped = None
        space = ctx.feature_space(self.options.features, **self.options.space_options())
        real, real_labels = ctx.real_uint8()
        fake_features, real_features = space.extract(generated, ctx.batch_size), space.extract(real, ctx.batch_size)
        distances, left_out = [], []
        for label in range(ctx.spec.num_classes):
            fakes, reals = fake_features[labels.cpu() == label], real_features[real_labels.cpu() == label]
            if min(fakes.shape[0], reals.shape[0]) < MIN_PER_CLASS:
                left_out.append(label)
                continue
            distances.append(frechet_distance(fakes, reals))
        self.details = {**space.protocol(), "classes_measured": len(distances), "classes_left_out": left_out,
                        "generated_samples": generated.shape[0], "real_samples": real.shape[0]}
        return {f"{self.options.features}_intra_fid": sum(distances) / len(distances)} if distances else {}

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        if self.skipped:
            return {"skipped": self.skipped}
        return {**self.details, "seed": ctx.seed,
                "reference_split": f"{ctx.dataset}: {ctx.reference_split()}, all of it, by class",
                "per_class": f"FID of the fakes generated for label c against the reals of class c, at least "
                             f"{MIN_PER_CLASS} of each; the mean over the classes measured"}
