"""A fully connected GAN in the style of Goodfellow et al. (2014), "Generative Adversarial Nets",
NeurIPS 2014: multilayer perceptrons for both nets.

The paper's discriminator used maxout and dropout; here its hidden layers use LeakyReLU(0.2),
and dropout is left to the stabilizers, which insert it in the neck. Neither net has batch
norm, so any loss works, gradient penalties included. Weights start as in DCGAN (Radford
et al. 2016): N(0, 0.02). Works on vectors (toy 2-D mixtures) and, flattened, on small images.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import torch
from torch import nn

from ganbench.api import Architecture, BuildRequest, Discriminator, DOutput, Generator
from ganbench_dcgan.blocks import init_as_in_dcgan, make_activation, require_positive
from ganbench_dcgan.dcgan import refuse_labels


@dataclasses.dataclass(frozen=True)
class MLPOptions:
    """Width, depth, output and activation of both perceptrons."""

    hidden: int = 256  # units in each hidden layer
    layers: int = 3  # hidden layers in each net
    output: Literal["tanh", "linear"] = "tanh"  # tanh matches data scaled to [-1, 1]
    g_activation: Literal["relu", "leaky"] = "relu"

    def __post_init__(self) -> None:
        require_positive("hidden", self.hidden)
        require_positive("layers", self.layers)


def hidden_stack(in_features: int, options: MLPOptions, activation: str) -> list[nn.Module]:
    """``options.layers`` hidden layers of ``options.hidden`` units, each Linear then activation."""
    layers: list[nn.Module] = []
    for index in range(options.layers):
        width_in = in_features if index == 0 else options.hidden
        layers += [nn.Linear(width_in, options.hidden), make_activation(activation)]
    return layers


class MLPGenerator(Generator):
    """z -> hidden layers -> one value per data element -> reshaped to the data's shape."""

    def __init__(self, request: BuildRequest, options: MLPOptions) -> None:
        super().__init__()
        self.latent_dim = request.latent_dim
        spec = request.spec
        self.net = nn.Sequential(
            *hidden_stack(self.latent_dim, options, options.g_activation),
            nn.Linear(options.hidden, spec.numel),
            nn.Tanh() if options.output == "tanh" else nn.Identity(),
            nn.Unflatten(1, spec.shape),
        )
        self.apply(init_as_in_dcgan)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z)


class MLPDiscriminator(Discriminator):
    """Flattened sample -> hidden layers (the features) -> neck -> one logit."""

    def __init__(self, request: BuildRequest, options: MLPOptions) -> None:
        super().__init__(request.neck)
        self.body = nn.Sequential(nn.Flatten(), *hidden_stack(request.spec.numel, options, "leaky"))
        # The neck may add features (minibatch-std), so the head is sized by it.
        self.to_logit = nn.Linear(self.neck.out_channels(options.hidden), 1)
        # Only our own layers: the neck belongs to the stabilizers that made it.
        self.body.apply(init_as_in_dcgan)
        self.to_logit.apply(init_as_in_dcgan)

    def features(self, x: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        return self.body(x)

    def head(self, h: torch.Tensor, y: torch.Tensor | None) -> DOutput:
        return DOutput(self.to_logit(h).squeeze(1))


class MLP(Architecture):
    """Fully connected generator and discriminator for vectors and small images."""

    name = "mlp"
    description = "Fully connected GAN (Goodfellow et al. 2014): multilayer perceptrons, no batch norm."
    data_kinds = ("vector", "image")
    Options = MLPOptions

    def build(self, request: BuildRequest) -> tuple[MLPGenerator, MLPDiscriminator]:
        refuse_labels(self.name, request)
        return MLPGenerator(request, self.options), MLPDiscriminator(request, self.options)
