"""Feature spaces for evaluators: the networks ganbench measures images with, as public API.

``EvalContext.feature_space(space, **options)`` opens one and ``EvalContext.features(images, space)``
embeds uint8 images in it, so a third-party evaluator can compute its own statistic (density and
coverage, a per-class FID) in exactly the features of ganbench's FID, without its internals:

- ``domain``: the 128-d penultimate layer of the classifier trained on the run's labelled data
  (``domain_classifier``), the space of ``domain-fid``;
- ``inception``: torch-fidelity's Inception-v3 pool3 (2048-d), the space of ``fid``; option
  ``weights`` as for ``fid``;
- ``timm``: a timm backbone's pooled features, the space of ``timm-fid``; options ``model``,
  ``weights``, ``image_size``, ``resize`` and ``preset`` as for ``timm-fid``.

Each space is the torch-fidelity feature extractor its FID uses, so the numbers agree.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable

import torch

from ganbench.errors import ConfigError

if TYPE_CHECKING:
    from ganbench.contracts.evaluator import EvalContext

SPACES = ("domain", "inception", "timm")


@dataclasses.dataclass
class FeatureSpace:
    """A network that turns uint8 images (N, C, H, W) into feature vectors (N, D), and what a protocol
    records about it: its name, a description, the sha256 of its weights and how images are resized."""

    name: str  # domain, inception or timm
    description: str
    weights_sha256: str
    image_size: str
    embed: Callable[[torch.Tensor], torch.Tensor]  # one batch of uint8 images on the CPU -> float features

    @torch.no_grad()
    def extract(self, images: torch.Tensor, batch_size: int = 250) -> torch.Tensor:
        """Features of ``images`` (uint8, (N, C, H, W)) as float64 (N, D) on the CPU, ``batch_size`` at a time."""
        if images.dtype != torch.uint8 or images.dim() != 4:
            raise TypeError(f"feature spaces take uint8 (N, C, H, W) images, got {images.dtype} {tuple(images.shape)}")
        images = images.detach().cpu()
        chunks = [self.embed(images[i:i + batch_size]).double().flatten(1) for i in range(0, images.shape[0], batch_size)]
        return torch.cat(chunks)

    def protocol(self) -> dict[str, Any]:
        """What a result records about this space: its name, extractor, weights sha256 and resize. Call it
        in your evaluator's ``protocol`` and merge its counts and seed in."""
        return {"feature_space": self.name, "feature_extractor": self.description,
                "weights_sha256": self.weights_sha256, "image_size": self.image_size}


def open_space(ctx: "EvalContext", space: str, **options: Any) -> FeatureSpace:
    """The feature space ``space`` (domain, inception, timm) for the data of ``ctx``."""
    openers = {"domain": domain_space, "inception": inception_space, "timm": timm_space}
    if space not in openers:
        raise ConfigError(f"unknown feature space {space!r}; choose from {', '.join(SPACES)}.")
    return openers[space](ctx, **options)


def first_output(extractor: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    extractor.eval()
    return lambda images: extractor(images)[0]


def domain_space(ctx: "EvalContext") -> FeatureSpace:
    from ganbench.evaluate.domain_fidelity import classifier_for, domain_extractor
    classifier = classifier_for(ctx)
    name, cls = domain_extractor(classifier)
    extractor = cls(name, ["features"], feature_extractor_weights_path=str(classifier.path))
    return FeatureSpace("domain", f"ganbench domain CNN {classifier.short_key} (128-d penultimate layer)",
                        classifier.weights_sha256, f"{ctx.spec.shape[-1]} px, no resize", first_output(extractor))


def inception_space(ctx: "EvalContext", weights: str = "") -> FeatureSpace:
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
    from ganbench.evaluate.inception_fidelity import EXTRACTOR, as_rgb, checked_weights, find_weights
    path = find_weights(weights)
    sha = checked_weights(path)
    extractor = FeatureExtractorInceptionV3(EXTRACTOR, ["2048"], feature_extractor_weights_path=str(path))
    embed = first_output(extractor)
    return FeatureSpace("inception", f"torch-fidelity {EXTRACTOR} (pool3 2048-d)", sha,
                        "299 px (TF1-compatible bilinear, torch-fidelity)", lambda images: embed(as_rgb(images)))


def timm_space(ctx: "EvalContext", **options: Any) -> FeatureSpace:
    from ganbench.evaluate.inception_fidelity import as_rgb, checked_weights
    from ganbench.evaluate.timm_fidelity import TimmOptions, extractor_class, resize_description, weights_file
    from ganbench.contracts.options import build_options
    chosen = build_options(TimmOptions, options, "feature space 'timm'")
    path = weights_file(chosen)
    sha = checked_weights(path)
    settings = chosen.resolved()
    extractor = extractor_class(settings.model)("timm", ["features"], feature_extractor_weights_path=str(path),
                                                image_size=settings.image_size, resize=settings.resize)
    embed = first_output(extractor)
    return FeatureSpace("timm", f"timm {settings.model} (pooled features)", sha, resize_description(settings),
                        lambda images: embed(as_rgb(images)))
