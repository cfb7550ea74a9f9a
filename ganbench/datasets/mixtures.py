"""2-D mixtures of Gaussians: the standard mode-collapse benchmarks.

- ``ring8``: 8 Gaussians equally spaced on a circle of radius 2, standard deviation 0.02
  (Metz et al. 2017, "Unrolled Generative Adversarial Networks"; Srivastava et al. 2017,
  "VEEGAN"; Lin et al. 2018, "PacGAN").
- ``grid25``: 25 Gaussians on the grid {-4, -2, 0, 2, 4}^2, standard deviation 0.05
  (VEEGAN; PacGAN).

Each mode is equally likely. Coordinates are divided by a fixed scale per data set so that
the samples lie in [-1, 1] like every other data set; the centres and the standard deviation
are exposed in that scaled space, where the mode-coverage evaluator counts a generated point
as belonging to a mode when it lies within a few standard deviations of its centre.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import torch

from ganbench.contracts.dataset import DataRequest, Dataset
from ganbench.data.source import TensorSource
from ganbench.data.spec import DataSpec


@dataclasses.dataclass(frozen=True)
class MixtureOptions:
    size: int = 50_000  # samples drawn once; batches are drawn from them with replacement
    data_seed: int = 0  # fixes the samples themselves; the run seed only orders the batches

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError(f"size must be a positive integer, got {self.size}.")


class MixtureSource(TensorSource):
    """Samples of a Gaussian mixture, with the mixture itself for evaluators.

    ``centers`` (K, 2) and ``std`` are in the same scaled space as the samples; ``modes`` holds
    the mode each sample was drawn from.
    """

    def __init__(self, spec: DataSpec, x: torch.Tensor, modes: torch.Tensor, centers: torch.Tensor, std: float,
                 device: torch.device, seed: int):
        super().__init__(spec, x, None, device, seed)
        self.modes = modes.to(device)
        self.centers = centers.to(device=device, dtype=torch.float32)
        self.std = std


class GaussianMixture(Dataset):
    """A mixture of equal-weight isotropic Gaussians in the plane; subclasses give the centres."""

    embedded = True
    kind = "vector"
    Options = MixtureOptions
    std: float = 0.0  # in the paper's coordinates
    scale: float = 1.0  # divides the paper's coordinates to land in [-1, 1]

    def raw_centers(self) -> torch.Tensor:
        """Mode centres (K, 2) in the paper's coordinates."""
        raise NotImplementedError

    def spec(self, request: DataRequest) -> DataSpec:
        return DataSpec(self.name, "vector", (2,), num_classes=0)

    def load(self, request: DataRequest) -> MixtureSource:
        centers = self.raw_centers() / self.scale
        std = self.std / self.scale
        modes, x = draw_mixture(centers, std, self.options.size, self.options.data_seed)
        return MixtureSource(self.spec(request), x, modes, centers, std, request.device, request.seed)


def draw_mixture(centers: torch.Tensor, std: float, size: int, data_seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``size`` samples of the equal-weight mixture: (mode index of each, points (size, 2)).

    Drawn on the CPU with their own generator, so the data are the same on every device and for
    every run seed.
    """
    generator = torch.Generator().manual_seed(data_seed)
    modes = torch.randint(len(centers), (size,), generator=generator)
    noise = torch.randn((size, 2), generator=generator) * std
    return modes, centers[modes] + noise


class Ring8(GaussianMixture):
    """8 Gaussians on a circle of radius 2, std 0.02 (Metz et al. 2017; VEEGAN; PacGAN)."""

    name = "ring8"
    description = "8 Gaussians on a ring (radius 2, std 0.02), the mode-collapse benchmark of VEEGAN/PacGAN."
    std = 0.02
    scale = 2.5

    def raw_centers(self) -> torch.Tensor:
        angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
        return torch.stack([2 * angles.cos(), 2 * angles.sin()], dim=1).float()


class Grid25(GaussianMixture):
    """25 Gaussians on the grid {-4, -2, 0, 2, 4}^2, std 0.05 (VEEGAN; PacGAN)."""

    name = "grid25"
    description = "25 Gaussians on a 5x5 grid (spacing 2, std 0.05), the mode-collapse benchmark of VEEGAN/PacGAN."
    std = 0.05
    scale = 5.0

    def raw_centers(self) -> torch.Tensor:
        ticks = (-4.0, -2.0, 0.0, 2.0, 4.0)
        return torch.tensor(list(itertools.product(ticks, ticks)), dtype=torch.float32)
