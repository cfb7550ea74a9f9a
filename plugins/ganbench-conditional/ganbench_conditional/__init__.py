"""ganbench-conditional: class-conditional GANs, the conditional GAN of Mirza & Osindero (2014)
and the auxiliary classifier GAN of Odena, Olah & Shlens (2017), registered with ganbench
through its ``ganbench`` entry point."""

from ganbench.api import hookimpl
from ganbench_conditional.acgan import ACGAN
from ganbench_conditional.cgan import CGAN

__version__ = "0.1.0"


@hookimpl
def register_architectures(register):
    register(CGAN)
    register(ACGAN)
