"""Spectral normalisation: Miyato, Kataoka, Koyama & Yoshida (2018), "Spectral Normalization
for Generative Adversarial Networks", ICLR 2018.

Every convolution, transposed convolution and linear layer of the discriminator divides its
weight by an estimate of the weight's largest singular value, refined by one step of power
iteration per training forward pass. Each layer then has a Lipschitz constant of about 1,
which bounds how sharply D can change and keeps its gradients informative. Built on
``torch.nn.utils.parametrizations.spectral_norm``; the neck's layers have no weights and are
left alone. Layers that an architecture already parametrised are not normalised twice.
"""

from __future__ import annotations

import dataclasses

from torch import nn
from torch.nn.utils import parametrize as torch_parametrize
from torch.nn.utils.parametrizations import spectral_norm

from ganbench.contracts.architecture import Discriminator, Generator
from ganbench.contracts.stabilizer import Stabilizer

NORMALISED_LAYERS = (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.ConvTranspose1d, nn.ConvTranspose2d,
                     nn.ConvTranspose3d, nn.Linear)


@dataclasses.dataclass(frozen=True)
class SpectralNormOptions:
    """Power iterations per training forward pass."""

    n_power_iterations: int = 1  # Miyato et al.: one, reusing the vector of the last step

    def __post_init__(self) -> None:
        if self.n_power_iterations < 1:
            raise ValueError(f"n_power_iterations must be a positive integer, got {self.n_power_iterations}.")


def normalisable_layers(module: nn.Module) -> list[nn.Module]:
    """The weight layers of ``module`` that are not parametrised yet."""
    return [layer for layer in module.modules()
            if isinstance(layer, NORMALISED_LAYERS) and not torch_parametrize.is_parametrized(layer, "weight")]


class SpectralNorm(Stabilizer):
    name = "spectral-norm"
    description = "Spectral normalisation (Miyato et al. 2018) of D's convolution and linear layers."
    Options = SpectralNormOptions
    order = 10  # parametrize: before any stabilizer that copies or touches weights

    def parametrize(self, generator: Generator, discriminator: Discriminator) -> None:
        for layer in normalisable_layers(discriminator):
            spectral_norm(layer, n_power_iterations=self.options.n_power_iterations)
