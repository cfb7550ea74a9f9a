"""The Evaluator contract and the context an evaluator receives.

``evaluate(ctx)`` returns a flat dict of named floats; ``directions`` says for each metric
whether lower or higher is better (a metric it leaves out has no better direction: it is shown,
never ranked or tested), ``headline`` names the one metric that ranks a comparison table by
default, and ``protocol(ctx)`` records how the numbers were made.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Callable, ClassVar, Literal

import torch

from ganbench.contracts.component import Component
from ganbench.contracts.feature_space import FeatureSpace
from ganbench.data.source import DataSource
from ganbench.data.spec import DataSpec

Direction = Literal["lower", "higher"]


def quantize(images: torch.Tensor) -> torch.Tensor:
    """Float images in [-1, 1] to uint8, the same way for real and generated images."""
    return ((images.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)


@dataclasses.dataclass
class EvalContext:
    """What an evaluator may use.

    ``sample(n)`` draws n generated samples (eval mode, EMA weights when present) as float
    tensors in [-1, 1] with the labels they were conditioned on (None for unconditional
    models); batches are drawn with a fixed seed so that every evaluation of a run sees the
    same latent vectors.
    """

    spec: DataSpec
    dataset: str
    source: DataSource
    device: torch.device
    num_samples: int
    seed: int
    run_dir: Path | None
    sample_fn: Callable[[int, int], tuple[torch.Tensor, torch.Tensor | None]]
    metrics_rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    discriminator: torch.nn.Module | None = None
    batch_size: int = 250
    # Opens a feature space by name; the engine passes ganbench.evaluate.feature_space.open_space (the
    # contract does not import the metrics that implement it).
    open_feature_space: Callable[..., "FeatureSpace"] | None = None

    def sample(self, n: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``n`` (default ``num_samples``) generated samples in [-1, 1] and their labels (or None),
        the same latent vectors at every evaluation of a run."""
        return self.sample_fn(n or self.num_samples, self.seed)

    def sample_uint8(self, n: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``sample`` quantised to uint8 exactly as ``real_uint8`` quantises the real images."""
        images, labels = self.sample(n)
        return quantize(images), labels

    def real(self, n: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Up to ``n`` real samples (all of them by default) and their labels, in [-1, 1]."""
        return self.source.all_data(n)

    def real_uint8(self, n: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``real`` quantised to uint8."""
        images, labels = self.real(n)
        return quantize(images), labels

    def instrument_real_uint8(self, n: int | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Up to ``n`` real images of the whole data set (training and held-out alike), uint8: what a
        measuring instrument (the domain classifier) is fitted on, so that it is the same network
        whichever part a run is compared against. Equal to ``real_uint8`` unless the data set's
        reference is its held-out part."""
        images, labels = self.source.whole_data(n)
        return quantize(images), labels

    def reference_split(self) -> str:
        """What ``real`` reads, for protocols: "the run's data", or the held-out samples."""
        return self.source.reference_description()

    def feature_space(self, space: str = "domain", **options: Any) -> "FeatureSpace":
        """The feature space ``space`` of this run's data, opened once per context and options:
        "domain" (the classifier trained on the labelled data, domain-fid's), "inception" (option
        ``weights``, fid's) or "timm" (options of timm-fid: ``model``, ``weights``, ``preset``, ...).
        Raises a GanbenchError in one sentence when its weights or labels are missing."""
        if self.open_feature_space is None:
            raise ValueError("this EvalContext was made without open_feature_space; the engine's has one")
        opened = self.__dict__.setdefault("_feature_spaces", {})  # not a field: a cache of this context
        key = (space, tuple(sorted(options.items())))
        if key not in opened:
            opened[key] = self.open_feature_space(self, space, **options)
        return opened[key]

    def features(self, images: torch.Tensor, space: str = "domain", **options: Any) -> torch.Tensor:
        """Features (N, D), float64 on the CPU, of uint8 images (N, C, H, W) in ``feature_space(space)``."""
        return self.feature_space(space, **options).extract(images, self.batch_size)


class Evaluator(Component):
    """Measures a trained generator."""

    directions: ClassVar[dict[str, Direction]] = {}
    headline: ClassVar[str | None] = None  # the metric that ranks a table by default; one of ``directions``

    @classmethod
    def kind_label(cls) -> str:
        return "evaluator"

    def applies_to(self, spec: DataSpec, dataset: str) -> bool:
        """Whether this evaluator runs by default for this data (when the user names no evaluator).
        Called at set-up with the data's spec and the dataset's registered name."""
        return True

    def check(self, spec: DataSpec, dataset: str) -> None:
        """Raise a GanbenchError, in one sentence, when this evaluator cannot run (missing weights).
        Called at set-up for every chosen evaluator, before training, so hours are not lost."""

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:  # pragma: no cover
        """The metrics as a flat dict of floats, each named in ``directions`` (or an undirected
        logged figure). Called after training and every ``eval_every`` steps, with G in eval mode."""
        raise NotImplementedError

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        """How the numbers were made: extractor, weights hash, sample counts, split, size, seed.
        Called after ``evaluate``; result.json keeps it under the evaluator's name."""
        return {"generated_samples": ctx.num_samples, "seed": ctx.seed}
