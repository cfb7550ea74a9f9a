"""The base of stabilizers that insert one layer in the discriminator's neck, before its head.

The engine gathers every stabilizer's neck layers into a ``Neck`` before the architecture
builds the discriminator, so the head is sized for channels a layer adds. After the build,
``parametrize`` confirms that the discriminator really holds the layer: an architecture that
ignored the neck would otherwise turn the stabilizer into a silent no-op.
"""

from __future__ import annotations

from torch import nn

from ganbench.contracts.architecture import Discriminator, Generator
from ganbench.errors import Incompatible
from ganbench.contracts.stabilizer import Stabilizer


class NeckStabilizer(Stabilizer):
    """A stabilizer acting at the ``neck_layers`` point with one layer."""

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.layer: nn.Module | None = None

    def make_layer(self) -> nn.Module:  # pragma: no cover
        raise NotImplementedError

    def neck_layers(self) -> list[nn.Module]:
        self.layer = self.make_layer()
        return [self.layer]

    def parametrize(self, generator: Generator, discriminator: Discriminator) -> None:
        if self.layer is not None and not any(layer is self.layer for layer in discriminator.neck):
            raise Incompatible(f"stabilizer {self.name!r} needs the discriminator's neck, but the discriminator of "
                               f"{type(discriminator).__name__} did not keep the neck it was given.")
