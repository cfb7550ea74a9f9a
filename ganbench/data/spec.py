"""What a dataset gives: the contract between datasets, architectures and evaluators."""

from __future__ import annotations

import dataclasses
from typing import Literal


@dataclasses.dataclass(frozen=True)
class DataSpec:
    """Shape of one sample and the label space.

    ``kind`` is "image" (shape = (channels, height, width)) or "vector" (shape = (dim,)).
    Values are floats in [-1, 1]; ``num_classes`` is 0 for unlabelled data.
    """

    name: str
    kind: Literal["image", "vector"]
    shape: tuple[int, ...]
    num_classes: int = 0

    @property
    def channels(self) -> int:
        """The first axis of ``shape``: an image's channels."""
        return self.shape[0]

    @property
    def resolution(self) -> int:
        """Image side in pixels (0 for vectors)."""
        return self.shape[-1] if self.kind == "image" else 0

    @property
    def numel(self) -> int:
        """Numbers in one sample."""
        total = 1
        for size in self.shape:
            total *= size
        return total

    @property
    def labelled(self) -> bool:
        """Whether the data has class labels (``num_classes`` > 0)."""
        return self.num_classes > 0
