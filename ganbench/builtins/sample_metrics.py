"""Built-in evaluators that measure samples directly: mode coverage on the 2-D mixtures, mode
counting on stacked digits, training stability and collapse, the classification accuracy score
a linear probe of the discriminator, and the data-copying test."""

from __future__ import annotations

from ganbench import hookimpl
from ganbench.evaluate.classification_accuracy_score import ClassificationAccuracyScore
from ganbench.evaluate.data_copying import DataCopying
from ganbench.evaluate.linear_probe import LinearProbe
from ganbench.evaluate.mode_coverage import ModeCoverage
from ganbench.evaluate.stability import Stability
from ganbench.evaluate.stacked_modes import StackedModes


@hookimpl
def register_evaluators(register):
    register(ModeCoverage)
    register(StackedModes)
    register(Stability)
    register(ClassificationAccuracyScore)
    register(LinearProbe)
    register(DataCopying)
