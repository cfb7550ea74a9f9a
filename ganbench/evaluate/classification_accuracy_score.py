"""Classification accuracy score (CAS): Ravuri & Vinyals (2019), "Classification Accuracy Score
for Conditional Generative Models", NeurIPS 2019.

A classifier is trained on generated samples, each labelled with the class the generator was
asked for, and tested on real data. A conditional generator that draws the right class with the
data's variety scores close to a classifier trained on real data; one that ignores its label, or
covers a class with a few near-copies, scores lower. The classifier here is small and fast (see
``pixel_classifier``), so the score compares generators with each other, not with the paper's
ResNet figures. Unconditional generators have no labels, and CAS measures nothing for them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ganbench.data.spec import DataSpec
from ganbench.contracts.evaluator import EvalContext, Evaluator
from ganbench.evaluate.pixel_classifier import DESCRIPTION, PixelClassifier

MAX_CLASSES = 100  # beyond this, the default sample counts leave too few samples per class


@dataclasses.dataclass(frozen=True)
class CASOptions:
    samples: int = 0  # generated training samples; 0: the run's eval_samples
    real_samples: int = 0  # real test samples; 0: all of the data source

    def __post_init__(self) -> None:
        for name in ("samples", "real_samples"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 (the default count) or positive, got {getattr(self, name)}.")


def classification_accuracy_score(generated, generated_labels, real, real_labels) -> float:
    """Accuracy on the real data of a classifier trained on labelled generated samples."""
    return PixelClassifier().fit(generated, generated_labels).accuracy(real, real_labels)


class ClassificationAccuracyScore(Evaluator):
    """Train on generated samples with their conditioning labels, test on real data."""

    name = "cas"
    description = "Classification accuracy score (Ravuri & Vinyals 2019): train on generated, test on real."
    Options = CASOptions
    directions = {"cas_accuracy": "higher"}
    headline = "cas_accuracy"
    skipped: str | None = None  # why the last evaluation measured nothing
    real_count: int = 0  # real test samples of the last evaluation

    def applies_to(self, spec: DataSpec, dataset: str) -> bool:
        return 0 < spec.num_classes <= MAX_CLASSES

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        self.skipped = None
        if ctx.sample(1)[1] is None:  # one sample tells whether the generator takes labels
            self.skipped = "the generator is unconditional: its samples carry no labels"
            return {}
        generated, labels = ctx.sample(self.options.samples or ctx.num_samples)
        real, real_labels = ctx.real(self.options.real_samples or None)
        if real_labels is None:
            self.skipped = f"dataset {ctx.dataset!r} has no labels to test on"
            return {}
        self.real_count = len(real_labels)
        return {"cas_accuracy": classification_accuracy_score(generated, labels, real, real_labels)}

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        if self.skipped:
            return {"skipped": self.skipped}
        return {
            "generated_samples": self.options.samples or ctx.num_samples, "real_samples": self.real_count,
            "train": "generated samples labelled with their conditioning class", "test": "real data",
            "classifier": DESCRIPTION, "chance_accuracy": round(1 / ctx.spec.num_classes, 4), "seed": ctx.seed,
            "definition": "Ravuri & Vinyals 2019",
        }
