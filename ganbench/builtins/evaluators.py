"""Built-in evaluators that go through torch-fidelity: FID, KID, precision/recall (and the
Inception Score) in three feature spaces. The domain classifier's runs by default on the digit
data sets and needs nothing from the network; Inception and timm backbones need a weights file
and are asked for by name (``--evaluator fid``, ``--evaluator timm-fid``). Density/coverage and
intra-FID measure in any of the three spaces, through ``EvalContext.feature_space``."""

from __future__ import annotations

from ganbench import hookimpl
from ganbench.evaluate.density_coverage import DensityCoverage
from ganbench.evaluate.domain_fidelity import DomainFidelity
from ganbench.evaluate.inception_fidelity import InceptionFidelity
from ganbench.evaluate.intra_fid import IntraFID
from ganbench.evaluate.timm_fidelity import TimmFidelity


@hookimpl
def register_evaluators(register):
    register(DomainFidelity)
    register(InceptionFidelity)
    register(TimmFidelity)
    register(DensityCoverage)
    register(IntraFID)
