"""The plugin keeps the ganbench contracts (written against ganbench 0.1's contract checks)."""

import torch

from ganbench import testing
from ganbench.data.spec import DataSpec
from ganbench_holdout.augment import DiffAugment
from ganbench_holdout.coverage import DensityCoverage
from ganbench_holdout.resnet_sn import ResNetSN

IMAGES = [DataSpec("contract-data", "image", (3, 8, 8))]
VECTORS = DataSpec("contract-data", "vector", (2,))


def test_resnet_sn_keeps_the_architecture_contract_and_refuses_vectors():
    testing.check_architecture(ResNetSN, specs=[*IMAGES, VECTORS], channels=8)


def test_diffaug_keeps_the_stabilizer_contract():
    testing.check_stabilizer(DiffAugment, specs=[IMAGES[0]])


def test_diffaug_keeps_shapes_and_is_differentiable():
    x = torch.zeros(4, 1, 16, 16, requires_grad=True)
    out = DiffAugment.with_options({}).d_input(x, None)
    out.sum().backward()
    assert out.shape == x.shape and x.grad is not None


def test_density_coverage_keeps_the_evaluator_contract():
    testing.check_evaluator(DensityCoverage, dataset=IMAGES[0], samples=32)
