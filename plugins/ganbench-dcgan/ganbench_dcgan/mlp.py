"""A fully connected GAN in the style of Goodfellow et al. (2014), "Generative Adversarial Nets",
NeurIPS 2014: multilayer perceptrons for both nets.

The paper's discriminator used maxout and dropout; here its hidden layers use LeakyReLU(0.2) by
default, or maxout units (Goodfellow et al. 2013, "Maxout Networks": the largest of ``d_maxout``
linear pieces) when asked, and dropout is left to the stabilizers, which insert it in the neck.
Neither net has batch norm, so any loss works, gradient penalties included. Weights start as in
DCGAN (Radford et al. 2016): N(0, 0.02). Works on vectors (toy 2-D mixtures) and, flattened, on
small images.

``hidden`` and ``layers`` size both nets; ``g_hidden``, ``g_layers``, ``d_hidden`` and ``d_layers``
size one of them on its own (0: as ``hidden``/``layers``). PacGAN's 2-D experiments (Lin et al.
2018), for example: G 4x400 ReLU, D 3x200 maxout with 5 pieces.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

import torch
from torch import nn

from ganbench.api import Architecture, BuildRequest, Discriminator, DOutput, Generator, added_later
from ganbench_dcgan.blocks import init_as_in_dcgan, make_activation, require_positive
from ganbench_dcgan.dcgan import refuse_labels


@dataclasses.dataclass(frozen=True)
class MLPOptions:
    """Width, depth, output and activation of both perceptrons."""

    hidden: int = 256  # units in each hidden layer
    layers: int = 3  # hidden layers in each net
    output: Literal["tanh", "linear"] = "tanh"  # tanh matches data scaled to [-1, 1]
    g_activation: Literal["relu", "leaky"] = "relu"
    # Added after runs were published: left out of the run id while at their defaults.
    g_hidden: int = added_later(0)  # G's hidden units (0: hidden)
    g_layers: int = added_later(0)  # G's hidden layers (0: layers)
    d_hidden: int = added_later(0)  # D's hidden units (0: hidden)
    d_layers: int = added_later(0)  # D's hidden layers (0: layers)
    d_maxout: int = added_later(1)  # pieces of each maxout unit in D (1: LeakyReLU(0.2) instead)

    def __post_init__(self) -> None:
        require_positive("hidden", self.hidden)
        require_positive("layers", self.layers)
        for name in ("g_hidden", "g_layers", "d_hidden", "d_layers"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 (the same as {name[2:]}) or a positive integer, "
                                 f"got {getattr(self, name)}.")
        require_positive("d_maxout", self.d_maxout)

    def width_and_depth(self, net: Literal["g", "d"]) -> tuple[int, int]:
        """(hidden units, hidden layers) of G or D."""
        hidden, layers = getattr(self, f"{net}_hidden"), getattr(self, f"{net}_layers")
        return hidden or self.hidden, layers or self.layers


class Maxout(nn.Module):
    """The largest of ``pieces`` affine maps of the input, per unit (Goodfellow et al. 2013)."""

    def __init__(self, in_features: int, out_features: int, pieces: int) -> None:
        super().__init__()
        self.pieces = pieces
        self.linear = nn.Linear(in_features, out_features * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).unflatten(-1, (-1, self.pieces)).amax(dim=-1)


def hidden_stack(in_features: int, width: int, depth: int, activation: str, pieces: int = 1) -> list[nn.Module]:
    """``depth`` hidden layers of ``width`` units: Linear then activation, or maxout of ``pieces``."""
    layers: list[nn.Module] = []
    for index in range(depth):
        width_in = in_features if index == 0 else width
        if pieces > 1:
            layers.append(Maxout(width_in, width, pieces))
        else:
            layers += [nn.Linear(width_in, width), make_activation(activation)]
    return layers


class MLPGenerator(Generator):
    """z -> hidden layers -> one value per data element -> reshaped to the data's shape."""

    def __init__(self, request: BuildRequest, options: MLPOptions) -> None:
        super().__init__()
        self.latent_dim = request.latent_dim
        spec = request.spec
        width, depth = options.width_and_depth("g")
        self.net = nn.Sequential(
            *hidden_stack(self.latent_dim, width, depth, options.g_activation),
            nn.Linear(width, spec.numel),
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
        width, depth = options.width_and_depth("d")
        self.body = nn.Sequential(nn.Flatten(),
                                  *hidden_stack(request.spec.numel, width, depth, "leaky", options.d_maxout))
        # The neck may add features (minibatch-std), so the head is sized by it.
        self.to_logit = nn.Linear(self.neck.out_channels(width), 1)
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
