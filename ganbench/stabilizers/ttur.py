"""The two time-scale update rule: Heusel, Ramsauer, Unterthiner, Nessler & Hochreiter (2017),
"GANs Trained by a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium",
NeurIPS 2017.

The discriminator learns faster than the generator (here 4e-4 against 1e-4, the rates of
Zhang et al. 2019, SAGAN), so that it tracks its optimum for the current generator instead of
needing several critic steps. Learning rates the user sets explicitly (--lr-g, --lr-d) still
win: the engine applies them after the stabilizers.
"""

from __future__ import annotations

import dataclasses

from ganbench.contracts.loss import OptimizerSettings
from ganbench.contracts.stabilizer import Stabilizer


@dataclasses.dataclass(frozen=True)
class TTUROptions:
    """The two learning rates."""

    lr_d: float = 4e-4  # discriminator: the fast time scale
    lr_g: float = 1e-4  # generator: the slow time scale

    def __post_init__(self) -> None:
        for name in ("lr_d", "lr_g"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}.")


class TTUR(Stabilizer):
    name = "ttur"
    description = "Two time-scale learning rates (Heusel et al. 2017): D 4e-4, G 1e-4."
    Options = TTUROptions
    order = 20  # optimizer_settings: the only built-in stabilizer acting there

    def optimizer_settings(self, settings: OptimizerSettings) -> OptimizerSettings:
        return settings.replace(lr_d=self.options.lr_d, lr_g=self.options.lr_g)
