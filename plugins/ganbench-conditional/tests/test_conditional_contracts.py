"""cgan and acgan keep ganbench's contracts, checked with the kit ganbench gives plugin authors
(``ganbench.testing``), under every loss ganbench ships; what they refuse (unlabelled data, a
batch-norm critic under a gradient penalty) is refused with a sentence, which the kit checks."""

import pytest

from ganbench.api import BuildRequest, Incompatible, Neck, testing
from ganbench_conditional.acgan import ACGAN
from ganbench_conditional.cgan import CGAN

# The built-in losses, and the Wasserstein ones of ganbench-wgan.
LOSSES = ("bce", "minimax", "lsgan", "hinge", "wgan", "wgan-gp")
LABELLED_IMAGES = testing.DEFAULT_SPECS[1]
SMALL = {"base_channels": 4, "embedding_dim": 3}


@pytest.mark.parametrize("architecture", [CGAN, ACGAN])
def test_keeps_the_architecture_contract_under_every_loss(architecture):
    # The default specs include unlabelled images and vectors: the kit checks that both are refused in a sentence.
    testing.check_architecture(architecture, losses=LOSSES, **SMALL)


@pytest.mark.parametrize("architecture", [CGAN, ACGAN])
def test_with_batch_norm_in_the_critic_refuses_the_gradient_penalty_and_trains_with_the_rest(architecture):
    testing.check_architecture(architecture, specs=[LABELLED_IMAGES], losses=LOSSES, d_norm="batch", **SMALL)
    request = BuildRequest(LABELLED_IMAGES, 8, Neck(), batch_norm_in_d=False, conditional=True)
    with pytest.raises(Incompatible, match="d_norm=batch"):
        architecture.with_options({"d_norm": "batch", **SMALL}).build(request)
