"""A linear probe of the trained discriminator: the feature-extractor study of Radford, Metz &
Chintala (2016), "Unsupervised Representation Learning with Deep Convolutional Generative
Adversarial Networks", section 5.1.

As in the paper, the output of every block of the discriminator's features is max-pooled to a
4x4 grid, flattened and concatenated, and a regularised linear SVM (L2 penalty, hinge loss;
scikit-learn's ``SVC`` with a linear kernel) is trained on the features of a labelled set and
tested on held-out real data. A block is one nonlinearity of ``features``: every activation
module's output is taken, so the probe needs no knowledge of the architecture; a discriminator
without activation modules is probed on the output of ``features`` alone.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ganbench.data.spec import DataSpec
from ganbench.contracts.evaluator import EvalContext, Evaluator

ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.SELU, nn.GELU, nn.SiLU, nn.Mish, nn.PReLU)
GRID = 4  # each block's map is max-pooled to GRID x GRID, as in the paper
BATCH = 250  # images per forward pass
MAX_CLASSES = 100  # beyond this, a few hundred probe samples leave too few per class


def pooled(block_output: torch.Tensor) -> torch.Tensor:
    """A block's output as one flat vector per sample: maps max-pooled to at most 4x4."""
    if block_output.dim() == 4:
        side = (min(GRID, block_output.shape[-2]), min(GRID, block_output.shape[-1]))
        block_output = F.adaptive_max_pool2d(block_output, side)
    return block_output.flatten(1).float()


@torch.no_grad()
def block_features(discriminator: nn.Module, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """Pooled outputs of every block of ``discriminator.features``, concatenated (N, F), on the CPU."""
    was_training = discriminator.training
    discriminator.eval()  # batch norm uses its running statistics and the probe changes nothing
    try:
        parts = [_features_of_batch(discriminator, images[start:start + BATCH],
                                    None if labels is None else labels[start:start + BATCH])
                 for start in range(0, images.shape[0], BATCH)]
    finally:
        discriminator.train(was_training)
    return torch.cat(parts)


def _features_of_batch(discriminator: nn.Module, images: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    captured: list[torch.Tensor] = []
    # Pool inside the hook: the output may be changed in place by a later layer.
    hooks = [module.register_forward_hook(lambda _module, _input, output: captured.append(pooled(output)))
             for module in discriminator.modules() if isinstance(module, ACTIVATIONS)]
    try:
        prepare = getattr(discriminator, "prepare_real", lambda x: x)
        final = discriminator.features(prepare(images), labels)
    finally:
        for hook in hooks:
            hook.remove()
    return torch.cat(captured or [pooled(final)], dim=1).cpu()


def probe_accuracy(train_features: torch.Tensor, train_labels: torch.Tensor, test_features: torch.Tensor,
                   test_labels: torch.Tensor, c: float = 1.0) -> float:
    """Accuracy of a linear SVM (L2-regularised hinge loss) trained on standardised features.

    The SVM is solved through its dual with a precomputed linear kernel: with a few hundred
    samples and thousands of features, the Gram matrix is one small matrix product, where
    liblinear's primal and dual solvers take minutes to converge on the same problem.
    """
    from sklearn.preprocessing import StandardScaler  # scikit-learn is slow to import; load it on first use
    from sklearn.svm import SVC

    scaler = StandardScaler().fit(train_features.double().numpy())
    train = scaler.transform(train_features.double().numpy())
    test = scaler.transform(test_features.double().numpy())
    model = SVC(kernel="precomputed", C=c).fit(train @ train.T, train_labels.cpu().numpy())
    predictions = model.predict(test @ train.T)
    return float(np.mean(predictions == test_labels.cpu().numpy()))


def split_indices(count: int, train: int, test: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded shuffle of ``count`` items cut into train and test parts (halves when too few)."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed))
    if train + test > count:
        train = count // 2
        test = count - train
    return order[:train], order[train:train + test]


@dataclasses.dataclass(frozen=True)
class LinearProbeOptions:
    train_samples: int = 500  # labelled real samples the SVM is trained on
    test_samples: int = 500  # held-out real samples it is tested on
    c: float = 1.0  # the SVM's inverse regularisation strength

    def __post_init__(self) -> None:
        for name in ("train_samples", "test_samples"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}.")
        if not self.c > 0:
            raise ValueError(f"c must be positive, got {self.c}.")


class LinearProbe(Evaluator):
    """Linear SVM accuracy on max-pooled features of every discriminator block (DCGAN, section 5.1)."""

    name = "linear-probe"
    description = "Linear SVM on max-pooled features of each discriminator block (DCGAN paper, section 5.1)."
    Options = LinearProbeOptions
    directions = {"probe_accuracy": "higher"}
    headline = "probe_accuracy"
    skipped: str | None = None  # why the last evaluation measured nothing
    counts: dict[str, int] = {}  # sample and feature counts of the last evaluation

    def applies_to(self, spec: DataSpec, dataset: str) -> bool:
        return spec.kind == "image" and 0 < spec.num_classes <= MAX_CLASSES

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        self.skipped = None
        images, labels = ctx.real(self.options.train_samples + self.options.test_samples)
        if ctx.discriminator is None or labels is None:
            self.skipped = "no discriminator to probe" if ctx.discriminator is None else "the data have no labels"
            return {}
        train, test = split_indices(len(labels), self.options.train_samples, self.options.test_samples, ctx.seed)
        features = block_features(ctx.discriminator, images, constant_labels(ctx, len(labels)))
        self.counts = {"train_samples": len(train), "test_samples": len(test), "features": features.shape[1]}
        return {"probe_accuracy": probe_accuracy(features[train], labels[train], features[test], labels[test],
                                                 self.options.c)}

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        if self.skipped:
            return {"skipped": self.skipped}
        return {
            **self.counts, "split": "seeded shuffle of the real data", "seed": ctx.seed,
            "features_from": f"every activation of the discriminator's features, max-pooled to {GRID}x{GRID}",
            "classifier": f"linear SVM (L2-regularised hinge loss, C={self.options.c:g}) on standardised features",
            "chance_accuracy": round(1 / ctx.spec.num_classes, 4),
            "definition": "Radford, Metz & Chintala 2016, section 5.1",
        }


def constant_labels(ctx: EvalContext, count: int) -> torch.Tensor | None:
    """Class 0 for every image when D is conditional: the true class must not leak into the features."""
    if ctx.sample(1)[1] is None:  # one sample tells whether the models take labels
        return None
    return torch.zeros(count, dtype=torch.long, device=ctx.device)
