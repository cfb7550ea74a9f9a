"""ganbench-stylegan2: a compact StyleGAN2 (Karras et al. 2020, "Analyzing and Improving the Image
Quality of StyleGAN"), registered with ganbench through its ``ganbench`` entry point."""

from ganbench.api import hookimpl
from ganbench_stylegan2.stylegan2 import StyleGAN2

__version__ = "0.1.0"


@hookimpl
def register_architectures(register):
    register(StyleGAN2)
