"""The handwritten digits that scikit-learn ships: image data that needs no file and no network.

- ``digits``: the 1,797 8x8 digits of the UCI "Optical Recognition of Handwritten Digits"
  set (Alpaydin & Kaynak 1998), as ``sklearn.datasets.load_digits`` gives them, 10 classes.
- ``stacked-digits``: three digits stacked as the three channels, 1,000 modes. This is the
  Stacked-MNIST mode-counting protocol (Metz et al. 2017, "Unrolled Generative Adversarial
  Networks"; Srivastava et al. 2017, "VEEGAN"; Lin et al. 2018, "PacGAN") at small scale.
  The label 100*a + 10*b + c names the digit classes of the red, green and blue channels.
"""

from __future__ import annotations

import dataclasses

import torch

from ganbench.contracts.dataset import DataRequest, Dataset
from ganbench.data.resize import check_resolution, to_training_images
from ganbench.data.source import TensorSource
from ganbench.data.spec import DataSpec
from ganbench.data.subset import AddedHeldOutOptions

DIGIT_PEAK = 16  # load_digits counts ink in 4x4 blocks of a 32x32 bitmap: values 0..16


def digit_images(resolution: int) -> tuple[torch.Tensor, torch.Tensor]:
    """All 1,797 digits as (N, 1, resolution, resolution) in [-1, 1], and their classes."""
    from sklearn.datasets import load_digits  # scikit-learn is slow to import; only digits need it

    bunch = load_digits()
    images = torch.from_numpy(bunch.images).unsqueeze(1)
    return to_training_images(images, resolution, peak=DIGIT_PEAK), torch.from_numpy(bunch.target).long()


class Digits(Dataset):
    """scikit-learn's 8x8 handwritten digits (UCI optdigits), resized, labelled 0-9."""

    name = "digits"
    description = "The 1,797 8x8 handwritten digits bundled with scikit-learn, 10 classes (embedded)."
    embedded = True
    kind = "image"
    Options = AddedHeldOutOptions  # subset=0.8 reference=held-out: evaluate against 20% never trained on

    def spec(self, request: DataRequest) -> DataSpec:
        check_resolution(request.resolution, self.name)
        return DataSpec(self.name, "image", (1, request.resolution, request.resolution), num_classes=10)

    def load(self, request: DataRequest) -> TensorSource:
        spec = self.spec(request)
        x, y = digit_images(request.resolution)
        return TensorSource(spec, x, y, request.device, request.seed,
                            train_index=self.options.train_index(y, dataset=self.name), reference=self.options.reference)


@dataclasses.dataclass(frozen=True)
class StackedOptions(AddedHeldOutOptions):
    size: int = 10_000  # stacked images drawn once; about 10 per mode
    data_seed: int = 0  # fixes which digits are stacked; the run seed only orders the batches

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.size < 1:
            raise ValueError(f"size must be a positive integer, got {self.size}.")


class StackedDigits(Dataset):
    """Three random digits per image, one per channel: 1,000 modes (Stacked-MNIST protocol)."""

    name = "stacked-digits"
    description = "Three scikit-learn digits stacked as RGB channels: 1,000 modes, Stacked-MNIST at small scale."
    embedded = True
    kind = "image"
    Options = StackedOptions

    def spec(self, request: DataRequest) -> DataSpec:
        check_resolution(request.resolution, self.name)
        return DataSpec(self.name, "image", (3, request.resolution, request.resolution), num_classes=1000)

    def load(self, request: DataRequest) -> TensorSource:
        spec = self.spec(request)
        images, classes = digit_images(request.resolution)
        generator = torch.Generator().manual_seed(self.options.data_seed)
        picks = torch.randint(len(images), (self.options.size, 3), generator=generator)
        # Each channel is a whole (1-channel) digit image; stacking them gives (size, 3, res, res).
        x = torch.cat([images[picks[:, channel]] for channel in range(3)], dim=1)
        labels = stacked_label(classes[picks])
        return TensorSource(spec, x, labels, request.device, request.seed,
                            train_index=self.options.train_index(labels, dataset=self.name),
                            reference=self.options.reference)


def stacked_label(channel_classes: torch.Tensor) -> torch.Tensor:
    """The mode label 100*a + 10*b + c of digit classes (N, 3) = (a, b, c)."""
    return channel_classes[:, 0] * 100 + channel_classes[:, 1] * 10 + channel_classes[:, 2]


def channel_classes(labels: torch.Tensor) -> torch.Tensor:
    """The digit class (N, 3) of each channel, from stacked labels: the inverse of stacked_label."""
    return torch.stack([labels // 100, labels // 10 % 10, labels % 10], dim=1)
