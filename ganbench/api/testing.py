"""The testing kit of the public API: contract checks for a plugin's own tests.

    from ganbench.api import testing
    testing.check_architecture(MyArchitecture, losses=("bce", "hinge"), width=8)

Each check returns nothing when the component keeps its contract and raises AssertionError with a
sentence otherwise; ``ganbench.testing`` documents them. Imported on demand: ``ganbench.api``
itself does not load the engine that the checks train with.
"""

from __future__ import annotations

from ganbench.testing import (DEFAULT_SPECS, AppendOnesChannel, ContractData, ContractNet, check_architecture,
                              check_dataset, check_evaluator, check_logger, check_loss, check_stabilizer,
                              temporarily_registered)

__all__ = ["check_architecture", "check_loss", "check_stabilizer", "check_evaluator", "check_dataset", "check_logger",
           "temporarily_registered", "DEFAULT_SPECS", "ContractData", "ContractNet", "AppendOnesChannel"]
