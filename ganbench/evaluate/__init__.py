"""The built-in evaluators and the feature extractors they use, registered here through the same hook
as a plugin's (the contract is ganbench.contracts.evaluator).

Through torch-fidelity, in three feature spaces: FID, KID, precision/recall and the Inception Score.
The domain classifier's (``domain-fid``) runs by default on the digit data sets and needs nothing from
the network; Inception and timm backbones need a weights file and are asked for by name (``fid``,
``timm-fid``). Density/coverage and intra-FID measure in any of the three spaces, through
``EvalContext.feature_space``.

On the samples directly: mode coverage on the 2-D mixtures, mode counting on stacked digits, training
stability and collapse, the classification accuracy score, a linear probe of the discriminator, and the
data-copying test.
"""

from ganbench import hookimpl


@hookimpl
def register_evaluators(register):
    # Imported here, not above: importing one metric (torch-fidelity, timm) must not import them all.
    from ganbench.evaluate.classification_accuracy_score import ClassificationAccuracyScore
    from ganbench.evaluate.data_copying import DataCopying
    from ganbench.evaluate.density_coverage import DensityCoverage
    from ganbench.evaluate.domain_fidelity import DomainFidelity
    from ganbench.evaluate.inception_fidelity import InceptionFidelity
    from ganbench.evaluate.intra_fid import IntraFID
    from ganbench.evaluate.linear_probe import LinearProbe
    from ganbench.evaluate.mode_coverage import ModeCoverage
    from ganbench.evaluate.stability import Stability
    from ganbench.evaluate.stacked_modes import StackedModes
    from ganbench.evaluate.timm_fidelity import TimmFidelity
    for evaluator in (DomainFidelity, InceptionFidelity, TimmFidelity, DensityCoverage, IntraFID,
                      ModeCoverage, StackedModes, Stability, ClassificationAccuracyScore, LinearProbe, DataCopying):
        register(evaluator)
