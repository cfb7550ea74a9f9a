"""A small CNN trained on the real labelled data: the feature space of the domain metrics.

Inception-v3 features (Heusel et al. 2017, "GANs Trained by a Two Time-Scale Update Rule
Converge to a Local Nash Equilibrium") were learned on ImageNet photographs; on 32-pixel
digits they measure little that matters, and their weights need a download. The GAN
literature on digits therefore scores samples in the feature space of a classifier trained on
the data set itself (the "MNIST score" of Salimans et al. 2016 and the digit classifiers of the
stacked-MNIST protocol, Metz et al. 2017). ganbench trains one such classifier per data set and
resolution, once, and caches it by a hash of the exact training tensors, so that every run on
the same data is measured with the same network.

Training is deterministic (fixed seed, CPU, its own RNG stream that leaves the global one
alone, so that evaluating during training does not change what is trained, and one CPU thread
whatever the process uses: a convolution's float sums come out in a different order with 2
threads than with 1, and the network trained by a sweep worker differed from the one trained by
``ganbench run``, which moved the same generator's domain FID from 31.8 to 32.3), holds out 20% of
the data for the accuracy that every result records, and takes a few seconds on a laptop CPU
for the embedded data sets.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
from pathlib import Path
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import nn

from ganbench.atomic import write_with

ARCHITECTURE_VERSION = 2  # bump when the network or its training recipe changes: old caches then miss
TRAIN_THREADS = 1  # the same float operations in the same order on every machine and worker
HELD_OUT_SHARE = 0.2
TRAIN_SEED = 0
BATCH_SIZE = 64
TRAIN_STEPS = 500  # optimizer steps, whatever the data size: the training time stays bounded
MAX_TRAIN_IMAGES = 20_000  # larger data sets train on a seeded subset of this size
LEARNING_RATE = 2e-3
FEATURE_DIM = 128


class DomainCNN(nn.Module):
    """Two convolution blocks, a 128-d feature layer and a linear classifier.

    Takes uint8 images (N, C, H, W) of any size from 8 pixels up; adaptive pooling makes the
    feature layer the same width at every resolution.
    """

    def __init__(self, in_channels: int, num_classes: int, width: int = 16) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.num_classes = num_classes
        self.width = width
        self.body = nn.Sequential(
            _conv_block(in_channels, width),
            _conv_block(width, 2 * width),
            _conv_block(2 * width, 4 * width),
            nn.AdaptiveAvgPool2d(2),
            nn.Flatten(),
            nn.Linear(4 * width * 4, FEATURE_DIM),
            nn.ReLU(),
        )
        self.dropout = nn.Dropout(0.3)
        self.head = nn.Linear(FEATURE_DIM, num_classes)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """The penultimate layer: what FID, KID and precision/recall compare."""
        return self.body(_to_unit_range(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(self.features(images)))

    def config(self) -> dict[str, int]:
        return {"in_channels": self.in_channels, "num_classes": self.num_classes, "width": self.width}


def _conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.BatchNorm2d(out_channels), nn.ReLU(),
        nn.MaxPool2d(2, ceil_mode=True),
    )


def _to_unit_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] to float [-1, 1], the inverse of ganbench's quantisation."""
    if images.dtype != torch.uint8:
        raise TypeError(f"the domain classifier takes uint8 images, got {images.dtype}")
    return images.float() / 127.5 - 1.0


@dataclasses.dataclass
class TrainedClassifier:
    """A trained domain classifier with what the protocol records about it."""

    network: DomainCNN
    accuracy: float  # on the held-out 20%
    key: str  # sha256 of the training data, resolution and architecture version
    weights_sha256: str
    path: Path  # the cached weights file
    resolution: int

    @property
    def short_key(self) -> str:
        return self.key[:16]


def cache_root() -> Path:
    """$GANBENCH_CACHE, or ~/.cache/ganbench."""
    return Path(os.environ.get("GANBENCH_CACHE") or Path.home() / ".cache" / "ganbench").expanduser()


def classifier_key(images: torch.Tensor, labels: torch.Tensor) -> str:
    """sha256 of the uint8 training images, their labels, the resolution and the recipe version."""
    digest = hashlib.sha256()
    digest.update(f"ganbench-domain-cnn-v{ARCHITECTURE_VERSION}:{tuple(images.shape)}".encode())
    digest.update(images.detach().to("cpu", torch.uint8).contiguous().numpy().tobytes())
    digest.update(labels.detach().to("cpu", torch.int64).contiguous().numpy().tobytes())
    return digest.hexdigest()


