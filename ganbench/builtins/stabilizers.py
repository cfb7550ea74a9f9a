"""Built-in stabilizers."""

from __future__ import annotations

from ganbench import hookimpl
from ganbench.stabilizer import Stabilizer


class NoStabilizer(Stabilizer):
    name = "none"
    description = "The explicit baseline: no stabilizer."


@hookimpl
def register_stabilizers(register):
    register(NoStabilizer)
