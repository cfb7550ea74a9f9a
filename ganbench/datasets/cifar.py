"""CIFAR-10 from the "python version" batches the user already has.

Krizhevsky 2009, "Learning Multiple Layers of Features from Tiny Images": 50,000 training
and 10,000 test colour images, 32x32, 10 classes. The archive ``cifar-10-python.tar.gz``
unpacks to ``cifar-10-batches-py/`` with ``data_batch_1`` .. ``data_batch_5`` and
``test_batch``: pickled dicts whose ``data`` is (N, 3072) uint8 (the red, green, then blue
plane, each 32x32 row-major) and whose ``labels`` is a list of N class indices.

The batches are unpickled with an allow-list of the numpy globals an array needs, so a file
that is not a CIFAR batch cannot run code when it is read.
"""

from __future__ import annotations

import dataclasses
import io
import pickle
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from ganbench.contracts.dataset import DataRequest, Dataset
from ganbench.data.resize import check_resolution, to_training_images
from ganbench.data.source import TensorSource
from ganbench.data.subset import AddedHeldOutOptions, own_training_split
from ganbench.data.spec import DataSpec
from ganbench.errors import DataError

BATCH_FOLDER = "cifar-10-batches-py"
ARCHIVE = "cifar-10-python.tar.gz"
SPLIT_FILES = {
    "train": tuple(f"data_batch_{index}" for index in range(1, 6)),
    "test": ("test_batch",),
}
NUM_CLASSES = 10
SIDE = 32


@dataclasses.dataclass(frozen=True)
class CifarOptions(AddedHeldOutOptions):
    split: Literal["all", "train", "test"] = "all"  # all = every split whose files are present


class CIFAR10(Dataset):
    """Krizhevsky 2009: 60,000 32x32 colour images in 10 classes."""

    name = "cifar10"
    description = "CIFAR-10 (Krizhevsky 2009) from the python batches under --data-root, 32x32 RGB, 10 classes."
    embedded = False
    kind = "image"
    Options = CifarOptions

    def spec(self, request: DataRequest) -> DataSpec:
        check_resolution(request.resolution, self.name)
        return DataSpec(self.name, "image", (3, request.resolution, request.resolution), num_classes=NUM_CLASSES)

    def load(self, request: DataRequest) -> TensorSource:
        spec = self.spec(request)
        root = self.require_root(request.data_root, request.download)
        files = self.find_batches(root)
        if request.download and len(files) < sum(len(SPLIT_FILES[split]) for split in self.wanted_splits()):
            self.download(root)
            files = self.find_batches(root)
        if not files:
            raise DataError(self.missing_files_message(root))
        parts = [read_batch(path) for path in files]
        x = to_training_images(torch.cat([images for images, _ in parts]), request.resolution)
        y = torch.cat([labels for _, labels in parts])
        own_training = own_training_split([path.name in SPLIT_FILES["train"] for path in files],
                                          [len(labels) for _, labels in parts])
        return TensorSource(spec, x, y, request.device, request.seed,
                            train_index=self.options.train_index(y, own_training, "CIFAR-10"),
                            reference=self.options.reference)

    def require_root(self, root: Path | None, download: bool) -> Path:
        if root is None and download:
            raise DataError("--download needs --data-root: the folder to put CIFAR-10's files in.")
        if root is None:
            raise DataError(f"dataset {self.name!r} reads CIFAR-10's python batches: pass --data-root with a folder "
                            f"holding {BATCH_FOLDER}/ (unpacked from {ARCHIVE}), or add --download to fetch it there.")
        return root

    def wanted_splits(self) -> tuple[str, ...]:
        return ("train", "test") if self.options.split == "all" else (self.options.split,)

    def data_files(self, request: DataRequest) -> list[Path] | None:
        """The batch files of the splits asked for (a run's id includes their fingerprint)."""
        return None if request.data_root is None else self.find_batches(request.data_root)

    def find_batches(self, root: Path) -> list[Path]:
        """The batch files of the splits asked for; a split with only some of its batches is an error."""
        folder = batch_folder(root)
        found: list[Path] = []
        for split in self.wanted_splits():
            present = [folder / name for name in SPLIT_FILES[split] if (folder / name).is_file()]
            if present and len(present) < len(SPLIT_FILES[split]):
                missing = sorted(set(SPLIT_FILES[split]) - {path.name for path in present})
                raise DataError(f"{folder} has part of the {split} split of CIFAR-10 but not {', '.join(missing)}.")
            found += present
        return found

    def missing_files_message(self, root: Path) -> str:
        files = {"all": "test_batch (and data_batch_1 to data_batch_5 to add the training split)",
                 "train": "data_batch_1 to data_batch_5", "test": "test_batch"}[self.options.split]
        unpack = f" (unpack {root / ARCHIVE} there)" if (root / ARCHIVE).is_file() else ""
        return (f"no CIFAR-10 batches found for split {self.options.split!r}: put {files} in "
                f"{root / BATCH_FOLDER}{unpack}, or add --download to fetch them.")

    def download(self, root: Path) -> None:
        """Let torchvision fetch and unpack the archive into ROOT/cifar-10-batches-py."""
        import torchvision.datasets  # only a download needs torchvision's dataset machinery

        try:
            torchvision.datasets.CIFAR10(str(root), train=True, download=True)
        except Exception as error:  # network, HTTP, checksum or disk: each one means "no files"
            reason = " ".join(str(error).split()) or type(error).__name__
            raise DataError(f"could not download CIFAR-10: {reason}; put data_batch_1 to data_batch_5 and "
                            f"test_batch (from {ARCHIVE}) in {root / BATCH_FOLDER} instead.") from None