def weights_sha256(network: nn.Module) -> str:
    """sha256 of the parameters and buffers, in name order: independent of the file format."""
    digest = hashlib.sha256()
    for name, tensor in sorted(network.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def load_or_train(images: torch.Tensor, labels: torch.Tensor, num_classes: int) -> TrainedClassifier:
    """The cached classifier for this data, trained and cached first when there is none.

    ``images`` are uint8 (N, C, H, W), ``labels`` int64 (N,). A cache file that cannot be read
    is trained again and replaced.
    """
    images, labels = images.detach().cpu(), labels.detach().cpu().long()
    key = classifier_key(images, labels)
    path = cache_root() / "classifiers" / f"{key}.pt"
    loaded = read_classifier(path)
    if loaded is None:
        network, accuracy = train_classifier(images, labels, num_classes)
        save_classifier(path, network, accuracy)
    else:
        network, accuracy = loaded
    return TrainedClassifier(network, accuracy, key, weights_sha256(network), path, images.shape[-1])


def save_classifier(path: Path, network: DomainCNN, accuracy: float) -> None:
    payload = {"config": network.config(), "accuracy": accuracy, "state_dict": network.state_dict(),
               "version": ARCHITECTURE_VERSION}
    write_with(path, lambda temporary: torch.save(payload, temporary))


def read_classifier(path: Path) -> tuple[DomainCNN, float] | None:
    """The network and accuracy stored at ``path``, or None when it is missing or unreadable."""
    if not path.is_file():
        return None
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        network = DomainCNN(**payload["config"])
        network.load_state_dict(payload["state_dict"])
        accuracy = float(payload["accuracy"])
    except Exception:  # a truncated or foreign file: the caller trains a fresh one
        return None
    return network.eval().requires_grad_(False), accuracy


def train_classifier(images: torch.Tensor, labels: torch.Tensor, num_classes: int) -> tuple[DomainCNN, float]:
    """Train on 80% of the data and return the network and its accuracy on the other 20%."""
    with torch.random.fork_rng(devices=[]), fixed_threads(TRAIN_THREADS):  # the run's RNG stream stays untouched
        torch.manual_seed(TRAIN_SEED)
        train_index, held_out_index = split_indices(len(labels))
        network = DomainCNN(images.shape[1], num_classes)
        fit(network, images[train_index], labels[train_index])
        accuracy = accuracy_on(network, images[held_out_index], labels[held_out_index])
    return network.eval().requires_grad_(False), accuracy


@contextlib.contextmanager
def fixed_threads(count: int) -> Iterator[None]:
    """Run the block with ``count`` intra-op CPU threads, then give the process its own count back."""
    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def split_indices(count: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A seeded shuffle; the last 20% is held out, and training uses at most MAX_TRAIN_IMAGES."""
    order = torch.randperm(count, generator=torch.Generator().manual_seed(TRAIN_SEED))
    held_out = max(1, int(round(count * HELD_OUT_SHARE)))
    return order[:count - held_out][:MAX_TRAIN_IMAGES], order[count - held_out:]


def fit(network: DomainCNN, images: torch.Tensor, labels: torch.Tensor) -> None:
    optimizer = torch.optim.Adam(network.parameters(), lr=LEARNING_RATE)
    # Cosine decay to zero: a fixed step budget that ends at a settled point, not mid-jump.
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, TRAIN_STEPS)
    sampler = torch.Generator().manual_seed(TRAIN_SEED + 1)
    network.train()
    for _ in range(TRAIN_STEPS):
        batch = torch.randint(len(labels), (BATCH_SIZE,), generator=sampler)
        loss = F.cross_entropy(network(shifted(images[batch], sampler)), labels[batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    network.eval()


def shifted(images: torch.Tensor, generator: torch.Generator, max_shift_share: float = 0.1) -> torch.Tensor:
    """Each batch moved by up to 10% of its side: generated digits are rarely centred exactly."""
    limit = int(images.shape[-1] * max_shift_share)
    if limit == 0:
        return images
    dy, dx = (int(v) for v in torch.randint(-limit, limit + 1, (2,), generator=generator))
    return torch.roll(images, shifts=(dy, dx), dims=(-2, -1))


@torch.no_grad()
def accuracy_on(network: DomainCNN, images: torch.Tensor, labels: torch.Tensor) -> float:
    predictions = predict_logits(network, images).argmax(dim=1)
    return float((predictions == labels).float().mean())


@torch.no_grad()
def predict_logits(network: DomainCNN, images: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """Class logits of uint8 images, batch by batch, on the network's device."""
    network.eval()
    device = next(network.parameters()).device
    chunks = [network(images[i:i + batch_size].to(device)).cpu() for i in range(0, images.shape[0], batch_size)]
    return torch.cat(chunks)
