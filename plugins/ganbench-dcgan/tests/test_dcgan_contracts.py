"""dcgan and mlp keep ganbench's contracts, checked with the kit ganbench gives plugin authors
(``ganbench.testing``), under every loss ganbench ships; a combination they refuse is refused with
a sentence, which the kit checks."""

import pytest

from ganbench.api import BuildRequest, Incompatible, Neck, testing
from ganbench_dcgan.dcgan import DCGAN
from ganbench_dcgan.mlp import MLP

# The built-in losses, and the Wasserstein ones of ganbench-wgan.
LOSSES = ("bce", "minimax", "lsgan", "hinge", "wgan", "wgan-gp")
IMAGES = testing.DEFAULT_SPECS[0]


def test_dcgan_keeps_the_architecture_contract_under_every_loss():
    testing.check_architecture(DCGAN, losses=LOSSES, base_channels=4)


def test_dcgan_with_batch_norm_in_the_critic_refuses_the_gradient_penalty_and_trains_with_the_rest():
    testing.check_architecture(DCGAN, specs=[IMAGES], losses=LOSSES, base_channels=4, d_norm="batch")
    with pytest.raises(Incompatible, match="d_norm=batch"):
        DCGAN.with_options({"d_norm": "batch"}).build(BuildRequest(IMAGES, 8, Neck(), batch_norm_in_d=False))


def test_mlp_keeps_the_architecture_contract_under_every_loss():
    testing.check_architecture(MLP, losses=LOSSES, hidden=16)
