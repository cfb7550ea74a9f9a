"""The public API of ganbench: everything a plugin imports, from one place, held still.

    from ganbench.api import Architecture, BuildRequest, Discriminator, DOutput, Generator, hookimpl
    from ganbench.api import testing            # the contract checks, for a plugin's own tests

What this module exports (``__all__``, and ``ganbench.api.testing``) is a promise: within one
``API_VERSION`` no name disappears and no signature changes, which tests/test_public_api.py
checks against a recorded snapshot. A name that moves keeps working at its old place with a
DeprecationWarning for at least one release; a real break raises ``API_VERSION`` and is written
in CHANGELOG.md. A plugin declares the versions it works with in its module:

    GANBENCH_API_VERSIONS = (1, 1)     # lowest and highest, both included
    GANBENCH_API_VERSION = 1           # older form: the lowest alone

The classes live in the package ``ganbench.contracts``, one module per kind; import them from
here, so that they may move without breaking you.
"""

from __future__ import annotations

from ganbench import API_VERSION, hookimpl
from ganbench.contracts.architecture import (Architecture, BuildRequest, Discriminator, DOutput, Generator, Images,
                                             Neck, finest, map_images)
from ganbench.contracts.dataset import DataRequest, Dataset
from ganbench.contracts.evaluator import Direction, EvalContext, Evaluator, quantize
from ganbench.contracts.feature_space import FeatureSpace
from ganbench.contracts.logger import Logger, RunStart
from ganbench.contracts.loss import GPenaltyInputs, Loss, OptimizerSettings, Penalty, PenaltyInputs, Targets
from ganbench.contracts.stabilizer import CriticInputs, Stabilizer, StepInfo
from ganbench.data.source import DataSource, StreamingSource, TensorSource
from ganbench.data.spec import DataSpec
from ganbench.errors import ConfigError, DataError, EvaluationError, GanbenchError, Incompatible
from ganbench.options import added_later
# Building blocks that plugin architectures reuse, so that a paper's trick is implemented once.
from ganbench.stabilizers.minibatch_std import MinibatchStdLayer
from ganbench.stabilizers.r1 import squared_gradient_norm

__all__ = [
    # the plugin API's version and the hook marker (hooks: docs/hooks.md)
    "API_VERSION", "hookimpl",
    # the six contracts (docs/api.md)
    "Architecture", "Loss", "Stabilizer", "Evaluator", "Dataset", "Logger",
    # what an architecture builds and receives
    "Generator", "Discriminator", "DOutput", "BuildRequest", "Neck", "Images", "finest", "map_images",
    # what a loss and the penalties receive and return
    "Targets", "Penalty", "PenaltyInputs", "GPenaltyInputs", "OptimizerSettings",
    # what a stabilizer receives at its points
    "StepInfo", "CriticInputs",
    # what an evaluator receives
    "EvalContext", "FeatureSpace", "Direction", "quantize",
    # what a dataset receives and returns
    "DataRequest", "DataSpec", "DataSource", "TensorSource", "StreamingSource",
    # what a logger receives
    "RunStart",
    # the errors a component raises for the user (one sentence each; ganbench exits with status 2)
    "GanbenchError", "ConfigError", "Incompatible", "DataError", "EvaluationError",
    # an option added to a released component without changing the run ids of runs that omit it
    "added_later",
    # building blocks
    "MinibatchStdLayer", "squared_gradient_norm",
]


def __getattr__(name: str) -> object:
    """``ganbench.api.testing`` without importing it first; loaded on demand (it imports the engine)."""
    if name == "testing":
        import importlib
        return importlib.import_module("ganbench.api.testing")
    raise AttributeError(f"module 'ganbench.api' has no attribute {name!r}")
