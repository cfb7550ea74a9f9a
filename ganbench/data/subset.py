"""A fixed share of a labelled data set to train on, for limited-data studies.

The limited-data protocol of Karras et al. 2020 ("Training Generative Adversarial Networks with
Limited Data", ADA) and Zhao et al. 2020 (DiffAugment) trains on a subset and computes FID
against all the available images, whatever subset the GAN saw. ganbench follows it: a data set
with a ``subset`` below 1 trains on that share, drawn once per class with ``subset_seed`` so
that every run of a study (every seed, every stabilizer) sees the same images and the classes
keep their proportions, while the evaluators compare against the whole data set.
"""

from __future__ import annotations

import torch


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
