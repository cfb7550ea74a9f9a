"""Turning stored images into training tensors: values in [-1, 1] at one square resolution.

Every image data set goes through :func:`to_training_images`, so that all of them are
resized the same way (bilinear with antialiasing, as torchvision's ``Resize`` does on tensors)
and an evaluator can record one resize method for the real data (:data:`RESIZE_METHOD`).
Folders of photographs go through :func:`center_crop_to_tensor` first: the center crop to a
square followed by a resize is the preprocessing of the DCGAN studies (Radford et al. 2016).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from ganbench.errors import ConfigError

RESIZE_METHOD = "bilinear-antialias"  # what evaluators record as the real data's resize protocol
MIN_RESOLUTION = 4
MAX_RESOLUTION = 1024
_CHUNK = 2048  # images resized at a time: bounds the float copy a large data set needs


def check_resolution(resolution: int, dataset: str) -> None:
    """Refuse a resolution no image data set can be trained at."""
    if not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
        raise ConfigError(f"dataset {dataset!r} needs a resolution between {MIN_RESOLUTION} and "
                          f"{MAX_RESOLUTION} pixels, got {resolution}.")


def to_training_images(images: torch.Tensor, resolution: int, peak: float = 255.0) -> torch.Tensor:
    """A float32 batch in [-1, 1] of shape (N, C, resolution, resolution).

    ``images`` is (N, C, H, W), uint8 or float, with values in [0, ``peak``] (255 for 8-bit
    images, 16 for scikit-learn's digits). Work goes in chunks so that 70,000 MNIST digits do
    not need a second full-size float copy.
    """
    out = torch.empty((images.shape[0], images.shape[1], resolution, resolution), dtype=torch.float32)
    for start in range(0, images.shape[0], _CHUNK):
        # Multiply before dividing so that 0 and ``peak`` land exactly on -1 and 1.
        chunk = images[start:start + _CHUNK].to(torch.float32).mul_(2.0).div_(peak).sub_(1.0)
        out[start:start + _CHUNK] = _resize(chunk, resolution)
    # Bilinear weights are convex, so only rounding can step outside [-1, 1].
    return out.clamp_(-1.0, 1.0)


def _resize(batch: torch.Tensor, resolution: int) -> torch.Tensor:
    if batch.shape[-2:] == (resolution, resolution):
        return batch
    # Antialiasing matters when shrinking: without it a 64 px photo at 16 px aliases badly.
    return F.interpolate(batch, size=(resolution, resolution), mode="bilinear", antialias=True,
                         align_corners=False)


def center_crop_to_tensor(image: Image.Image, resolution: int, mode: str = "RGB") -> torch.Tensor:
    """One PIL image, converted to ``mode`` ("RGB" or "L"), center-cropped to a square and
    resized: a float32 tensor (C, resolution, resolution) in [-1, 1]."""
    square = center_crop(image.convert(mode))
    pixels = np.asarray(square, dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    batch = torch.from_numpy(pixels.copy()).permute(2, 0, 1).unsqueeze(0)
    return to_training_images(batch, resolution)[0]


def center_crop(image: Image.Image) -> Image.Image:
    """The largest centred square of ``image``."""
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    return image.crop((left, top, left + side, top + side))
