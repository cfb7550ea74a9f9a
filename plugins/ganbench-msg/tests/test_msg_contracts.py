"""msg and ugan keep ganbench's contracts, checked with the kit ganbench gives plugin authors
(``ganbench.testing``), under every loss ganbench ships; a combination they refuse is refused with
a sentence, which the kit checks."""

import pytest

from ganbench.api import BuildRequest, Incompatible, Neck, testing
from ganbench_msg.msg import MSG
from ganbench_msg.ugan import UGAN

# The built-in losses, and the Wasserstein ones of ganbench-wgan.
LOSSES = ("bce", "minimax", "lsgan", "hinge", "wgan", "wgan-gp")
IMAGES = testing.DEFAULT_SPECS[0]


@pytest.mark.parametrize("combine", ["cat", "lin-cat", "cat-lin"])
def test_msg_keeps_the_architecture_contract_under_every_loss(combine):
    testing.check_architecture(MSG, losses=LOSSES, base_channels=4, combine=combine)


def test_msg_with_batch_norm_in_the_critic_refuses_the_gradient_penalty_and_trains_with_the_rest():
    testing.check_architecture(MSG, specs=[IMAGES], losses=LOSSES, base_channels=4, d_norm="batch")
    with pytest.raises(Incompatible, match="d_norm=batch"):
        MSG.with_options({"d_norm": "batch"}).build(BuildRequest(IMAGES, 8, Neck(), batch_norm_in_d=False))


@pytest.mark.parametrize("auxiliary_classifier", ["auto", "no"])  # auto: ACGAN on the labelled spec
def test_ugan_keeps_the_architecture_contract_under_every_loss(auxiliary_classifier):
    testing.check_architecture(UGAN, losses=LOSSES, base_channels=4, auxiliary_classifier=auxiliary_classifier)
