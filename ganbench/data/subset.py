"""A fixed share of a labelled data set to train on, for limited-data studies.

The limited-data protocol of Karras et al. 2020 ("Training Generative Adversarial Networks with
Limited Data", ADA) and Zhao et al. 2020 (DiffAugment) trains on a subset and computes FID
against all the available images, whatever subset the GAN saw. ganbench follows it: a data set
with a ``subset`` below 1 trains on that share, drawn once per class with ``subset_seed`` so
that every run of a study (every seed, every stabilizer) sees the same images and the classes
keep their proportions, while the evaluators compare against the whole data set.

A data set that is given a held-out part (a subset's complement, or its own test split) can also
be evaluated against that part only (``reference = "held-out"``, ``HeldOutOptions``): then FID and
its kin compare a generator with images it never saw, and can tell copying from generalising.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import torch

from ganbench.errors import DataError
from ganbench.options import added_later

REFERENCES = ("all", "held-out")


def check_subset(subset: float, subset_seed: int) -> None:
    """``subset`` must be a share in (0, 1] and its seed, like a run's, 0 or positive."""
    if not 0 < subset <= 1:
        raise ValueError(f"subset must be a share of the data in (0, 1], e.g. 0.1 for 10%, got {subset}.")
    if subset_seed < 0:
        raise ValueError(f"subset_seed must be 0 or positive, got {subset_seed}.")


def stratified_subset(labels: torch.Tensor, fraction: float, seed: int) -> torch.Tensor:
    """Sorted indices of ``round(fraction * n_c)`` images of each class c (at least one each),
    drawn without replacement by a generator seeded with ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    kept = []
    for label in torch.unique(labels):  # sorted, so the draw does not depend on the file's order of classes
        members = torch.nonzero(labels == label).flatten()
        count = max(1, round(fraction * len(members)))
        kept.append(members[torch.randperm(len(members), generator=generator)[:count]])
    return torch.cat(kept).sort().values


@dataclasses.dataclass(frozen=True)
class HeldOutOptions:
    """Which images a run trains on, and which ones its evaluators compare against.

    ``subset`` below 1 trains on that share of each class (drawn with ``subset_seed``); the rest is held
    out. ``reference`` says what the evaluators' reference statistics and the ``real`` control read:
    ``all`` (the default, the limited-data protocol above: every image, the training ones included) or
    ``held-out`` (only images the generator never trained on, so that a generator that copies its
    training images is compared against data it has not seen: Meehan et al. 2020, "A Non-Parametric
    Test to Detect Data-Copying in Generative Models"). A data set with a test split of its own (MNIST,
    CIFAR-10 with both splits present) holds that split out when ``reference`` is ``held-out`` and no
    subset is asked for."""

    subset: float = 1.0  # share of the images to train on, per class (limited-data studies)
    subset_seed: int = 0  # draws the subset: the same images for every run that names the same share and seed
    # What evaluators compare against: every image, or held-out ones. Added after runs were made: at its
    # default it stays out of run ids, so they keep theirs.
    reference: Literal["all", "held-out"] = added_later("all")

    def __post_init__(self) -> None:
        check_subset(self.subset, self.subset_seed)

    def train_index(self, labels: torch.Tensor, own_training_split: torch.Tensor | None = None,
                    dataset: str = "this dataset") -> torch.Tensor | None:
        """Sorted indices of the images to train on, or None for all of them. ``own_training_split``: the
        indices of the data set's own training split, where it has a test split beside it."""
        if self.subset < 1:
            return stratified_subset(labels, self.subset, self.subset_seed)
        if self.reference != "held-out":
            return None
        if own_training_split is None:
            raise DataError(f"reference=held-out needs images that {dataset} does not train on: add a training "
                            f"share, e.g. --data-opt subset=0.8 --data-opt reference=held-out.")
        return own_training_split


@dataclasses.dataclass(frozen=True)
class AddedHeldOutOptions(HeldOutOptions):
    """``HeldOutOptions`` for a data set whose runs were made before it had any of them (digits,
    stacked-digits, CIFAR-10): at their defaults they all stay out of run ids, so those runs keep theirs."""

    subset: float = added_later(1.0)
    subset_seed: int = added_later(0)
    reference: Literal["all", "held-out"] = added_later("all")


def own_training_split(is_training: list[bool], counts: list[int]) -> torch.Tensor | None:
    """Indices of the training split's samples among parts loaded one after the other (``counts`` samples
    each, ``is_training`` for each part), or None unless a test part was loaded beside a training one."""
    if len(set(is_training)) < 2:
        return None
    starts = [sum(counts[:index]) for index in range(len(counts))]
    return torch.cat([torch.arange(start, start + count)
                      for training, start, count in zip(is_training, starts, counts) if training])
