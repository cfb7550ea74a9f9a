"""ganbench-resnet: the CIFAR/ImageNet ResNet GAN of SNGAN and WGAN-GP (Miyato et al. 2018;
Gulrajani et al. 2017) and the class-conditional BigGAN (Brock et al. 2019), registered with
ganbench through its ``ganbench`` entry point."""

from ganbench.api import hookimpl
from ganbench_resnet.biggan import BigGAN
from ganbench_resnet.resnet import ResNet

__version__ = "0.1.0"


@hookimpl
def register_architectures(register):
    register(ResNet)
    register(BigGAN)
