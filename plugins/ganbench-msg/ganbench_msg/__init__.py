"""ganbench-msg: multi-scale GANs, registered with ganbench through its ``ganbench`` entry point.

- ``msg``: MSG-GAN (Karnewar & Wang 2020, "MSG-GAN: Multi-Scale Gradients for Generative
  Adversarial Networks") on a DCGAN backbone;
- ``ugan``: a U-Net-like multi-resolution GAN with residual blocks and an optional auxiliary
  classifier (ACGAN, Odena et al. 2017), under the same multi-scale contract.
"""

from ganbench.api import hookimpl
from ganbench_msg.msg import MSG
from ganbench_msg.ugan import UGAN

__version__ = "0.1.0"


@hookimpl
def register_architectures(register):
    register(MSG)
    register(UGAN)
