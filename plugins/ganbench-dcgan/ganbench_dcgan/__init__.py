"""ganbench-dcgan: the DCGAN architecture (Radford, Metz & Chintala 2016) and a fully connected
GAN (Goodfellow et al. 2014), registered with ganbench through its ``ganbench`` entry point."""

from ganbench.api import hookimpl
from ganbench_dcgan.dcgan import DCGAN
from ganbench_dcgan.mlp import MLP

__version__ = "0.1.0"


@hookimpl
def register_architectures(register):
    register(DCGAN)
    register(MLP)
