"""FID, KID and precision/recall in the feature space of a classifier trained on the data itself,
and the class statistics of the same classifier: the offline metrics for the digit data sets.

Frechet distance: Heusel et al. (2017); kernel distance: Binkowski et al. (2018); precision and
recall: Kynkaanniemi et al. (2019). All three are computed by torch-fidelity; ganbench registers
the domain classifier of ``domain_classifier`` with it as a feature extractor (its 128-d
penultimate layer), so that only the feature space differs from the Inception protocol.

``stacked-digits`` images are three digits, one per channel: the classifier is trained on the
single channels with their digit labels, an image's features are its three channels' features
side by side (384-d), and its class is the mode 100a + 10b + c of the three predicted digits.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

import torch

from ganbench.datasets.digits import channel_classes, stacked_label
from ganbench.data.spec import DataSpec
from ganbench.evaluate import fidelity
from ganbench.evaluate.domain_classifier import TrainedClassifier, load_or_train, read_classifier
from ganbench.contracts.evaluator import EvalContext, Evaluator
from ganbench.errors import EvaluationError

DOMAIN_DATASETS = ("digits", "mnist", "fashion-mnist", "stacked-digits")
CONFIDENT = 0.9  # a sample is confidently classified when its top class probability reaches this
PSEUDO_COUNT = 0.5  # added to each real class count, so that a class the real sample lacks keeps KL finite
# With one sample per class as the bar, noise "covered" 2-8 digit classes and every pixel-noise step all 10
# (ganbench calibrate, digits): one stray sample is not coverage. A fifth of the expected count is PacGAN's
# bar for a mode (20 of the 100 points a perfect generator puts there; Lin et al. 2018), used here too.
COVERED_SHARE = 0.2


@functools.lru_cache(maxsize=1)
def _torch_fidelity_extractor_class() -> type:
    """The torch-fidelity feature extractor around a cached domain classifier (built on first use,
    so that importing ganbench does not import torch-fidelity)."""
    from torch_fidelity.feature_extractor_base import FeatureExtractorBase

    class DomainFeatureExtractor(FeatureExtractorBase):
        """Features and logits of the domain classifier stored at ``feature_extractor_weights_path``."""

        def __init__(self, name, features_list, feature_extractor_weights_path=None, **kwargs):
            super().__init__(name, features_list)
            loaded = read_classifier(Path(feature_extractor_weights_path or ""))
            if loaded is None:
                raise EvaluationError(f"the domain classifier {feature_extractor_weights_path!r} cannot be read.")
            self.network = loaded[0]

        @staticmethod
        def get_provided_features_list():
            return ("features", "logits")

        @staticmethod
        def get_default_feature_layer_for_metric(metric):
            return "logits" if metric == "isc" else "features"

        @staticmethod
        def can_be_compiled():
            return False

        @staticmethod
        def get_dummy_input_for_compile():  # pragma: no cover - never compiled
            return torch.zeros(1, 1, 8, 8, dtype=torch.uint8)

        def forward(self, images):
            features, logits = channelwise(self.network, images)
            found = {"features": features, "logits": logits}
            return tuple(found[name] for name in self.features_list)

    return DomainFeatureExtractor


def channelwise(network, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Features and logits of uint8 images; an image with more channels than the network takes is
    read one channel at a time, features concatenated and logits stacked as (N, C, classes)."""
    count, channels = images.shape[:2]
    if channels == network.in_channels:
        features = network.features(images)
        return features, network.head(features)
    singles = images.reshape(count * channels, 1, *images.shape[2:])
    features = network.features(singles)
    logits = network.head(features)
    return features.reshape(count, -1), logits.reshape(count, channels, -1)


