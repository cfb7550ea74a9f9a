"""Top-k training: Sinha, Zhao, Goyal, Raffel & Odena (2020), "Top-k Training of GANs: Improving
GAN Performance by Throwing Away Bad Samples", NeurIPS 2020.

G's update uses only the k fakes that D scores highest: the worst samples give gradients that
point away from the data once G is reasonably good. k = max(gamma, nu) * batch, where gamma
starts at 1 (all samples) and decays by ``decay`` = 0.99 per epoch, down to nu = 0.5.

ganbench budgets in steps, not epochs, so an epoch-equivalent is ``epoch_steps`` generator steps
(the number of batches in one pass over your data; 1,000 by default) and

    gamma(step) = decay ** (step / epoch_steps),    k = max(1, round(max(gamma, nu) * batch)).

With the defaults gamma reaches nu after ln 0.5 / ln 0.99 = 69 epoch-equivalents, 69,000 steps.
"""

from __future__ import annotations

import dataclasses

import torch

from ganbench.contracts.stabilizer import Stabilizer, StepInfo


@dataclasses.dataclass(frozen=True)
class TopKOptions:
    """The schedule of k."""

    nu: float = 0.5  # smallest share of the batch kept (the paper's 0.5)
    decay: float = 0.99  # gamma's factor per epoch-equivalent (the paper's 0.99)
    epoch_steps: int = 1000  # generator steps counted as one epoch

    def __post_init__(self) -> None:
        if not 0 < self.nu <= 1:
            raise ValueError(f"nu must be in (0, 1], got {self.nu}.")
        if not 0 < self.decay <= 1:
            raise ValueError(f"decay must be in (0, 1], got {self.decay}.")
        if self.epoch_steps < 1:
            raise ValueError(f"epoch_steps must be a positive integer, got {self.epoch_steps}.")


class TopK(Stabilizer):
    name = "topk"
    description = "Top-k training (Sinha et al. 2020): G learns from the fakes D scores highest, k decaying to half."
    Options = TopKOptions
    order = 80  # g_samples: the only built-in stabilizer acting there

    def keep_share(self, info: StepInfo) -> float:
        gamma = self.options.decay ** (info.step / self.options.epoch_steps)
        return max(gamma, self.options.nu)

    def k(self, batch: int, info: StepInfo) -> int:
        return max(1, round(self.keep_share(info) * batch))

    def g_samples(self, fake_logits: torch.Tensor, info: StepInfo) -> torch.Tensor | None:
        k = self.k(fake_logits.shape[0], info)
        if k >= fake_logits.shape[0]:
            return None
        return fake_logits.float().topk(k).indices
