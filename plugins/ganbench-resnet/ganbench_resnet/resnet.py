"""The ResNet GAN of WGAN-GP and SNGAN: Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville (2017),
"Improved Training of Wasserstein GANs", NeurIPS 2017, appendix F; Miyato, Kataoka, Koyama &
Yoshida (2018), "Spectral Normalization for Generative Adversarial Networks", ICLR 2018,
appendix B, with the 64 and 128 px layouts of Miyato & Koyama (2018), "cGANs with Projection
Discriminator", ICLR 2018, appendix (used there unconditionally as the SNGAN baseline).

Generator: z -> linear -> 4x4 map -> pre-activation residual up-blocks with batch norm ->
batch norm, ReLU, 3x3 conv, tanh. Discriminator: an optimized first block, residual
down-blocks, ReLU, global sum pooling, then the neck and a linear head. Spectral norm on every
layer of D (SNGAN) is an option of the architecture, on by default; with
``spectral_norm=false`` D has no normalisation at all, the WGAN-GP critic.

Widths are ``g_channels``/``d_channels`` times each layout's multipliers: at 32 px every layer
has the same width (G 256, D 128 in the papers); at 64 and 128 px the widths grow from 64 next
to the image to 1024 at 4x4.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import torch
from torch import nn

from ganbench.api import (Architecture, BuildRequest, DataSpec, Discriminator, DOutput, Generator,
                          Incompatible, Stabilizer)
from ganbench_resnet.residual_blocks import BatchNorm, DBlock, GBlock, OptimizedDBlock, global_sum_pool
from ganbench_resnet.weights import init_as_sngan, spectrally_normalise

SMALLEST_SIDE = 4  # G grows its image from a 4x4 map


@dataclasses.dataclass(frozen=True)
class Layout:
    """One resolution's net, in multiples of the width options."""

    g_widths: tuple[int, ...]  # G's 4x4 input map, then each up-block's output
    d_blocks: tuple[tuple[int, bool], ...]  # (width, down-samples) per D block; the first is the optimized one
    g_channels: int  # the papers' width unit
    d_channels: int


LAYOUTS = {
    # SNGAN/WGAN-GP CIFAR-10: three up-blocks of 256; D stops at 8x8 with two blocks that keep it.
    32: Layout((1, 1, 1, 1), ((1, True), (1, True), (1, False), (1, False)), 256, 128),
    # Miyato & Koyama 2018, 64 px: G 1024 at 4x4 halving to 64; D 64 doubling to 1024 at 4x4.
    64: Layout((16, 8, 4, 2, 1), ((1, True), (2, True), (4, True), (8, True), (16, False)), 64, 64),
    # Miyato & Koyama 2018, 128 px (ImageNet).
    128: Layout((16, 16, 8, 4, 2, 1), ((1, True), (2, True), (4, True), (8, True), (16, True), (16, False)), 64, 64),
}


@dataclasses.dataclass(frozen=True)
class ResNetOptions:
    """Widths and D's spectral norm."""

    g_channels: int | None = None  # G width unit; None: the paper's (256 at 32 px, 64 at 64/128 px)
    d_channels: int | None = None  # D width unit; None: the paper's (128 at 32 px, 64 at 64/128 px)
    spectral_norm: bool = True  # SNGAN's D; false: the WGAN-GP critic, without any normalisation

    def __post_init__(self) -> None:
        for name in ("g_channels", "d_channels"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value}.")


def check_layout_exists(name: str, spec: DataSpec) -> None:
    height, width = spec.shape[-2], spec.shape[-1]
    if height != width or width not in LAYOUTS:
        raise Incompatible(f"architecture {name!r} has the papers' layouts for square images of "
                           f"{', '.join(map(str, LAYOUTS))} px, but dataset {spec.name!r} is {height}x{width} px.")


def refuse_own_spectral_norm_twice(name: str, applies_it: bool, stabilizers: Sequence[Stabilizer]) -> None:
    """The spectral-norm stabilizer would skip D's already-normalised layers: a silent no-op."""
    if applies_it and any(stabilizer.name == "spectral-norm" for stabilizer in stabilizers):
        raise Incompatible(f"architecture {name!r} already applies spectral norm to D (option spectral_norm=true); "
                           f"drop stabilizer 'spectral-norm', or set spectral_norm=false to add it as a stabilizer.")


