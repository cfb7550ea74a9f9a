"""Dropout in the discriminator: Srivastava, Hinton, Krizhevsky, Sutskever & Salakhutdinov
(2014), "Dropout: A Simple Way to Prevent Neural Networks from Overfitting", JMLR 15.

Goodfellow et al. (2014) trained their discriminators with dropout; here it sits in the neck,
on the last hidden features before the head, where it keeps D from memorising the real
samples. It acts in training mode only, like any dropout layer.
"""

from __future__ import annotations

import dataclasses

from torch import nn

from ganbench.stabilizers.neck import NeckStabilizer


@dataclasses.dataclass(frozen=True)
class DropoutOptions:
    """The dropout probability."""

    p: float = 0.25  # share of features zeroed at each forward pass in training

    def __post_init__(self) -> None:
        if not 0 <= self.p < 1:
            raise ValueError(f"p must be in [0, 1), got {self.p}.")


class Dropout(NeckStabilizer):
    name = "dropout"
    description = "Dropout (Srivastava et al. 2014) on D's last hidden features, before the head."
    Options = DropoutOptions
    order = 60  # neck: last, right before the head

    def make_layer(self) -> nn.Module:
        return nn.Dropout(self.options.p)
