"""Latent vectors and the labels that condition fake samples."""

from __future__ import annotations

import torch


class LatentSampler:
    """Draws latent vectors (normal or uniform in [-1, 1]) and fake labels on the device.

    It owns its random generator, so the latent stream is part of the checkpoint and does not
    shift when a stabilizer draws random numbers.
    """

    def __init__(self, dim: int, distribution: str, device: torch.device, seed: int,
                 class_frequencies: torch.Tensor | None = None) -> None:
        self.dim = dim
        self.distribution = distribution
        self.device = device
        self.generator = torch.Generator(device=device)
        self.generator.manual_seed(seed)
        self.class_frequencies = None if class_frequencies is None else class_frequencies.to(device)

    def latent(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return draw_latent(n, self.dim, self.distribution, self.device, generator or self.generator)

    def labels(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor | None:
        """Labels drawn with the real data's class frequencies (None for unconditional models)."""
        if self.class_frequencies is None:
            return None
        return torch.multinomial(self.class_frequencies, n, replacement=True, generator=generator or self.generator)

    def state_dict(self) -> dict:
        return {"generator": self.generator.get_state()}

    def load_state_dict(self, state: dict) -> None:
        self.generator.set_state(state["generator"])


def draw_latent(n: int, dim: int, distribution: str, device: torch.device,
                generator: torch.Generator) -> torch.Tensor:
    if distribution == "uniform":
        return torch.rand(n, dim, device=device, generator=generator) * 2 - 1
    return torch.randn(n, dim, device=device, generator=generator)
