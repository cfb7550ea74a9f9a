"""MNIST and Fashion-MNIST from the IDX files the user already has.

- ``mnist``: LeCun et al. 1998, "Gradient-based learning applied to document recognition";
  60,000 training and 10,000 test digits, 28x28, 10 classes.
- ``fashion-mnist``: Xiao et al. 2017, "Fashion-MNIST: a Novel Image Dataset for Benchmarking
  Machine Learning Algorithms"; the same format and sizes, 10 clothing classes.

``--data-opt subset=0.1`` trains on a fixed 10% of each class (see ``ganbench.data.subset``);
``--data-opt reference=held-out`` compares the evaluators against images training never draws: the
test split, when both splits are present and no subset is asked for, else the subset's complement.

The files are read from ``--data-root`` itself or from the folder torchvision downloads into
(``ROOT/MNIST/raw``, ``ROOT/FashionMNIST/raw``), gzipped or not. The IDX format (header: two
zero bytes, a type code, the number of dimensions, then each dimension as a big-endian
32-bit integer) is parsed here with numpy and checked, so a truncated download is an error
that names the file rather than a reshape failure.
"""

from __future__ import annotations

import dataclasses
import gzip
import math
import struct
import zlib
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from ganbench.contracts.dataset import DataRequest, Dataset
from ganbench.data.resize import check_resolution, to_training_images
from ganbench.data.source import TensorSource
from ganbench.data.spec import DataSpec
from ganbench.data.subset import HeldOutOptions, own_training_split
from ganbench.errors import DataError

