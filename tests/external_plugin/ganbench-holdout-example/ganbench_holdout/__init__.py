"""ganbench-holdout-example: a ResNet-SN architecture, a DiffAugment stabilizer and a
density/coverage evaluator, registered through the ``ganbench`` entry point."""

from ganbench import hookimpl
from ganbench_holdout.augment import DiffAugment
from ganbench_holdout.coverage import DensityCoverage
from ganbench_holdout.resnet_sn import ResNetSN

GANBENCH_API_VERSION = 1


@hookimpl
def register_architectures(register):
    register(ResNetSN)


@hookimpl
def register_stabilizers(register):
    register(DiffAugment)


@hookimpl
def register_evaluators(register):
    register(DensityCoverage)
