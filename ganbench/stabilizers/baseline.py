"""``none``: the explicit baseline, a stabilizer that does nothing, so that a sweep can name the
configuration without stabilizers as one of its values (``--stabilizer none,label-smoothing``)."""

from __future__ import annotations

from ganbench.contracts.stabilizer import Stabilizer


class NoStabilizer(Stabilizer):
    name = "none"
    description = "The explicit baseline: no stabilizer."
