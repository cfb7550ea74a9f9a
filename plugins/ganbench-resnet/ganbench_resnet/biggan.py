"""BigGAN: Brock, Donahue & Simonyan (2019), "Large Scale GAN Training for High Fidelity Natural
Image Synthesis", ICLR 2019 (section 3, appendix B), class-conditional.

What is built, from the paper:
- the ResNet generator and discriminator of SNGAN (``residual_blocks.py``), with BigGAN's
  widths (appendix B at 128 px; the authors' CIFAR-10 layout at 32 px);
- a shared class embedding: one embedding of y, concatenated with a chunk of z per block
  ("hierarchical latent space"); each block's conditional batch norm predicts its gains and
  biases from that vector with linear layers; the first chunk of z feeds the 4x4 projection;
- a projection discriminator (Miyato & Koyama 2018, "cGANs with Projection Discriminator"):
  logit = linear(phi(x)) + <embed(y), phi(x)>, phi the sum-pooled features;
- self-attention (Zhang et al. 2019, SAGAN) in G and D at one resolution (64 at 128 px);
- orthogonal initialisation, and spectral norm on every layer of G and D (the shared
  embedding excepted, as in the paper's code), always on: it is part of the architecture.

Not built here, since they belong to training rather than the nets: the truncation trick,
orthogonal regularization, the hinge loss, EMA of G and the two learning rates. The README
gives the flags that add the hinge loss, EMA and BigGAN's learning rates.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import torch
from torch import nn

from ganbench.api import (Architecture, BuildRequest, DataSpec, Discriminator, DOutput, Generator,
                          Incompatible, Stabilizer)
from ganbench_resnet.residual_blocks import GBlock, global_sum_pool
from ganbench_resnet.resnet import SMALLEST_SIDE, Layout, check_layout_exists, discriminator_blocks
from ganbench_resnet.self_attention import SelfAttention
from ganbench_resnet.weights import init_as_biggan, spectrally_normalise

LAYOUTS = {
    # CIFAR-10, as in the authors' 32 px configuration: 4 ch everywhere, D stops at 8x8.
    32: Layout((4, 4, 4, 4), ((4, True), (4, True), (4, False), (4, False)), 64, 64),
    64: Layout((16, 16, 8, 4, 2), ((1, True), (2, True), (4, True), (8, True), (16, False)), 64, 64),
    # ImageNet 128 px (appendix B): ch = 96.
    128: Layout((16, 16, 8, 4, 2, 1), ((1, True), (2, True), (4, True), (8, True), (16, True), (16, False)), 96, 96),
}


@dataclasses.dataclass(frozen=True)
class BigGANOptions:
    """Widths, the shared embedding and where attention sits."""

    g_channels: int | None = None  # G width unit "ch"; None: the paper's (64 at 32/64 px, 96 at 128 px)
    d_channels: int | None = None  # D width unit; None: as G
    shared_dim: int = 128  # size of the shared class embedding (paper: 128)
    attention_resolution: int | None = None  # side of the attended maps; None: half the image side; 0: none

    def __post_init__(self) -> None:
        for name in ("g_channels", "d_channels"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value}.")
        if self.shared_dim < 1:
            raise ValueError(f"shared_dim must be a positive integer, got {self.shared_dim}.")
        if self.attention_resolution is not None and self.attention_resolution < 0:
            raise ValueError(f"attention_resolution must be 0 (none) or a map side, got {self.attention_resolution}.")


class ConditionalBatchNorm(nn.Module):
    """Batch norm without its own affine map; gains (1 + .) and biases come from the condition."""

    def __init__(self, channels: int, condition_dim: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Linear(condition_dim, channels, bias=False)
        self.bias = nn.Linear(condition_dim, channels, bias=False)

    def forward(self, x: torch.Tensor, condition: torch.Tensor | None = None) -> torch.Tensor:
        assert condition is not None, "BigGAN's blocks are always conditioned"
        gain = 1 + self.gain(condition)[:, :, None, None]
        return self.norm(x) * gain + self.bias(condition)[:, :, None, None]


def require_labels(y: torch.Tensor | None) -> torch.Tensor:
    if y is None:
        raise ValueError("biggan is class-conditional: its generator and discriminator need labels y.")
    return y


class BigGANGenerator(Generator):
    """(z, y) -> chunks of z; [shared(y), chunk] per block -> conditional residual up-blocks -> image."""

    def __init__(self, request: BuildRequest, widths: list[int], shared_dim: int, attention_side: int) -> None:
        super().__init__()
        spec = request.spec
        self.latent_dim = request.latent_dim
        self.first_width = widths[0]
        self.chunks = len(widths)  # one for the 4x4 projection, one per block
        chunk_dims = [len(chunk) for chunk in torch.arange(request.latent_dim).tensor_split(self.chunks)]
        self.shared = nn.Embedding(spec.num_classes, shared_dim)
        self.project = nn.Linear(chunk_dims[0], widths[0] * SMALLEST_SIDE * SMALLEST_SIDE)
        self.layers = nn.ModuleList()
        side = SMALLEST_SIDE
        for (w_in, w_out), chunk_dim in zip(zip(widths, widths[1:]), chunk_dims[1:]):
            norm = lambda channels, dim=shared_dim + chunk_dim: ConditionalBatchNorm(channels, dim)  # noqa: E731
            self.layers.append(GBlock(w_in, w_out, norm))
            side *= 2
            if side == attention_side:
                self.layers.append(SelfAttention(w_out))
        self.to_image = nn.Sequential(nn.BatchNorm2d(widths[-1]), nn.ReLU(),
                                      nn.Conv2d(widths[-1], spec.channels, 3, padding=1), nn.Tanh())
        init_as_biggan(self)
        # The shared embedding stays unnormalised, as in the paper's code.
        spectrally_normalise([self.project, self.layers, self.to_image])

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        first, *per_block = z.tensor_split(self.chunks, dim=1)
        shared = self.shared(require_labels(y))
        h = self.project(first).reshape(z.shape[0], self.first_width, SMALLEST_SIDE, SMALLEST_SIDE)
        blocks_seen = 0
        for layer in self.layers:
            if isinstance(layer, GBlock):
                h = layer(h, torch.cat([shared, per_block[blocks_seen]], dim=1))
                blocks_seen += 1
            else:
                h = layer(h)
        return self.to_image(h)


class BigGANDiscriminator(Discriminator):
    """Image -> residual blocks (+ attention) -> ReLU -> sum pooling -> neck -> linear + projection of y."""

    def __init__(self, request: BuildRequest, plan: list[tuple[int, bool]], attention_side: int) -> None:
        super().__init__(request.neck)
        spec = request.spec
        self.layers = nn.ModuleList()
        side = spec.resolution
        for block, (width, down) in zip(discriminator_blocks(spec.channels, plan), plan):
            self.layers.append(block)
            side //= 2 if down else 1
            if side == attention_side and not any(isinstance(layer, SelfAttention) for layer in self.layers):
                self.layers.append(SelfAttention(width))
        self.relu = nn.ReLU()
        # The neck may add features (minibatch-std): the head and the class embedding are sized by it.
        head_width = self.neck.out_channels(plan[-1][0])
        self.linear = nn.Linear(head_width, 1)
        self.embed = nn.Embedding(spec.num_classes, head_width)
        init_as_biggan(self.layers)
        init_as_biggan(self.linear)
        init_as_biggan(self.embed)
        spectrally_normalise([self.layers, self.linear, self.embed], kinds=(nn.Conv2d, nn.Linear, nn.Embedding))

    def features(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        h = x
        for layer in self.layers:
            h = layer(h)
        return global_sum_pool(self.relu(h))

    def projection(self, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """<embed(y), phi(x)>: how well the features match the class (Miyato & Koyama 2018, eq. 3)."""
        return (self.embed(y) * h).sum(dim=1)

    def head(self, h: torch.Tensor, y: torch.Tensor | None) -> DOutput:
        return DOutput(self.linear(h).squeeze(1) + self.projection(h, require_labels(y)))


class BigGAN(Architecture):
    """Class-conditional BigGAN for labelled square images of 32, 64 and 128 px."""

    name = "biggan"
    description = ("Class-conditional BigGAN (Brock et al. 2019), 32/64/128 px: shared embedding + hierarchical z "
                   "into conditional BN, projection D, self-attention, orthogonal init; applies spectral norm to "
                   "G and D itself (stabilizer spectral-norm is refused); needs labelled data.")
    data_kinds = ("image",)
    requires_labels = True
    min_resolution = 32  # the papers' layouts: 32, 64 and 128 px
    Options = BigGANOptions

    def check(self, spec: DataSpec) -> None:
        if not spec.labelled:
            kind = " and is vector data" if spec.kind == "vector" else ""
            raise Incompatible(f"architecture 'biggan' is class-conditional and needs labelled image data, but "
                               f"dataset {spec.name!r} has no class labels{kind}; use resnet for unlabelled data.")
        if spec.kind == "image":  # the layouts' sentence says more than the minimum size would
            check_layout_exists(self.name, spec)
        super().check(spec)
        self.attention_side(spec.resolution)

    def check_stabilizers(self, stabilizers: Sequence[Stabilizer]) -> None:
        if any(stabilizer.name == "spectral-norm" for stabilizer in stabilizers):
            raise Incompatible("architecture 'biggan' already applies spectral norm to every layer of G and D, as "
                               "the paper does; drop stabilizer 'spectral-norm'.")

    def attention_side(self, resolution: int) -> int:
        """The side of the maps that get self-attention (0: none), checked to exist in G and D."""
        chosen = self.options.attention_resolution
        side = resolution // 2 if chosen is None else chosen
        _, d_plan = self.widths(resolution)
        g_sides = {SMALLEST_SIDE * 2 ** i for i in range(1, len(LAYOUTS[resolution].g_widths))}
        d_sides, current = set(), resolution
        for _, down in d_plan:
            current //= 2 if down else 1
            d_sides.add(current)
        usable = sorted(g_sides & d_sides)
        if side and side not in usable:
            raise Incompatible(f"architecture 'biggan' at {resolution} px can put self-attention on maps of "
                               f"{', '.join(map(str, usable))} px (or 0 for none), got attention_resolution={side}.")
        return side

    def widths(self, resolution: int) -> tuple[list[int], list[tuple[int, bool]]]:
        layout = LAYOUTS[resolution]
        g_unit = self.options.g_channels or layout.g_channels
        d_unit = self.options.d_channels or self.options.g_channels or layout.d_channels
        return [g_unit * m for m in layout.g_widths], [(d_unit * m, down) for m, down in layout.d_blocks]

    def build(self, request: BuildRequest) -> tuple[BigGANGenerator, BigGANDiscriminator]:
        self.check(request.spec)
        resolution = request.spec.resolution
        g_widths, d_plan = self.widths(resolution)
        if request.latent_dim < len(g_widths):
            raise Incompatible(f"architecture 'biggan' splits z into {len(g_widths)} chunks at {resolution} px, "
                               f"so it needs a latent dimension of at least {len(g_widths)}, got {request.latent_dim}.")
        side = self.attention_side(resolution)
        return (BigGANGenerator(request, g_widths, self.options.shared_dim, side),
                BigGANDiscriminator(request, d_plan, side))
