"""FeatureSpace: a network that embeds images, as an evaluator receives it from ``EvalContext.feature_space``.

The Evaluator contract hands it out; ganbench.evaluate.feature_space opens the three built-in spaces
(domain, inception, timm). It lives here, below both, so that the contract does not import the
metrics that implement it.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import torch


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