SPLIT_FILES = {  # split -> (images, labels), without the optional .gz
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
IDX_UNSIGNED_BYTE = 0x08  # the only element type MNIST-style files use
NUM_CLASSES = 10


@dataclasses.dataclass(frozen=True)
class IdxOptions(HeldOutOptions):
    split: Literal["all", "train", "test"] = "all"  # all = every split whose files are present


class IdxImages(Dataset):
    """A 28x28 grayscale data set in IDX files; subclasses name it and its torchvision class."""

    embedded = False
    kind = "image"
    Options = IdxOptions
    title = ""  # how the paper spells it, for messages
    torchvision_folder = ""  # torchvision's class name, which is also its folder: ROOT/<folder>/raw

    def spec(self, request: DataRequest) -> DataSpec:
        check_resolution(request.resolution, self.name)
        return DataSpec(self.name, "image", (1, request.resolution, request.resolution), num_classes=NUM_CLASSES)

    def load(self, request: DataRequest) -> TensorSource:
        spec = self.spec(request)
        root = self.require_root(request.data_root, request.download)
        splits = self.find_splits(root)
        if request.download and len(splits) < len(self.wanted_splits()):
            self.download(root)
            splits = self.find_splits(root)
        if not splits:
            raise DataError(self.missing_files_message(root))
        parts = [read_split(images, labels) for images, labels in splits]
        x = torch.cat([to_training_images(images, request.resolution) for images, _ in parts])
        y = torch.cat([labels for _, labels in parts])
        own_training = own_training_split([images.name.startswith(SPLIT_FILES["train"][0]) for images, _ in splits],
                                          [len(labels) for _, labels in parts])
        return TensorSource(spec, x, y, request.device, request.seed,
                            train_index=self.options.train_index(y, own_training, self.title),
                            reference=self.options.reference)

    def require_root(self, root: Path | None, download: bool) -> Path:
        if root is None and download:
            raise DataError(f"--download needs --data-root: the folder to put {self.title}'s files in.")
        if root is None:
            raise DataError(f"dataset {self.name!r} reads {self.title}'s IDX files: pass --data-root with a folder "
                            f"holding {self.wanted_files()}, or add --download to fetch them there.")
        return root

    def folders(self, root: Path) -> list[Path]:
        return [root, root / self.torchvision_folder / "raw"]

    def wanted_splits(self) -> tuple[str, ...]:
        return ("train", "test") if self.options.split == "all" else (self.options.split,)

    def data_files(self, request: DataRequest) -> list[Path] | None:
        """The IDX files of the splits asked for (a run's id includes their fingerprint)."""
        if request.data_root is None:
            return None
        return [path for pair in self.find_splits(request.data_root) for path in pair]

    def find_splits(self, root: Path) -> list[tuple[Path, Path]]:
        """(images, labels) paths of each split asked for and present; a half-present pair is an error."""
        found = []
        for split in self.wanted_splits():
            images, labels = (find_file(self.folders(root), stem) for stem in SPLIT_FILES[split])
            if (images is None) != (labels is None):
                image_stem, label_stem = SPLIT_FILES[split]
                present, missing = (images, label_stem) if labels is None else (labels, image_stem)
                raise DataError(f"found {present} but not {missing}[.gz]; {self.title} needs both files of a split.")
            if images is not None:
                found.append((images, labels))
        return found

    def wanted_files(self) -> str:
        """The files of the split asked for, as a phrase; ``[.gz]`` says gzipped or not."""
        def pair(split: str) -> str:
            return " and ".join(f"{stem}[.gz]" for stem in SPLIT_FILES[split])

        if self.options.split == "all":
            return f"{pair('test')} (and {pair('train')} to add the training split)"
        return pair(self.options.split)

    def missing_files_message(self, root: Path) -> str:
        where = f"{root} or {root / self.torchvision_folder / 'raw'}"
        return (f"no {self.title} files found for split {self.options.split!r}: put {self.wanted_files()} "
                f"in {where}, or add --download to fetch them.")

    def download(self, root: Path) -> None:
        """Let torchvision fetch the four files into ROOT/<folder>/raw."""
        import torchvision.datasets  # only a download needs torchvision's dataset machinery

        try:
            getattr(torchvision.datasets, self.torchvision_folder)(str(root), train=True, download=True)
        except Exception as error:  # network, HTTP, checksum or disk: each one means "no files"
            reason = " ".join(str(error).split()) or type(error).__name__
            raise DataError(f"could not download {self.title}: {reason}; put {self.wanted_files()} "
                            f"in {root / self.torchvision_folder / 'raw'} instead.") from None


class MNIST(IdxImages):
    """LeCun et al. 1998: handwritten digits, 28x28 grayscale, 10 classes."""

    name = "mnist"
    description = "MNIST handwritten digits (LeCun et al. 1998) from IDX files under --data-root, 10 classes."
    title = "MNIST"
    torchvision_folder = "MNIST"


class FashionMNIST(IdxImages):
    """Xiao et al. 2017: Zalando clothing images in MNIST's format, 10 classes."""

    name = "fashion-mnist"
    description = "Fashion-MNIST clothing images (Xiao et al. 2017) from IDX files under --data-root, 10 classes."
    title = "Fashion-MNIST"
    torchvision_folder = "FashionMNIST"


def find_file(folders: list[Path], stem: str) -> Path | None:
    """The first of ``stem`` or ``stem.gz`` in the folders, in order."""
    for folder in folders:
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def read_split(images_path: Path, labels_path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 1, H, W) uint8 and labels (N,) int64 of one split, checked against each other."""
    images = read_idx(images_path, ndim=3)
    labels = read_idx(labels_path, ndim=1)
    if len(images) != len(labels):
        raise DataError(f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels.")
    if labels.size and labels.max() >= NUM_CLASSES:
        raise DataError(f"{labels_path} holds label {labels.max()}, but labels must be 0 to {NUM_CLASSES - 1}.")
    return torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels).long()


def read_idx(path: Path, ndim: int) -> np.ndarray:
    """The array in an IDX file of unsigned bytes (gzipped when the name ends in .gz)."""
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:  # BadGzipFile is an OSError
        raise DataError(f"cannot read {path}: {' '.join(str(error).split())}.") from None
    return parse_idx(raw, ndim, path)


def parse_idx(raw: bytes, ndim: int, path: Path) -> np.ndarray:
    """Check the header (type code, number of dimensions, data length) and return the array."""
    header_size = 4 + 4 * ndim
    if len(raw) < header_size or raw[0:2] != b"\0\0" or raw[2] != IDX_UNSIGNED_BYTE or raw[3] != ndim:
        raise DataError(f"{path} is not an IDX file of unsigned bytes with {ndim} dimension(s): "
                        f"its header is corrupt; fetch the file again.")
    dims = struct.unpack(f">{ndim}I", raw[4:header_size])
    expected = math.prod(dims)
    if len(raw) - header_size != expected:
        raise DataError(f"{path} is truncated or corrupt: its header promises {expected} bytes of data "
                        f"but it holds {len(raw) - header_size}; fetch the file again.")
    # A copy, because torch wants a writable array and ``raw`` is immutable bytes.
    return np.frombuffer(raw, dtype=np.uint8, count=expected, offset=header_size).reshape(dims).copy()