class ResNetGenerator(Generator):
    """z -> 4x4 map -> residual up-blocks -> BN, ReLU, 3x3 conv, tanh."""

    def __init__(self, request: BuildRequest, widths: list[int]) -> None:
        super().__init__()
        self.latent_dim = request.latent_dim
        self.first_width = widths[0]
        self.project = nn.Linear(request.latent_dim, widths[0] * SMALLEST_SIDE * SMALLEST_SIDE)
        self.blocks = nn.ModuleList(GBlock(w_in, w_out, BatchNorm) for w_in, w_out in zip(widths, widths[1:]))
        self.to_image = nn.Sequential(nn.BatchNorm2d(widths[-1]), nn.ReLU(),
                                      nn.Conv2d(widths[-1], request.spec.channels, 3, padding=1), nn.Tanh())
        init_as_sngan(self)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        h = self.project(z).reshape(z.shape[0], self.first_width, SMALLEST_SIDE, SMALLEST_SIDE)
        for block in self.blocks:
            h = block(h)
        return self.to_image(h)


def discriminator_blocks(in_channels: int, plan: list[tuple[int, bool]]) -> nn.ModuleList:
    """The optimized first block, then pre-activation blocks; ``plan`` lists (width, down-samples)."""
    first_width = plan[0][0]
    blocks = [OptimizedDBlock(in_channels, first_width)]
    for (w_in, _), (w_out, down) in zip(plan, plan[1:]):
        blocks.append(DBlock(w_in, w_out, down))
    return nn.ModuleList(blocks)


class ResNetDiscriminator(Discriminator):
    """Image -> residual blocks -> ReLU -> global sum pooling (features) -> neck -> linear (head)."""

    def __init__(self, request: BuildRequest, plan: list[tuple[int, bool]], spectral_norm: bool) -> None:
        super().__init__(request.neck)
        self.blocks = discriminator_blocks(request.spec.channels, plan)
        self.relu = nn.ReLU()
        width = plan[-1][0]
        # The neck may add features (minibatch-std), so the head is sized by it.
        self.linear = nn.Linear(self.neck.out_channels(width), 1)
        init_as_sngan(self.blocks)
        init_as_sngan(self.linear)
        if spectral_norm:
            spectrally_normalise([self.blocks, self.linear])

    def features(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        h = x
        for block in self.blocks:
            h = block(h)
        return global_sum_pool(self.relu(h))

    def head(self, h: torch.Tensor, y: torch.Tensor | None) -> DOutput:
        return DOutput(self.linear(h).squeeze(1))


class ResNet(Architecture):
    """The SNGAN / WGAN-GP ResNet for square images of 32, 64 and 128 px."""

    name = "resnet"
    description = ("SNGAN/WGAN-GP ResNet (Miyato et al. 2018; Gulrajani et al. 2017), 32/64/128 px: residual "
                   "blocks, BN in G, sum-pooled D; applies spectral norm to D itself (spectral_norm=true), so "
                   "stabilizer spectral-norm is refused unless spectral_norm=false.")
    data_kinds = ("image",)
    min_resolution = 32  # the papers' layouts: 32, 64 and 128 px
    Options = ResNetOptions

    def check(self, spec: DataSpec) -> None:
        if spec.kind == "image":  # the layouts' sentence says more than the minimum size would
            check_layout_exists(self.name, spec)
        super().check(spec)

    def check_stabilizers(self, stabilizers: Sequence[Stabilizer]) -> None:
        refuse_own_spectral_norm_twice(self.name, self.options.spectral_norm, stabilizers)

    def widths(self, resolution: int) -> tuple[list[int], list[tuple[int, bool]]]:
        """G's widths, and D's (width, down-samples) per block, for ``resolution``."""
        layout = LAYOUTS[resolution]
        g_unit = self.options.g_channels or layout.g_channels
        d_unit = self.options.d_channels or layout.d_channels
        return ([g_unit * m for m in layout.g_widths], [(d_unit * m, down) for m, down in layout.d_blocks])

    def build(self, request: BuildRequest) -> tuple[ResNetGenerator, ResNetDiscriminator]:
        if request.conditional:
            raise Incompatible(f"architecture {self.name!r} is unconditional; use biggan (or cgan, acgan) "
                               f"for class labels.")
        check_layout_exists(self.name, request.spec)
        g_widths, d_plan = self.widths(request.spec.resolution)
        return (ResNetGenerator(request, g_widths),
                ResNetDiscriminator(request, d_plan, self.options.spectral_norm))
