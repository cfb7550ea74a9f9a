"""The Architecture contract: a generator and a discriminator for a DataSpec.

The discriminator is split into ``features``, a ``neck`` and a ``head`` so that stabilizers
can insert layers (dropout, noise, minibatch standard deviation) before the head without
knowing the architecture. Multi-scale architectures (MSG-GAN) return a list of images from
the generator, coarse to fine, and take the matching list in the discriminator;
``prepare_real`` turns a real batch into what the discriminator takes.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple, Sequence

import torch
from torch import nn

from ganbench.contracts.component import Component
from ganbench.contracts.penalty import Penalty
from ganbench.data.spec import DataSpec
from ganbench.errors import Incompatible

Images = torch.Tensor | list[torch.Tensor]


class DOutput(NamedTuple):
    """What a discriminator returns: one logit per sample, and class logits when it has an
    auxiliary classifier (ACGAN)."""

    logits: torch.Tensor
    class_logits: torch.Tensor | None = None


class Neck(nn.Sequential):
    """Layers that stabilizers insert between the discriminator's features and its head.

    A layer that adds channels (minibatch-std) declares ``added_channels``; the architecture
    sizes its head with :meth:`out_channels`. Layers must accept (B, C, H, W) and (B, F).
    """

    def out_channels(self, channels: int) -> int:
        """The channels the head receives when the features have ``channels``."""
        return channels + sum(getattr(layer, "added_channels", 0) for layer in self)


@dataclasses.dataclass
class BuildRequest:
    """What the engine asks an architecture to build."""

    spec: DataSpec
    latent_dim: int
    neck: Neck  # owned by the discriminator once built
    batch_norm_in_d: bool = True  # False under a gradient penalty: use a per-sample norm
    conditional: bool = False  # feed labels to G and D (the architecture decides how)


class Generator(nn.Module):
    """``forward(z, y=None)`` returns an image batch, or a list of them from coarse to fine."""

    latent_dim: int
    multiscale: bool = False

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> Images:  # pragma: no cover
        """Images in [-1, 1] from latent vectors ``z`` (B, latent_dim) and, for conditional models,
        class labels ``y`` (B,). Called in every D and G update, for sample grids and evaluations."""
        raise NotImplementedError


class Discriminator(nn.Module):
    """``forward(x, y=None)`` = head(neck(features(x, y)), y)."""

    multiscale: bool = False

    def __init__(self, neck: Neck | None = None) -> None:
        super().__init__()
        self.neck = neck if neck is not None else Neck()

    def features(self, x: Images, y: torch.Tensor | None) -> torch.Tensor:  # pragma: no cover
        """D's last hidden features, before the neck: (B, C, H, W) or (B, F). The linear-probe
        evaluator reads them too."""
        raise NotImplementedError

    def head(self, h: torch.Tensor, y: torch.Tensor | None) -> DOutput:  # pragma: no cover
        """Logits (one per sample) and optional class logits from the neck's output; size its input
        with ``neck.out_channels(channels)``."""
        raise NotImplementedError

    def forward(self, x: Images, y: torch.Tensor | None = None) -> DOutput:
        """head(neck(features(x, y)), y): called on every D input, real and fake, after ``d_input``."""
        return self.head(self.neck(self.features(x, y)), y)

    def prepare_real(self, x: torch.Tensor) -> Images:
        """Turn a real batch into the discriminator's input (identity for single scale)."""
        return x


class Architecture(Component):
    """Builds a generator and a discriminator, or says why it cannot."""

    data_kinds: Sequence[str] = ("image",)
    requires_labels: bool = False  # conditional architectures refuse unlabelled data
    min_resolution: int = 0
    max_resolution: int = 0  # 0: no upper limit

    @classmethod
    def kind_label(cls) -> str:
        return "architecture"

    def check(self, spec: DataSpec) -> None:
        """Raise Incompatible with the reason when this architecture cannot serve ``spec``."""
        if spec.kind not in self.data_kinds:
            raise Incompatible(
                f"architecture {self.name!r} works on {' and '.join(self.data_kinds)} data, "
                f"but dataset {spec.name!r} is {spec.kind} data.")
        if self.requires_labels and not spec.labelled:
            raise Incompatible(f"architecture {self.name!r} needs class labels, but dataset {spec.name!r} has none.")
        if spec.kind == "image":
            self._check_resolution(spec.resolution)

    def _check_resolution(self, resolution: int) -> None:
        if self.min_resolution and resolution < self.min_resolution:
            raise Incompatible(f"architecture {self.name!r} needs a resolution of at least {self.min_resolution} px, got {resolution}.")
        if self.max_resolution and resolution > self.max_resolution:
            raise Incompatible(f"architecture {self.name!r} builds at most {self.max_resolution} px, got {resolution}.")

    def uses_labels(self, spec: DataSpec) -> bool:
        """Whether G and D take class labels for this data (conditional models)."""
        return self.requires_labels

    def build(self, request: BuildRequest) -> tuple[Generator, Discriminator]:  # pragma: no cover
        """A new generator and discriminator for ``request`` (the data's spec, the latent size, the
        neck the stabilizers asked for, whether D may use batch norm, whether to condition on labels),
        initialised as the architecture's paper does. Called once per run, after ``check``, with the
        random seed already set, so the same seed gives the same initial weights."""
        raise NotImplementedError

    def penalties(self, spec: DataSpec) -> list["Penalty"]:
        """Regularizers that belong to the architecture's paper, with their intervals.

        Optional; none by default. A penalty with ``target="discriminator"`` is added to D's
        loss like a loss's gradient penalty (StyleGAN2's lazy R1); one with
        ``target="generator"`` is added to G's loss in the G step (StyleGAN2's path length
        regularization), and its ``compute`` gets ``inputs.generator``. Each runs every
        ``interval`` steps and is multiplied by the interval (lazy regularization, Karras et
        al. 2020). The engine gathers them after the loss's and before the stabilizers'.
        """
        return []

    def check_stabilizers(self, stabilizers: Sequence[Component]) -> None:
        """Raise Incompatible with the reason when a stabilizer of the run cannot work here.

        ``stabilizers`` are the run's Stabilizer objects (typed by their base class here because the
        Stabilizer contract is built on this one: it receives the architecture in its ``check``).

        Optional; accepts every stabilizer by default. For an architecture that applies a
        trick itself (spectral norm, minibatch-std, R1), so that the same stabilizer on top
        would apply it twice or silently do nothing. Called after every stabilizer's own
        ``check`` and before the models are built.
        """


def finest(images: Images) -> torch.Tensor:
    """The full-resolution image of a generator output (the last scale of a list)."""
    return images[-1] if isinstance(images, (list, tuple)) else images


def map_images(images: Images, fn) -> Images:
    """Apply ``fn`` to every scale of a (possibly multi-scale) batch."""
    if isinstance(images, (list, tuple)):
        return [fn(image) for image in images]
    return fn(images)
