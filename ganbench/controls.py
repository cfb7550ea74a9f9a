"""Controls: reference generators with known answers, evaluated exactly like trained runs.

A table of metrics means something only beside what those metrics say about answers known in
advance. Each control is a "generator" that needs no training:

- ``real``: real data. Where the data set can draw fresh samples (the 2-D mixtures, through their
  ``data_seed``) they are new draws from the same distribution, held out from training; elsewhere
  the real training samples drawn at random. The best a model can do.
- ``noise``: uniform noise over the data's range: each coordinate between its real minimum and
  maximum (for images every pixel in [-1, 1]). The worst a model can do: a metric it passes
  measures nothing.
- ``one-mode`` (mixtures) / ``one-class`` (labelled data): real samples of a single mode or class:
  perfect quality, no diversity. A metric that does not punish it misses mode collapse.
- ``memorizer``: the training samples themselves, in order: shows whether a metric rewards copying.

Controls are written as run directories with ``control`` set in their config and result, so that
``ganbench compare`` shows them as marked rows beside the runs, never ranked and never the baseline
unless asked.
"""

from __future__ import annotations

import torch
from torch import nn

CONTROLS = ("real", "noise", "one-mode", "one-class", "memorizer")


def controls_for(source) -> list[str]:
    """The controls that mean something for this data: one-mode needs mixture modes, one-class labels."""
    names = ["real", "noise"]
    if getattr(source, "modes", None) is not None:
        names.append("one-mode")
    elif source.spec.labelled:
        names.append("one-class")
    return names + ["memorizer"]


class ControlGenerator(nn.Module):
    """Samples of a control, drawn batch by batch like a generator's (``forward(z, y)``).

    It has no weights; its draws come from its own random generator, seeded once, so the same
    control with the same seed gives the same samples."""

    def __init__(self, pool: torch.Tensor, seed: int, in_order: bool = False) -> None:
        super().__init__()
        self.register_buffer("pool", pool, persistent=False)
        self.in_order = in_order  # the memorizer replays the pool in order, from a seeded start
        self.rng = torch.Generator(device=pool.device)
        self.rng.manual_seed(seed)
        self.position = int(torch.randint(len(pool), (1,), device=pool.device, generator=self.rng))

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        count = z.shape[0]
        if self.in_order:
            index = torch.arange(self.position, self.position + count, device=self.pool.device) % len(self.pool)
            self.position += count
        else:
            index = torch.randint(len(self.pool), (count,), device=self.pool.device, generator=self.rng)
        return self.pool[index]


class UniformNoise(nn.Module):
    """Uniform noise between per-coordinate bounds (the real data's range)."""

    def __init__(self, low: torch.Tensor, high: torch.Tensor, seed: int) -> None:
        super().__init__()
        self.register_buffer("low", low, persistent=False)
        self.register_buffer("high", high, persistent=False)
        self.rng = torch.Generator(device=low.device)
        self.rng.manual_seed(seed)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        shape = (z.shape[0], *self.low.shape)
        draw = torch.rand(shape, device=self.low.device, generator=self.rng)
        return self.low + draw * (self.high - self.low)


def noise_bounds(real: torch.Tensor, image: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """Images: every pixel in [-1, 1]; vectors: each coordinate between its real minimum and maximum."""
    if image:
        return torch.full(real.shape[1:], -1.0, device=real.device), torch.full(real.shape[1:], 1.0, device=real.device)
    return real.min(dim=0).values, real.max(dim=0).values


def one_group(source, real: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """The real samples of the first mode (mixtures) or of the first class (labelled data)."""
    modes = getattr(source, "modes", None)
    if modes is not None:
        return real[modes[: len(real)] == modes[0]]
    return real[labels == labels[0]]


def is_control_name(name: str | None) -> bool:
    """One of CONTROLS, or a ladder step (``pixel-noise@0.1``, see ganbench.ladders)."""
    from ganbench.ladders import is_step_name, parse_step
    if name in CONTROLS:
        return True
    if is_step_name(name):
        parse_step(name)  # an unknown defect or a bad level is one sentence
        return True
    return False


def build_control(name: str, source, fresh_real: torch.Tensor | None, seed: int) -> nn.Module:
    """The generator of control ``name`` for the data of ``source``; ``fresh_real`` holds held-out
    draws of the same distribution where the data set can make them."""
    from ganbench.ladders import build_step, is_step_name, ladder_data
    if is_step_name(name):
        return build_step(name, ladder_data(source, fresh_real), seed)
    real, labels = source.all_data()
    real = real.float()
    if name == "real":  # data training never drew, where there is any
        held_out = source.held_out_data()
        fallback = real if held_out is None else held_out[0].float()
        return ControlGenerator(fresh_real if fresh_real is not None else fallback, seed)
    if name == "noise":
        low, high = noise_bounds(real, source.spec.kind == "image")
        return UniformNoise(low, high, seed)
    if name in ("one-mode", "one-class"):
        return ControlGenerator(one_group(source, real, labels), seed)
    if name == "memorizer":  # copies what training sees: the subset, when the data set trains on one
        return ControlGenerator(source.training_data()[0].float(), seed, in_order=True)
    raise ValueError(f"unknown control {name!r}")
