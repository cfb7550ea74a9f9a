"""Any folder of images: CelebA, LSUN, Oxford Flowers or the user's own photographs.

Each image is center-cropped to a square and resized, the preprocessing of the DCGAN
studies (Radford et al. 2016, "Unsupervised Representation Learning with Deep Convolutional
Generative Adversarial Networks"). Images are found recursively; when every image sits in an
immediate subfolder and there are at least two subfolders, the sorted subfolder names are
the classes (torchvision's ``ImageFolder`` convention), otherwise the data are unlabelled.

Small folders are decoded once and held on the device; large ones stream through a
DataLoader that decodes with PIL in worker processes.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

import torch
from PIL import Image

from ganbench.contracts.dataset import DataRequest, Dataset
from ganbench.data.resize import center_crop_to_tensor, check_resolution
from ganbench.data.source import DataSource, StreamingSource, TensorSource
from ganbench.data.spec import DataSpec
from ganbench.errors import DataError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp"}
IN_MEMORY_IMAGES = 20_000  # "auto" holds at most this many images on the device...
IN_MEMORY_BYTES = 4 * 2**30  # ...and only while they take at most 4 GiB as float32
PARALLEL_DECODE_FROM = 1_000  # below this, worker processes cost more than they save
UNLABELLED = -1  # what the streaming dataset yields as the label of unlabelled data
PIL_MODES = {3: "RGB", 1: "L"}


@dataclasses.dataclass(frozen=True)
class ImageFolderOptions:
    channels: int = 3  # 3 for RGB, 1 for grayscale
    in_memory: Literal["auto", "yes", "no"] = "auto"  # auto: hold small folders on the device, stream large ones
    workers: int = 2  # DataLoader processes that decode images

    def __post_init__(self) -> None:
        if self.channels not in PIL_MODES:
            raise ValueError(f"channels must be 3 (RGB) or 1 (grayscale), got {self.channels}.")
        if self.workers < 0:
            raise ValueError(f"workers must be 0 or more, got {self.workers}.")


class ImageFiles(torch.utils.data.Dataset):
    """Image files decoded on the fly: item i is (image (C, res, res) in [-1, 1], label)."""

    def __init__(self, paths: list[Path], labels: torch.Tensor | None, resolution: int, mode: str):
        self.paths = paths
        self.labels = labels
        self.resolution = resolution
        self.mode = mode

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        label = UNLABELLED if self.labels is None else int(self.labels[index])
        return decode_image(self.paths[index], self.resolution, self.mode), label


class ImageFolder(Dataset):
    """A folder of images, center-cropped and resized (Radford et al. 2016)."""

    name = "imagefolder"
    description = "Any folder of images under --data-root, center-cropped and resized; subfolders become classes."
    embedded = False
    kind = "image"
    Options = ImageFolderOptions

    def spec(self, request: DataRequest) -> DataSpec:
        _, classes = self.scan(request)
        return self._spec(request, classes)

    def load(self, request: DataRequest) -> DataSource:
        paths, classes = self.scan(request)
        spec = self._spec(request, classes)
        labels = folder_labels(request.data_root, paths, classes)
        files = ImageFiles(paths, labels, request.resolution, PIL_MODES[self.options.channels])
        if self.holds_in_memory(spec, len(paths)):
            return TensorSource(spec, decode_all(files, self.options.workers), labels, request.device, request.seed)
        return StreamingSource(spec, files, request.device, request.seed, workers=self.options.workers)

    def scan(self, request: DataRequest) -> tuple[list[Path], list[str]]:
        """The image files under the data root, and the class names (empty when unlabelled)."""
        check_resolution(request.resolution, self.name)
        root = request.data_root
        if root is None:
            raise DataError(f"dataset {self.name!r} reads a folder of images: pass --data-root with a folder "
                            f"holding {', '.join(sorted(IMAGE_SUFFIXES))} files (in subfolders for classes).")
        paths = list_images(root)
        if not paths:
            raise DataError(f"no images found under {root}: imagefolder reads "
                            f"{', '.join(sorted(IMAGE_SUFFIXES))} files, in subfolders at any depth.")
        return paths, class_names(root, paths)

    def data_files(self, request: DataRequest) -> list[Path] | None:
        """Every image the folder holds (a run's id includes their fingerprint)."""
        return None if request.data_root is None else list_images(request.data_root)

    def _spec(self, request: DataRequest, classes: list[str]) -> DataSpec:
        shape = (self.options.channels, request.resolution, request.resolution)
        return DataSpec(self.name, "image", shape, num_classes=len(classes))

    def holds_in_memory(self, spec: DataSpec, count: int) -> bool:
        if self.options.in_memory != "auto":
            return self.options.in_memory == "yes"
        # The float32 tensor must fit too: 20,000 images at 256 px would take 15 GiB.
        return count <= IN_MEMORY_IMAGES and count * spec.numel * 4 <= IN_MEMORY_BYTES


def list_images(root: Path) -> list[Path]:
    """Image files under ``root`` at any depth, sorted, skipping hidden files and folders
    (macOS writes "._name.jpg" companions that are not images)."""
    if not root.is_dir():
        return []
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root).parts
        if path.suffix.lower() in IMAGE_SUFFIXES and not any(part.startswith(".") for part in relative):
            if path.is_file():
                found.append(path)
    return sorted(found)


def class_names(root: Path, paths: list[Path]) -> list[str]:
    """Sorted subfolder names when every image sits in an immediate subfolder and there are two
    or more of them; otherwise no classes."""
    depths = {len(path.relative_to(root).parts) for path in paths}
    folders = {path.relative_to(root).parts[0] for path in paths}
    if depths != {2} or len(folders) < 2:
        return []
    return sorted(folders)


def folder_labels(root: Path, paths: list[Path], classes: list[str]) -> torch.Tensor | None:
    if not classes:
        return None
    index = {name: position for position, name in enumerate(classes)}
    return torch.tensor([index[path.relative_to(root).parts[0]] for path in paths], dtype=torch.long)


def decode_image(path: Path, resolution: int, mode: str) -> torch.Tensor:
    try:
        with Image.open(path) as image:
            return center_crop_to_tensor(image, resolution, mode)
    except (OSError, ValueError, Image.DecompressionBombError) as error:  # UnidentifiedImageError is an OSError
        reason = " ".join(str(error).split()) or type(error).__name__
        raise DataError(f"cannot read image {path}: {reason}.") from None


def decode_all(files: ImageFiles, workers: int) -> torch.Tensor:
    """Every image of ``files`` as one tensor, decoded in worker processes when there are many."""
    if len(files) < PARALLEL_DECODE_FROM or workers == 0:
        return torch.stack([files[index][0] for index in range(len(files))])
    loader = torch.utils.data.DataLoader(files, batch_size=256, shuffle=False, num_workers=workers)
    return torch.cat([images for images, _ in loader])
