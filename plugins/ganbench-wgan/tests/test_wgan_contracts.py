"""wgan and wgan-gp keep ganbench's loss contract, checked with the kit ganbench gives plugin
authors (``ganbench.testing``): finite scalars that reward D for telling real from fake and G for
fooling D, declared targets and optimizer settings, and a short training run (with wgan-gp's
gradient penalty, and with wgan's weight clipping)."""

import pytest

from ganbench.api import testing
from ganbench_wgan.wasserstein import WGAN, WGANGP


@pytest.mark.parametrize("loss", [WGAN, WGANGP])
def test_keeps_the_loss_contract(loss):
    testing.check_loss(loss)


def test_wgan_gp_keeps_the_loss_contract_with_a_lazy_penalty():
    testing.check_loss(WGANGP, interval=2)  # the penalty every other critic step, scaled by 2
