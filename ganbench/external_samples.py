"""Samples made anywhere, read from a file or folder and shaped like a generator's output.

``ganbench eval --samples PATH --dataset NAME`` scores them with exactly the protocol of a run on
that data set. What it reads:

- a folder of images (PNG, JPEG, BMP, WebP), in file-name order, each with the data's size and
  channels (grayscale or RGB as the data set is);
- an ``.npz`` (its ``samples``, ``images`` or ``x`` array, or its only array), ``.npy`` or ``.pt``
  file (a tensor, or a dict holding one under those keys) with shape (N, C, H, W) or (N, H, W, C):
  uint8 values 0..255, or floats in [-1, 1] like the data;
- for the 2-D mixtures, points (N, 2) in the data's scaled space, from any of those files or a
  ``.csv``/``.txt`` with two numbers a line.

Nothing is resized or rescaled beyond uint8 to [-1, 1]: a mismatch is refused in one sentence, so
that the figures are those of the protocol and not of a silent conversion.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import torch
from torch import nn

from ganbench.data.spec import DataSpec
from ganbench.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
ARRAY_KEYS = ("samples", "images", "x")
RANGE_SLACK = 1e-3  # floats a hair outside [-1, 1] (rounding) are clipped by quantisation anyway


def load_samples(path: Path, spec: DataSpec) -> torch.Tensor:
    """The samples at ``path`` as float32 in the data's layout; a DataError in one sentence otherwise."""
    if not path.exists():
        raise DataError(f"no samples at {str(path)!r}.")
    raw = read_image_folder(path, spec) if path.is_dir() else read_array_file(path)
    samples = to_layout(raw, spec, path)
    if samples.shape[0] == 0:
        raise DataError(f"{str(path)!r} holds no samples.")
    return samples


def read_image_folder(folder: Path, spec: DataSpec) -> torch.Tensor:
    from PIL import Image
    import numpy as np

    files = sorted(file for file in folder.iterdir() if file.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DataError(f"folder {str(folder)!r} holds no image ({', '.join(IMAGE_SUFFIXES)}).")
    if spec.kind != "image":
        raise DataError(f"dataset {spec.name!r} is 2-D points; give the samples as an (N, 2) array file, not images.")
    mode = "L" if spec.channels == 1 else "RGB"
    arrays = []
    for file in files:
        with Image.open(file) as image:
            arrays.append(np.asarray(image.convert(mode)))
    sizes = {array.shape[:2] for array in arrays}
    if len(sizes) > 1:
        raise DataError(f"the images in {str(folder)!r} differ in size ({', '.join(map(str, sorted(sizes)))}); "
                        f"give them one size, the data's.")
    stacked = torch.from_numpy(np.stack(arrays))
    return stacked.unsqueeze(1) if stacked.dim() == 3 else stacked.permute(0, 3, 1, 2)


def read_array_file(path: Path) -> torch.Tensor:
    import numpy as np

    suffix = path.suffix.lower()
    if suffix == ".npz":
        with np.load(path) as archive:
            return torch.from_numpy(pick_array(dict(archive), path))
    if suffix == ".npy":
        return torch.from_numpy(np.load(path))
    if suffix == ".pt":
        loaded = torch.load(path, map_location="cpu", weights_only=True)
        return loaded if isinstance(loaded, torch.Tensor) else pick_array(loaded, path)
    if suffix in (".csv", ".txt"):
        return torch.from_numpy(np.loadtxt(path, delimiter="," if suffix == ".csv" else None, ndmin=2))
    raise DataError(f"cannot read samples from {str(path)!r}: give a folder of images or a .npz, .npy, .pt, "
                    f".csv or .txt file.")


def pick_array(arrays: dict, path: Path):
    for key in ARRAY_KEYS:
        if key in arrays:
            return arrays[key]
    if len(arrays) == 1:
        return next(iter(arrays.values()))
    raise DataError(f"{str(path)!r} holds {', '.join(map(str, arrays))}; name the samples 'samples'.")


def to_layout(raw: torch.Tensor, spec: DataSpec, path: Path) -> torch.Tensor:
    """uint8 0..255 or floats in [-1, 1], channels first, with the data's shape."""
    if spec.kind == "image" and raw.dim() == 4 and raw.shape[1] != spec.channels and raw.shape[-1] == spec.channels:
        raw = raw.permute(0, 3, 1, 2)  # channels last, as numpy and PIL write them
    if tuple(raw.shape[1:]) != tuple(spec.shape):
        raise DataError(f"samples in {str(path)!r} have shape {tuple(raw.shape[1:])}, and dataset {spec.name!r} "
                        f"at this resolution has {tuple(spec.shape)}; give samples of that shape (or pass --resolution).")
    if raw.dtype == torch.uint8:
        return raw.float() / 127.5 - 1
    samples = raw.float()
    low, high = float(samples.min()), float(samples.max())
    if spec.kind == "image" and (low < -1 - RANGE_SLACK or high > 1 + RANGE_SLACK):
        raise DataError(f"float samples in {str(path)!r} range over [{low:.3g}, {high:.3g}]; give images in "
                        f"[-1, 1] like the data, or as uint8 0..255.")
    return samples


def file_digest(path: Path) -> str:
    """SHA-256 of a file, or of a folder's image files in name order: the samples' identity."""
    digest = hashlib.sha256()
    files = sorted(file for file in path.iterdir() if file.suffix.lower() in IMAGE_SUFFIXES) if path.is_dir() else [path]
    for file in files:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


class SampleReplay(nn.Module):
    """The samples in order, batch after batch, from the first: each evaluator reads the same samples.

    Asking for more than there are is refused rather than repeating samples, which would score
    repetition as well as the samples."""

    def __init__(self, samples: torch.Tensor, source: str) -> None:
        super().__init__()
        self.register_buffer("samples", samples, persistent=False)
        self.source = source
        self.position = 0

    def train(self, mode: bool = True) -> "SampleReplay":
        # The sampler puts a generator in eval mode at the start of every draw of samples: start again
        # from the first sample there, so that every evaluator reads the same samples.
        if not mode:
            self.position = 0
        return super().train(mode)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        count = z.shape[0]
        if self.position + count > len(self.samples):
            raise DataError(f"{self.source!r} holds {len(self.samples)} samples and an evaluator asks for more; "
                            f"lower --eval-samples (and evaluator options such as mode-coverage.samples) or give "
                            f"more samples.")
        batch = self.samples[self.position:self.position + count]
        self.position += count
        return batch.to(z.device)
