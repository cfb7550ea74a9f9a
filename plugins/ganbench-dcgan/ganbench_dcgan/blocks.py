"""The building blocks of DCGAN: Radford, Metz & Chintala (2016), "Unsupervised Representation
Learning with Deep Convolutional Generative Adversarial Networks", ICLR 2016 (arXiv:1511.06434).

Every first-party architecture that stands on DCGAN builds from this module, so that they cannot
drift apart: ``dcgan`` itself, ``msg`` (MSG-GAN, which is DCGAN plus multi-scale links) and the
conditional ``cgan`` and ``acgan``. The paper's guidelines, as built here:

- no pooling and no fully connected hidden layers: the generator projects its input vector to a
  4x4 map with a transposed convolution, then doubles the side with strided transposed
  convolutions; the discriminator halves the image with strided convolutions down to 4x4, where
  a 4x4 convolution gives the logit;
- batch norm in both nets, except at the generator's output and the discriminator's input; in
  the discriminator a per-sample norm replaces it when the loss penalises each sample's gradient,
  and ``dcgan``'s ``g_norm = "none"`` removes it from the generator, to test the paper's claim
  that it is "critical to get deep generators to begin learning";
- ReLU in the generator with tanh at the output, LeakyReLU(0.2) in the discriminator;
- weights drawn from N(0, 0.02), norm scales from N(1, 0.02) as in the authors' code;
- channels double each time the side halves, from ``base_channels`` next to the image up to
  ``max_channels``, so a 64 px model has the paper's 512-256-128-64 widths.

A block is a ``conv``, ``norm``, ``act`` sequence with those names, so that an architecture
that feeds a block more input (MSG-GAN's images) can add its term between ``conv`` and ``norm``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Literal

import torch
from torch import nn

from ganbench.api import DataSpec, Incompatible

SMALLEST_SIDE = 4  # both nets meet at a 4x4 map
LEAK = 0.2  # the discriminator's LeakyReLU slope

# auto: batch norm, or layer norm when a gradient penalty needs a per-sample critic
DNorm = Literal["auto", "batch", "layer", "instance", "none"]
# batch: the paper's; none: the ablation of the paper's claim that G needs it to begin learning
GNorm = Literal["batch", "none"]


# Options

def require_positive(name: str, value: int) -> None:
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}.")


def require_widths(base_channels: int, max_channels: int) -> None:
    """The width options every DCGAN-style architecture takes: both positive, the cap not below the base."""
    require_positive("base_channels", base_channels)
    require_positive("max_channels", max_channels)
    if max_channels < base_channels:
        raise ValueError(f"max_channels ({max_channels}) must be at least base_channels ({base_channels}).")


# Sizes

def is_power_of_two(number: int) -> bool:
    return number > 0 and number & (number - 1) == 0


def check_square_power_of_two(architecture: str, spec: DataSpec) -> None:
    """Both nets double or halve a 4x4 map, so images must be square with a power-of-two side of at least 8."""
    height, width = spec.shape[-2], spec.shape[-1]
    if height != width:
        raise Incompatible(f"architecture {architecture!r} builds square images, "
                           f"but dataset {spec.name!r} is {height}x{width} px.")
    if not is_power_of_two(width) or width < 2 * SMALLEST_SIDE:
        raise Incompatible(f"architecture {architecture!r} doubles a 4x4 map up to the image, so it needs a power "
                           f"of two of at least 8 px (8, 16, 32, 64, 128, 256 ...), got {width} px.")


def hidden_sides(resolution: int) -> list[int]:
    """Sides of the hidden maps, coarse to fine: 4, 8, ..., resolution // 2."""
    sides = [SMALLEST_SIDE]
    while sides[-1] * 2 < resolution:
        sides.append(sides[-1] * 2)
    return sides


