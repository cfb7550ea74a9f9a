"""Initialisation and spectral normalisation of the ResNet GANs' weights, applied once a net is built.

Initialising before spectral norm is registered matters: the parametrisation estimates the
largest singular value of the weight it finds, so a weight drawn afterwards would be divided
by a stale estimate in the first steps.
"""

from __future__ import annotations

import math
from typing import Iterable

from torch import nn
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import spectral_norm

from ganbench_resnet.residual_blocks import DBlock, GBlock, OptimizedDBlock

WEIGHT_LAYERS = (nn.Conv2d, nn.Linear)


def init_as_sngan(net: nn.Module) -> None:
    """Glorot-uniform weights and zero biases, with gain sqrt(2) on the 3x3 convolutions of the
    residual branches (they feed a ReLU) and 1 on shortcuts, the linear layers and the output
    convolution: the initialisation of Gulrajani et al.'s and Miyato et al.'s released models."""
    for layer in net.modules():
        if isinstance(layer, WEIGHT_LAYERS):
            nn.init.xavier_uniform_(layer.weight, gain=1.0)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    for block in net.modules():
        if isinstance(block, (GBlock, DBlock, OptimizedDBlock)):
            nn.init.xavier_uniform_(block.conv1.weight, gain=math.sqrt(2))
            nn.init.xavier_uniform_(block.conv2.weight, gain=math.sqrt(2))


def init_as_biggan(net: nn.Module) -> None:
    """Orthogonal weights (Saxe et al. 2014) for every convolution, linear layer and embedding,
    zero biases: BigGAN's initialisation (Brock et al. 2019, section 3 and appendix B)."""
    for layer in net.modules():
        if isinstance(layer, (*WEIGHT_LAYERS, nn.Embedding)):
            nn.init.orthogonal_(layer.weight)
            if getattr(layer, "bias", None) is not None:
                nn.init.zeros_(layer.bias)


def spectrally_normalise(parts: Iterable[nn.Module], kinds: tuple[type, ...] = WEIGHT_LAYERS) -> None:
    """Spectral norm (Miyato et al. 2018) on every layer of ``kinds`` in ``parts``, once.

    ``parts`` are the net's own submodules: a discriminator's neck belongs to the stabilizers."""
    for part in parts:
        for layer in part.modules():
            if isinstance(layer, kinds) and not parametrize.is_parametrized(layer, "weight"):
                spectral_norm(layer)


def is_spectrally_normalised(layer: nn.Module) -> bool:
    return parametrize.is_parametrized(layer, "weight")
