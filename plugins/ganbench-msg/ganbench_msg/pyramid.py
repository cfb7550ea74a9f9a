"""The image pyramid that multi-scale GANs pass from the generator to the discriminator.

MSG-GAN (Karnewar & Wang 2020, arXiv:1903.06048) connects every generator block to the
discriminator block of the same resolution, so D sees a list of images from 4x4 up to the full
resolution. Real images get the same list by repeated 2x2 average pooling, the paper's choice.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F

from ganbench_dcgan.blocks import SMALLEST_SIDE

COARSEST_SIDE = SMALLEST_SIDE  # every pyramid starts from a 4x4 image, where G starts and D ends


def pyramid_sides(resolution: int) -> list[int]:
    """Sides of the pyramid's images, coarse to fine: 4, 8, ..., resolution."""
    sides = [COARSEST_SIDE]
    while sides[-1] < resolution:
        sides.append(sides[-1] * 2)
    return sides


def image_pyramid(x: torch.Tensor) -> list[torch.Tensor]:
    """(B, C, R, R) -> [(B, C, 4, 4), ..., (B, C, R, R)] by repeated 2x2 average pooling.

    Pooling twice by 2 equals pooling once by 4 (means of equal-sized means), so each level is
    the plain average over its pixel's footprint in the full image.
    """
    levels = [x]
    while levels[-1].shape[-1] > COARSEST_SIDE:
        levels.append(F.avg_pool2d(levels[-1], kernel_size=2))
    return levels[::-1]


def require_pyramid(images: object, expected_levels: int, architecture: str) -> Sequence[torch.Tensor]:
    """Refuse a single batch where a multi-scale discriminator needs the list of every scale."""
    if not isinstance(images, (list, tuple)) or len(images) != expected_levels:
        given = f"a list of {len(images)}" if isinstance(images, (list, tuple)) else "a single batch"
        raise ValueError(f"the {architecture!r} discriminator takes a list of {expected_levels} images from "
                         f"4x4 to full resolution (the generator's output or prepare_real(x)), got {given}.")
    return images