def batch_folder(root: Path) -> Path:
    """ROOT/cifar-10-batches-py, or ROOT itself when the user pointed --data-root inside it."""
    if not (root / BATCH_FOLDER).is_dir() and (root / "test_batch").is_file():
        return root
    return root / BATCH_FOLDER


def read_batch(path: Path) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 3, 32, 32) uint8 and labels (N,) int64 of one pickled batch, checked."""
    batch = unpickle(path)
    data, labels = batch_field(batch, "data", path), batch_field(batch, "labels", path)
    data = np.asarray(data)
    labels = np.asarray(labels, dtype=np.int64)
    if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * SIDE * SIDE:
        raise DataError(f"{path} is not a CIFAR-10 batch: its data is {data.dtype} {data.shape}, "
                        f"not uint8 (N, {3 * SIDE * SIDE}).")
    if labels.shape != (len(data),) or (labels.size and not 0 <= labels.min() <= labels.max() < NUM_CLASSES):
        raise DataError(f"{path} is not a CIFAR-10 batch: it needs {len(data)} labels from 0 to {NUM_CLASSES - 1}.")
    images = torch.from_numpy(np.ascontiguousarray(data).reshape(-1, 3, SIDE, SIDE))
    return images, torch.from_numpy(labels)


def batch_field(batch: Any, name: str, path: Path) -> Any:
    """``batch[name]``: keys are str when the batch was pickled by Python 2, bytes otherwise."""
    if isinstance(batch, dict):
        for key in (name, name.encode()):
            if key in batch:
                return batch[key]
    raise DataError(f"{path} is not a CIFAR-10 batch: it has no {name!r} entry.")


class _ArrayOnlyUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists and numpy arrays, and refuses every other global."""

    ALLOWED = {
        ("numpy", "ndarray"), ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
        ("_codecs", "encode"),  # how protocol 2 spells a bytes object
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"it refers to {module}.{name}, which a CIFAR-10 batch never does")
        return super().find_class(module, name)


def unpickle(path: Path) -> Any:
    try:
        # latin1 is how numpy asks for Python 2 pickles of arrays to be read.
        return _ArrayOnlyUnpickler(io.BytesIO(path.read_bytes()), encoding="latin1").load()
    except Exception as error:  # a corrupt pickle can raise almost anything; each means "unreadable"
        reason = " ".join(str(error).split()) or type(error).__name__
        raise DataError(f"cannot read {path} as a CIFAR-10 batch: {reason}.") from None
