"""Differentiable image transforms with per-sample parameters, shared by the augmenting stabilizers
(``diffaug``, ``ada``) and consistency regularization (``cr``).

Every transform takes parameters drawn once per sample and expressed relative to the image size
(a shift as a share of the side, a cutout centre in [0, 1)), so the same draw applied to each
scale of a multi-scale input gives the same augmentation at every resolution: a discriminator
that compares scales must not see a coarse image shifted differently from its fine one.

All operations are additions, multiplications, index gathers and ``grid_sample``, so gradients
flow through them to the generator (Zhao et al. 2020 show that an augmentation D sees only on
real images leaks into G's samples; applied to fakes it must be differentiable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import torch
import torch.nn.functional as F

from ganbench.errors import Incompatible

if TYPE_CHECKING:
    from ganbench.data.spec import DataSpec
    from ganbench.contracts.stabilizer import Stabilizer

INPUT_TRANSFORMS = ("diffaug", "ada")  # stabilizers that augment every D input: at most one of them per run


def refuse_vectors(name: str, spec: "DataSpec") -> None:
    """Augmentations shift, flip and recolour pictures: vector data has none of that structure."""
    if spec.kind != "image":
        raise Incompatible(f"stabilizer {name!r} augments pictures and works on images only, but dataset "
                           f"{spec.name!r} is {spec.kind} data.")


def refuse_second_augmentation(name: str, others: Sequence["Stabilizer"]) -> None:
    """Two augmentation pipelines would compound their strengths and hide which one helped."""
    clash = [other.name for other in others if other.name in INPUT_TRANSFORMS and other.name != name]
    if clash:
        raise Incompatible(f"stabilizers {name!r} and {clash[0]!r} both augment every discriminator input; "
                           f"choose one of them.")


def per_sample(values: torch.Tensor) -> torch.Tensor:
    """(B,) -> (B, 1, 1, 1), to broadcast over channels and pixels."""
    return values.view(-1, 1, 1, 1)


def reflect(index: torch.Tensor, size: int) -> torch.Tensor:
    """Indices outside [0, size) mirrored back inside (edge pixel not repeated)."""
    if size == 1:
        return torch.zeros_like(index)
    period = 2 * (size - 1)
    index = index.remainder(period)
    return torch.where(index >= size, period - index, index)


def translate(x: torch.Tensor, shift_x: torch.Tensor, shift_y: torch.Tensor, padding: str = "zeros") -> torch.Tensor:
    """Shift each image by a whole number of pixels, ``shift * side`` rounded; ``padding`` fills what comes
    in: "zeros" (mid-grey in [-1, 1], DiffAugment) or "reflect" (ADA, which hides the border)."""
    batch, _, height, width = x.shape
    rows = torch.arange(height, device=x.device).view(1, height) - (shift_y * height).round().long().view(batch, 1)
    cols = torch.arange(width, device=x.device).view(1, width) - (shift_x * width).round().long().view(batch, 1)
    if padding == "reflect":
        rows, cols = reflect(rows, height), reflect(cols, width)
        inside = None
    else:
        inside = ((rows >= 0) & (rows < height)).view(batch, 1, height, 1) & \
                 ((cols >= 0) & (cols < width)).view(batch, 1, 1, width)
        rows, cols = rows.clamp(0, height - 1), cols.clamp(0, width - 1)
    samples = torch.arange(batch, device=x.device).view(batch, 1, 1)
    moved = x[samples, :, rows.view(batch, height, 1), cols.view(batch, 1, width)].permute(0, 3, 1, 2)
    return moved if inside is None else moved * inside.to(moved.dtype)


def cutout(x: torch.Tensor, centre_x: torch.Tensor, centre_y: torch.Tensor, size: float) -> torch.Tensor:
    """Zero a square of side ``size`` (a share of the image side) centred at (centre_x, centre_y) in [0, 1)."""
    _, _, height, width = x.shape
    ys = (torch.arange(height, device=x.device, dtype=torch.float32) + 0.5) / height
    xs = (torch.arange(width, device=x.device, dtype=torch.float32) + 0.5) / width
    inside_y = (ys.view(1, height) - centre_y.view(-1, 1)).abs() < size / 2
    inside_x = (xs.view(1, width) - centre_x.view(-1, 1)).abs() < size / 2
    hole = inside_y.unsqueeze(2) & inside_x.unsqueeze(1)
    return x * (~hole).unsqueeze(1).to(x.dtype)


def flip_x(x: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
    """Mirror left-right the images where ``chosen`` (B,) is true."""
    return torch.where(per_sample(chosen), x.flip(3), x)


def rotate90(x: torch.Tensor, quarter_turns: torch.Tensor) -> torch.Tensor:
    """Rotate each (square) image by ``quarter_turns`` (B,) times 90 degrees."""
    out = x
    for turns in (1, 2, 3):
        out = torch.where(per_sample(quarter_turns == turns), torch.rot90(x, turns, dims=(2, 3)), out)
    return out


def scale(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Zoom each image by ``factor`` (B,) about its centre, bilinear, borders mirrored."""
    theta = torch.zeros(x.shape[0], 2, 3, device=x.device, dtype=torch.float32)
    theta[:, 0, 0] = theta[:, 1, 1] = 1.0 / factor.float()
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x.float(), grid, mode="bilinear", padding_mode="reflection", align_corners=False).to(x.dtype)


def brightness(x: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    return x + per_sample(offset).to(x.dtype)


def contrast(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Stretch each image about its own mean."""
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * per_sample(factor).to(x.dtype) + mean


def saturation(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """Stretch each pixel about its grey value (the channel mean); a no-op on one-channel images."""
    grey = x.mean(dim=1, keepdim=True)
    return (x - grey) * per_sample(factor).to(x.dtype) + grey
