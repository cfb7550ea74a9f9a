"""The base of stabilizers that change the discriminator's real/fake targets.

Label smoothing and label flipping only mean something for a loss that compares logits with
targets (BCE, least squares). Hinge and Wasserstein losses have no targets, so these
stabilizers refuse them instead of silently doing nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from ganbench.errors import Incompatible
from ganbench.contracts.stabilizer import Stabilizer

if TYPE_CHECKING:
    from ganbench.contracts.architecture import Architecture
    from ganbench.data.spec import DataSpec
    from ganbench.contracts.loss import Loss


class TargetStabilizer(Stabilizer):
    """A stabilizer acting at the ``targets`` point."""

    def check(self, loss: "Loss", architecture: "Architecture", spec: "DataSpec",
              others: Sequence[Stabilizer]) -> None:
        """Refuse a loss without real/fake targets (hinge, wgan, wgan-gp)."""
        if not loss.uses_targets:
            raise Incompatible(f"stabilizer {self.name!r} changes the real/fake targets, but loss {loss.name!r} "
                               f"has no targets; use a loss with targets such as bce or lsgan.")