def hidden_widths(resolution: int, base_channels: int, max_channels: int) -> list[int]:
    """Channels of the hidden maps, coarse to fine: ``base_channels`` at resolution // 2, doubling
    with each halving of the side, capped at ``max_channels``. The discriminator reads it backwards."""
    return [min(base_channels * resolution // (2 * side), max_channels) for side in hidden_sides(resolution)]


# Initialisation, activations, norms

def init_as_in_dcgan(module: nn.Module) -> None:
    """Weights from N(0, 0.02) and zero biases (paper, section 4); norm scales from N(1, 0.02) as
    in the authors' code, so that each norm starts close to the identity. Apply it with
    ``net.apply``. Label embeddings keep PyTorch's N(0, 1): the scale of the z beside them."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.GroupNorm, nn.InstanceNorm2d)) and module.weight is not None:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def make_activation(name: str) -> nn.Module:
    """ReLU, SELU, or LeakyReLU with the paper's slope of 0.2."""
    return {"relu": nn.ReLU, "leaky": lambda: nn.LeakyReLU(LEAK), "selu": nn.SELU}[name]()


def resolve_d_norm(architecture: str, choice: str, batch_norm_allowed: bool) -> str:
    """``auto`` is the paper's batch norm, unless the loss needs a per-sample critic (a gradient
    penalty: batch norm would make each sample's logit depend on the rest of the batch)."""
    if choice == "auto":
        return "batch" if batch_norm_allowed else "layer"
    if choice == "batch" and not batch_norm_allowed:
        raise Incompatible(f"architecture {architecture!r} cannot use d_norm=batch with this loss: batch norm in "
                           "the critic breaks the per-sample gradient penalty; use d_norm=layer (or instance or none).")
    return choice


def discriminator_norm(name: str, channels: int) -> nn.Module:
    """The norm after a hidden discriminator convolution; "layer" and "instance" act per sample."""
    if name == "batch":
        return nn.BatchNorm2d(channels)
    if name == "layer":
        return nn.GroupNorm(1, channels)  # one group: normalise over (C, H, W) of each sample
    if name == "instance":
        return nn.InstanceNorm2d(channels, affine=True)
    return nn.Identity()


# Blocks

def conv_norm_act(conv: nn.Module, norm: nn.Module, act: nn.Module) -> nn.Sequential:
    return nn.Sequential(OrderedDict(conv=conv, norm=norm, act=act))


def edge_geometry(wide_kernel: bool) -> dict[str, int]:
    """Kernel, stride and padding of the layer that touches the image; both double or halve the side.
    Kernel 8 is the paper's choice for its 128 px experiments."""
    if wide_kernel:
        return {"kernel_size": 8, "stride": 2, "padding": 3}
    return {"kernel_size": 4, "stride": 2, "padding": 1}


def generator_norm(name: str, channels: int) -> nn.Module:
    """The norm after a hidden generator convolution: the paper's batch norm, or none (its ablation)."""
    return nn.BatchNorm2d(channels) if name == "batch" else nn.Identity()


def generator_blocks(in_features: int, widths: list[int], activation: str = "relu",
                     norm: str = "batch") -> nn.Sequential:
    """(B, in_features, 1, 1) -> hidden maps of ``widths`` (coarse to fine): the projection to 4x4,
    written as a 4x4 transposed convolution of a 1x1 map, then one doubling block per width."""
    # A bias only without a norm: batch norm's mean subtraction would cancel it.
    bias = norm == "none"
    blocks = [conv_norm_act(nn.ConvTranspose2d(in_features, widths[0], kernel_size=4, stride=1, padding=0, bias=bias),
                            generator_norm(norm, widths[0]), make_activation(activation))]
    blocks += [conv_norm_act(nn.ConvTranspose2d(w_in, w_out, kernel_size=4, stride=2, padding=1, bias=bias),
                             generator_norm(norm, w_out), make_activation(activation))
               for w_in, w_out in zip(widths, widths[1:])]
    return nn.Sequential(*blocks)


def to_image_layer(in_channels: int, image_channels: int, wide_kernel: bool = False) -> nn.ConvTranspose2d:
    """The generator's output layer, which doubles the last hidden map to the image; tanh follows,
    and no norm (the paper found normalising the output made training oscillate)."""
    return nn.ConvTranspose2d(in_channels, image_channels, **edge_geometry(wide_kernel))


def from_image_block(image_channels: int, width: int, wide_kernel: bool = False) -> nn.Sequential:
    """The discriminator's input layer, which halves the image: no norm, since normalising raw
    pixels made training oscillate (paper, section 3)."""
    return conv_norm_act(nn.Conv2d(image_channels, width, **edge_geometry(wide_kernel)), nn.Identity(),
                         nn.LeakyReLU(LEAK))


def down_block(in_channels: int, out_channels: int, norm: str) -> nn.Sequential:
    """Halves the side: strided 4x4 convolution, the discriminator's norm, LeakyReLU(0.2)."""
    # A bias only without a norm: the norm's mean subtraction would cancel it.
    conv = nn.Conv2d(in_channels, out_channels, kernel_size=4, stride=2, padding=1, bias=norm == "none")
    return conv_norm_act(conv, discriminator_norm(norm, out_channels), nn.LeakyReLU(LEAK))


def discriminator_blocks(widths: list[int], norm: str) -> nn.Sequential:
    """Hidden maps of ``widths`` (fine to coarse) -> the 4x4 map: one halving block per step."""
    return nn.Sequential(*(down_block(w_in, w_out, norm) for w_in, w_out in zip(widths, widths[1:])))


class DownsamplingTrunk(nn.Module):
    """The discriminator up to its 4x4 features: ``from_image``, then the halving ``blocks``.
    ``widths`` are fine to coarse; the head is the architecture's (one logit, class logits ...)."""

    def __init__(self, in_channels: int, widths: list[int], norm: str, wide_kernel: bool = False) -> None:
        super().__init__()
        self.from_image = from_image_block(in_channels, widths[0], wide_kernel)
        self.blocks = discriminator_blocks(widths, norm)
        self.out_channels = widths[-1]
        self.apply(init_as_in_dcgan)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.from_image(x))


def logit_layer(in_channels: int, outputs: int = 1) -> nn.Conv2d:
    """The head: a 4x4 convolution of the 4x4 map, one value per output (a logit, or class logits)."""
    return nn.Conv2d(in_channels, outputs, kernel_size=SMALLEST_SIDE)
