"""A compact StyleGAN2: Karras, Laine, Aittala, Hellsten, Lehtinen & Aila (2020), "Analyzing and
Improving the Image Quality of StyleGAN", CVPR 2020, config F with the skip generator and the
residual discriminator, for square images of 8 to 128 px and more.

What it applies itself, as the paper does: equalized learning rate, style mixing, minibatch
standard deviation in D's epilogue, lazy R1 on D (every 16 steps) and lazy path length
regularization on G (every 4 steps), through ``Architecture.penalties``. The paper's loss is the
non-saturating logistic loss, ganbench's default ``bce``. The paper also keeps an EMA of G for
evaluation: add ``--stabilizer ema``.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from ganbench.api import Architecture, BuildRequest, DataSpec, Incompatible, Penalty, Stabilizer
from ganbench_stylegan2.discriminator import StyleGAN2Discriminator
from ganbench_stylegan2.generator import StyleGAN2Generator
from ganbench_stylegan2.regularization import path_length_penalty, r1_penalty

SMALLEST_SIDE = 4
REFERENCE_BATCH = 64  # the batch the R1 heuristic is evaluated at (ganbench's default batch size)


@dataclasses.dataclass(frozen=True)
class StyleGAN2Options:
    """Widths, mapping depth, style mixing, truncation and the regularizers; the paper's defaults."""

    channel_base: int = 32768  # channels at side s: min(channel_base / s, channel_max) (config F)
    channel_max: int = 512  # cap on the channels; lower it (e.g. 32) for CPU runs
    w_dim: int = 512  # size of w
    mapping_layers: int = 8  # fully connected layers of the mapping network
    style_mixing: float = 0.9  # probability of mixing two w's in a training batch
    truncation_psi: float = 1.0  # pull towards the mean w when sampling (1: none, 0: the mean image)
    r1_gamma: float | None = None  # None: 0.0002 * side^2 / 64 (Karras et al. 2020b); 0: no R1
    r1_interval: int = 16  # lazy R1: every 16 D steps
    pl_weight: float = 2.0  # path length regularization weight; 0: none
    pl_interval: int = 4  # lazy path length: every 4 G steps
    pl_decay: float = 0.01  # decay of the running mean path length
    mbstd_group: int = 4  # minibatch-std group size in D's epilogue; 0: none

    def __post_init__(self) -> None:
        for name in ("channel_base", "channel_max", "w_dim", "mapping_layers", "r1_interval", "pl_interval"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be a positive integer, got {getattr(self, name)}.")
        for name in ("style_mixing", "truncation_psi", "pl_decay"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}.")
        if self.r1_gamma is not None and not self.r1_gamma >= 0:
            raise ValueError(f"r1_gamma must be 0 or positive, got {self.r1_gamma}.")
        if not self.pl_weight >= 0:
            raise ValueError(f"pl_weight must be 0 or positive, got {self.pl_weight}.")
        if self.mbstd_group == 1 or self.mbstd_group < 0:
            raise ValueError(f"mbstd_group must be 0 (none) or at least 2, got {self.mbstd_group}.")


def sides_up_to(resolution: int) -> list[int]:
    """4, 8, ..., resolution."""
    sides = [SMALLEST_SIDE]
    while sides[-1] < resolution:
        sides.append(sides[-1] * 2)
    return sides


class StyleGAN2(Architecture):
    """StyleGAN2 (config F, skip G, residual D) for square images whose side is a power of two."""

    name = "stylegan2"
    description = ("Compact StyleGAN2 (Karras et al. 2020): mapping net, modulated/demodulated convs, noise, skip G, "
                   "residual D, equalized lr, style mixing 0.9; applies minibatch-std, lazy R1 and path length "
                   "regularization itself (stabilizers minibatch-std and r1 refused unless turned off; "
                   "spectral-norm refused).")
    data_kinds = ("image",)
    min_resolution = 2 * SMALLEST_SIDE
    Options = StyleGAN2Options

    def check(self, spec: DataSpec) -> None:
        super().check(spec)
        height, width = spec.shape[-2], spec.shape[-1]
        if height != width or width & (width - 1):
            raise Incompatible(f"architecture 'stylegan2' builds square images whose side is a power of two "
                               f"(8, 16, 32, 64, 128 ...), but dataset {spec.name!r} is {height}x{width} px.")

    def check_stabilizers(self, stabilizers: Sequence[Stabilizer]) -> None:
        names = {stabilizer.name for stabilizer in stabilizers}
        if "minibatch-std" in names and self.options.mbstd_group:
            raise Incompatible("architecture 'stylegan2' applies minibatch-std itself; drop stabilizer "
                               "'minibatch-std', or set mbstd_group=0 to compare it as a stabilizer.")
        if "r1" in names and self.options.r1_gamma != 0:  # None: the heuristic, on
            raise Incompatible("architecture 'stylegan2' applies lazy R1 itself; drop stabilizer 'r1', or set "
                               "r1_gamma=0 to compare it as a stabilizer.")
        if "spectral-norm" in names:
            raise Incompatible("architecture 'stylegan2' uses equalized learning rate, which spectral norm would "
                               "not reach (its layers scale their weights at run time); drop stabilizer "
                               "'spectral-norm'.")

    def r1_gamma(self, resolution: int) -> float:
        """The R1 weight: the option, or the heuristic of Karras et al. (2020b, "Training Generative
        Adversarial Networks with Limited Data", appendix D) at the reference batch."""
        if self.options.r1_gamma is not None:
            return self.options.r1_gamma
        return 0.0002 * resolution ** 2 / REFERENCE_BATCH

    def channels(self, side: int) -> int:
        return min(self.options.channel_base // side, self.options.channel_max)

    def penalties(self, spec: DataSpec) -> list[Penalty]:
        gamma = self.r1_gamma(spec.resolution)
        options = self.options
        penalties = []
        if gamma > 0:
            penalties.append(Penalty("r1", lambda inputs: r1_penalty(inputs, gamma), interval=options.r1_interval))
        if options.pl_weight > 0:
            penalties.append(Penalty("path-length",
                                     lambda inputs: path_length_penalty(inputs, options.pl_weight, options.pl_decay),
                                     interval=options.pl_interval, target="generator"))
        return penalties

    def build(self, request: BuildRequest) -> tuple[StyleGAN2Generator, StyleGAN2Discriminator]:
        if request.conditional:
            raise Incompatible("architecture 'stylegan2' is unconditional; use biggan, cgan or acgan for class labels.")
        spec = request.spec
        widths = [self.channels(side) for side in sides_up_to(spec.resolution)]
        options = self.options
        generator = StyleGAN2Generator(request.latent_dim, widths, spec.channels, options.w_dim,
                                       options.mapping_layers, options.style_mixing, options.truncation_psi)
        discriminator = StyleGAN2Discriminator(request.neck, widths[::-1], spec.channels, options.mbstd_group)
        return generator, discriminator
