"""Mode counting on ``stacked-digits``: the Stacked-MNIST protocol at small scale.

Metz et al. (2017), "Unrolled Generative Adversarial Networks", stacked three MNIST digits as
the channels of one image, which gives 1,000 modes; Srivastava et al. (2017, VEEGAN) and Lin et
al. (2018, PacGAN) draw 26,000 generated images and report the number of modes covered (modes
with at least one sample) and the KL divergence between the generated mode histogram and the
uniform one, KL(P_gen || U) = log 1000 - H(P_gen). Those are the defaults here; ``samples`` and
``min_samples`` change them, and the protocol records both. Each channel is classified as a digit by a classifier
trained on the real single-channel digits; the mode label is 100*a + 10*b + c.

With n samples even a perfect generator leaves modes empty (about 1000 (1 - e^(-n/1000))
covered), so the protocol records that bound next to the figures.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import torch

from ganbench.datasets.digits import digit_images, stacked_label
from ganbench.data.spec import DataSpec
from ganbench.contracts.evaluator import EvalContext, Evaluator
from ganbench.evaluate.pixel_classifier import DESCRIPTION, PixelClassifier

NUM_MODES = 1000
HELD_OUT_SHARE = 0.2  # of the real digits, kept out of the classifier to measure its accuracy
CLASSIFIER_SEED = 0


def stacked_histogram(labels: torch.Tensor, num_modes: int = NUM_MODES) -> torch.Tensor:
    """Counts of each mode label 0..num_modes-1."""
    return torch.bincount(labels.flatten().cpu().long(), minlength=num_modes)


def modes_with_samples(counts: torch.Tensor, min_samples: int = 1) -> int:
    """Modes that received at least ``min_samples`` samples (the papers: one)."""
    return int((counts >= min_samples).sum())


def kl_to_uniform(counts: torch.Tensor) -> float:
    """KL(P || uniform) in nats of a histogram: 0 when uniform, log K when all in one bin."""
    p = counts.double() / counts.double().sum()
    p = p[p > 0]
    return float((p * (p * counts.numel()).log()).sum())


def perfect_generator_modes(samples: int, num_modes: int = NUM_MODES) -> float:
    """Expected modes covered by ``samples`` draws from the uniform distribution over the modes."""
    return num_modes * (1 - (1 - 1 / num_modes) ** samples)


@functools.lru_cache(maxsize=4)
def digit_classifier(resolution: int) -> tuple[PixelClassifier, float]:
    """A classifier of single real digits at ``resolution`` px, and its held-out accuracy."""
    images, labels = digit_images(resolution)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(CLASSIFIER_SEED))
    held_out = int(len(labels) * HELD_OUT_SHARE)
    test, train = order[:held_out], order[held_out:]
    classifier = PixelClassifier().fit(images[train], labels[train])
    return classifier, classifier.accuracy(images[test], labels[test])


def classify_digit_channels(images: torch.Tensor) -> torch.Tensor:
    """The digit class (N, 3) of each channel of stacked images (N, 3, H, W) in [-1, 1]."""
    count, channels, height, width = images.shape
    classifier, _ = digit_classifier(width)
    singles = images.detach().cpu().reshape(count * channels, 1, height, width)
    return classifier.predict(singles).reshape(count, channels)


PAPER_SAMPLES = 26_000  # VEEGAN and PacGAN: generated images per evaluation


@dataclasses.dataclass(frozen=True)
class StackedModesOptions:
    samples: int = PAPER_SAMPLES  # generated images; 0: the run's eval_samples
    min_samples: int = 1  # samples a mode needs to count as covered (VEEGAN, PacGAN: one)

    def __post_init__(self) -> None:
        if self.samples < 0:
            raise ValueError(f"samples must be 0 (the run's eval_samples) or positive, got {self.samples}.")
        if self.min_samples < 1:
            raise ValueError(f"min_samples must be a positive integer, got {self.min_samples}.")


def stacked_figures(images: torch.Tensor, min_samples: int = 1) -> dict[str, float]:
    """Modes covered out of 1,000 and KL to uniform of stacked images (N, 3, H, W) in [-1, 1]."""
    counts = stacked_histogram(stacked_label(classify_digit_channels(images)))
    return {"stacked_modes_covered": float(modes_with_samples(counts, min_samples)), "stacked_kl": kl_to_uniform(counts)}


class StackedModes(Evaluator):
    """Modes covered out of 1,000 and KL to the uniform mode histogram (Stacked-MNIST protocol)."""

    name = "stacked-modes"
    description = "Modes covered out of 1,000 and KL to uniform on stacked-digits (the Stacked-MNIST protocol)."
    Options = StackedModesOptions
    directions = {"stacked_modes_covered": "higher", "stacked_kl": "lower"}
    headline = "stacked_modes_covered"

    def applies_to(self, spec: DataSpec, dataset: str) -> bool:
        return dataset == "stacked-digits"

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        images, _ = ctx.sample(self.sample_count(ctx))
        return stacked_figures(images, self.options.min_samples)

    def sample_count(self, ctx: EvalContext) -> int:
        return self.options.samples or ctx.num_samples

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        samples = self.sample_count(ctx)
        _, accuracy = digit_classifier(ctx.spec.resolution)
        return {
            "generated_samples": samples, "seed": ctx.seed, "modes": NUM_MODES,
            "min_samples": self.options.min_samples,
            "covered_when": f"at least {self.options.min_samples} sample(s) classified as the mode",
            "channel_classifier": f"{DESCRIPTION}, trained on {1 - HELD_OUT_SHARE:.0%} of the real digits",
            "channel_classifier_accuracy": round(accuracy, 4),
            "perfect_generator_modes": round(perfect_generator_modes(samples), 1),
            "kl": "KL(generated || uniform) in nats over the 1,000 modes",
            "definition": "Metz et al. 2017; Srivastava et al. 2017 (VEEGAN); Lin et al. 2018 (PacGAN)",
        }

