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

Each space is the torch-fidelity feature extractor its FID uses, so the numbers agree. The
FeatureSpace type they return is part of the Evaluator contract (ganbench.contracts.feature_space).
"""

from __future__ import annotations

from typing import Any, Callable

import torch

from ganbench.contracts.evaluator import EvalContext
from ganbench.contracts.feature_space import FeatureSpace  # here too: its public home since 0.1
from ganbench.errors import ConfigError

SPACES = ("domain", "inception", "timm")


def open_space(ctx: EvalContext, space: str, **options: Any) -> FeatureSpace:
    """The feature space ``space`` (domain, inception, timm) for the data of ``ctx``."""
    openers = {"domain": domain_space, "inception": inception_space, "timm": timm_space}
    if space not in openers:
        raise ConfigError(f"unknown feature space {space!r}; choose from {', '.join(SPACES)}.")
    return openers[space](ctx, **options)


def first_output(extractor: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    extractor.eval()
    return lambda images: extractor(images)[0]


def domain_space(ctx: EvalContext) -> FeatureSpace:
    from ganbench.evaluate.domain_fidelity import classifier_for, domain_extractor
    classifier = classifier_for(ctx)
    name, cls = domain_extractor(classifier)
    extractor = cls(name, ["features"], feature_extractor_weights_path=str(classifier.path))
    return FeatureSpace("domain", f"ganbench domain CNN {classifier.short_key} (128-d penultimate layer)",
                        classifier.weights_sha256, f"{ctx.spec.shape[-1]} px, no resize", first_output(extractor))


def inception_space(ctx: EvalContext, weights: str = "") -> FeatureSpace:
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
    from ganbench.evaluate.inception_fidelity import EXTRACTOR, as_rgb, checked_weights, find_weights
    path = find_weights(weights)
    sha = checked_weights(path)
    extractor = FeatureExtractorInceptionV3(EXTRACTOR, ["2048"], feature_extractor_weights_path=str(path))
    embed = first_output(extractor)
    return FeatureSpace("inception", f"torch-fidelity {EXTRACTOR} (pool3 2048-d)", sha,
                        "299 px (TF1-compatible bilinear, torch-fidelity)", lambda images: embed(as_rgb(images)))


def timm_space(ctx: EvalContext, **options: Any) -> FeatureSpace:
    from ganbench.evaluate.inception_fidelity import as_rgb, checked_weights
    from ganbench.evaluate.timm_fidelity import TimmOptions, extractor_class, resize_description, weights_file
    from ganbench.options import build_options
    chosen = build_options(TimmOptions, options, "feature space 'timm'")
    path = weights_file(chosen)
    sha = checked_weights(path)
    settings = chosen.resolved()
    extractor = extractor_class(settings.model)("timm", ["features"], feature_extractor_weights_path=str(path),
                                                image_size=settings.image_size, resize=settings.resize)
    embed = first_output(extractor)
    return FeatureSpace("timm", f"timm {settings.model} (pooled features)", sha, resize_description(settings),
                        lambda images: embed(as_rgb(images)))
