"""ganbench-wgan: the Wasserstein GAN losses, with weight clipping (Arjovsky, Chintala & Bottou 2017)
and with a gradient penalty (Gulrajani et al. 2017), registered with ganbench through its
``ganbench`` entry point."""

from ganbench.api import hookimpl
from ganbench_wgan.wasserstein import WGAN, WGANGP

__version__ = "0.1.0"


@hookimpl
def register_losses(register):
    register(WGAN)
    register(WGANGP)
