"""The built-in adversarial losses, one module per paper, registered here through the same hook as
a plugin's. The Wasserstein losses ship as the ganbench-wgan plugin.

- ``bce`` and ``minimax`` (bce.py): Goodfellow et al. 2014, non-saturating and saturating G;
- ``lsgan`` (lsgan.py): Mao et al. 2017;
- ``hinge`` (hinge.py): Lim & Ye 2017, Miyato et al. 2018.
"""

from ganbench import hookimpl


@hookimpl
def register_losses(register):
    # Imported here, not above: importing one loss module must not import the others.
    from ganbench.losses.bce import BCELoss, MinimaxLoss
    from ganbench.losses.hinge import HingeLoss
    from ganbench.losses.lsgan import LSGANLoss
    for loss in (BCELoss, MinimaxLoss, LSGANLoss, HingeLoss):
        register(loss)