@dataclasses.dataclass(frozen=True)
class DomainFidelityOptions:
    samples: int = 0  # generated images; 0: the run's eval_samples
    real_samples: int = 0  # real reference images; 0: all of the run's data, at most 10,000
    kid: bool = True
    precision_recall: bool = True
    # A class counts as covered when it gets at least this share of the samples it would get from the
    # real class frequencies (0: one sample, the count before 0.2; see COVERED_SHARE).
    covered_share: float = 0.2

    def __post_init__(self) -> None:
        for name in ("samples", "real_samples"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 (the default count) or positive, got {getattr(self, name)}.")
        if not 0 <= self.covered_share <= 1:
            raise ValueError(f"covered_share must be in [0, 1] (0: one sample counts), got {self.covered_share}.")


MAX_REAL = 10_000


class DomainFidelity(Evaluator):
    """FID/KID/precision-recall in a domain classifier's feature space, and its class statistics."""

    name = "domain-fid"
    description = ("FID, KID, precision/recall (torch-fidelity) in the features of a classifier trained on the "
                   "data, class coverage and KL: offline, for digits, mnist, fashion-mnist, stacked-digits.")
    Options = DomainFidelityOptions
    directions = {"domain_fid": "lower", "domain_kid": "lower", "domain_precision": "higher",
                  "domain_recall": "higher", "classes_covered": "higher", "class_kl": "lower",
                  "confident_share": "higher"}
    headline = "domain_fid"

    last_classifier: TrainedClassifier | None = None  # of the last evaluation, for its protocol
    counts: tuple[int, int, int] = (0, 0, 0)  # generated, real, image side of the last evaluation

    def applies_to(self, spec: DataSpec, dataset: str) -> bool:
        return dataset in DOMAIN_DATASETS and spec.kind == "image" and spec.labelled

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        real, real_labels = self.real(ctx)
        classifier = self.last_classifier = self.classifier(ctx, *self.instrument_images(ctx))
        generated, _ = ctx.sample_uint8(self.options.samples or ctx.num_samples)
        extractor, _ = domain_extractor(classifier)
        reference = fidelity.reference_cache_name(ctx.dataset, "all", real, classifier.weights_sha256)
        figures = fidelity.calculate(extractor, generated, real, reference, ctx.device,
                                     kid=self.options.kid, prc=self.options.precision_recall,
                                     feature_extractor_weights_path=str(classifier.path))
        metrics = {f"domain_{key}": value for key, value in figures.items() if f"domain_{key}" in self.directions}
        metrics.update(class_statistics(classifier.network, generated, real_labels, ctx.spec.num_classes,
                                        self.options.covered_share))
        self.counts = (generated.shape[0], real.shape[0], real.shape[-1])
        return metrics

    def real(self, ctx: EvalContext) -> tuple[torch.Tensor, torch.Tensor]:
        images, labels = ctx.real_uint8(min(self.options.real_samples or MAX_REAL, MAX_REAL))
        if labels is None:
            raise EvaluationError(f"evaluator 'domain-fid' needs class labels, and dataset {ctx.dataset!r} has none.")
        return images.cpu(), labels.cpu()

    def instrument_images(self, ctx: EvalContext) -> tuple[torch.Tensor, torch.Tensor]:
        """What the classifier is trained on: as many images as the reference, from the whole data set
        (the same images as the reference, unless the reference is the held-out part)."""
        images, labels = ctx.instrument_real_uint8(min(self.options.real_samples or MAX_REAL, MAX_REAL))
        return images.cpu(), labels.cpu()

    def classifier(self, ctx: EvalContext, real: torch.Tensor, labels: torch.Tensor) -> TrainedClassifier:
        return classifier_for(ctx, real, labels)

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        if self.last_classifier is None:  # protocol before any evaluation: measure what it would use
            self.evaluate(ctx)
        classifier = self.last_classifier
        generated, real, side = self.counts
        described = fidelity.protocol(
            f"ganbench domain CNN {classifier.short_key} (128-d penultimate layer)", classifier.weights_sha256,
            generated, real, f"{ctx.dataset}: {ctx.reference_split()}, first {real} samples", f"{side} px, no resize",
            ctx.seed)
        described.update({"classifier_accuracy": round(classifier.accuracy, 4),
                          "classifier_held_out": "20% of the real labelled data, seeded split",
                          "confident": f"top class probability >= {CONFIDENT}",
                          "classes_covered": covered_rule(self.options.covered_share),
                          "class_kl": f"KL(generated || real) in nats, real counts + {PSEUDO_COUNT}"})
        return described


def classifier_for(ctx: EvalContext, real: torch.Tensor | None = None,
                   labels: torch.Tensor | None = None) -> TrainedClassifier:
    """The cached classifier of this data (trained on ``real``, by default the first 10,000 images of
    the whole data set, as domain-fid does); stacked digits train it on single channels."""
    if real is None:
        real, labels = ctx.instrument_real_uint8(MAX_REAL)
        if labels is None:
            raise EvaluationError(f"the domain feature space needs class labels, and dataset {ctx.dataset!r} has none.")
        real, labels = real.cpu(), labels.cpu()
    if ctx.dataset == "stacked-digits":
        digits = channel_classes(labels)
        return load_or_train(real.reshape(-1, 1, *real.shape[2:]), digits.reshape(-1), 10)
    return load_or_train(real, labels, ctx.spec.num_classes)


def domain_extractor(classifier: TrainedClassifier):
    """The torch-fidelity extractor of ``classifier``'s 128-d features, registered under a name of its weights."""
    name = f"ganbench-domain-{classifier.weights_sha256[:16]}"  # the network itself, not its data
    cls = _torch_fidelity_extractor_class()
    fidelity.register_extractor(name, cls)
    return name, cls


def covered_rule(covered_share: float) -> str:
    if covered_share == 0:
        return "a class with at least one generated sample"
    return (f"a class whose generated count reaches {covered_share:g} x its expected count "
            f"(samples x its share of the real labels)")


def covered_classes(generated_counts: torch.Tensor, real_counts: torch.Tensor, covered_share: float) -> int:
    """Classes with at least ``covered_share`` of their expected count (and always at least one sample)."""
    expected = generated_counts.sum() * real_counts.double() / real_counts.sum()
    return int(((generated_counts > 0) & (generated_counts >= covered_share * expected)).sum())


def class_statistics(network, generated: torch.Tensor, real_labels: torch.Tensor,
                     num_classes: int, covered_share: float = COVERED_SHARE) -> dict[str, float]:
    """Classes covered, KL(generated || real) between the class histograms, confident share."""
    probabilities = predicted_probabilities(network, generated)
    if probabilities.dim() == 3:  # one digit per channel: the mode is the stacked label
        classes = stacked_label(probabilities.argmax(dim=-1))
        confident = (probabilities.amax(dim=-1) >= CONFIDENT).all(dim=1)
    else:
        classes = probabilities.argmax(dim=-1)
        confident = probabilities.amax(dim=-1) >= CONFIDENT
    generated_counts = torch.bincount(classes, minlength=num_classes)
    real_counts = torch.bincount(real_labels.long(), minlength=num_classes)
    return {"classes_covered": float(covered_classes(generated_counts, real_counts, covered_share)),
            "class_kl": histogram_kl(generated_counts, real_counts),
            "confident_share": float(confident.float().mean())}


@torch.no_grad()
def predicted_probabilities(network, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    chunks = [channelwise(network, images[i:i + batch_size])[1] for i in range(0, images.shape[0], batch_size)]
    return torch.cat(chunks).softmax(dim=-1)


def histogram_kl(counts_p: torch.Tensor, counts_q: torch.Tensor, pseudo_count: float = PSEUDO_COUNT) -> float:
    """KL(P || Q) in nats of two count histograms; Q gets ``pseudo_count`` per bin."""
    p = counts_p.double() / counts_p.sum()
    q = (counts_q.double() + pseudo_count) / (counts_q.sum() + pseudo_count * counts_q.numel())
    present = p > 0
    return float((p[present] * (p[present] / q[present]).log()).sum())
