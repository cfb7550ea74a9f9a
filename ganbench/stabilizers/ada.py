"""Adaptive discriminator augmentation (ADA): Karras, Aittala, Hellsten, Laine, Lehtinen & Aila
(2020), "Training Generative Adversarial Networks with Limited Data", NeurIPS 2020.

Every D input, real and fake, in D's and in G's update, goes through one pipeline of transforms,
each applied to a sample with probability p (section 2.3: below p = 0.8 the augmentations do not
leak into G's samples). Here the pipeline is the paper's geometric block (integer translation,
x-flip, 90-degree rotations, isotropic scaling) and three of its colour transforms (brightness,
contrast, saturation), with the paper's strengths:

- x-flip; rotation by a uniform multiple of 90 degrees; integer translation by U(-0.125, 0.125)
  of the side (reflected borders); isotropic scaling by 2^N(0, 0.2^2), bilinear, reflected borders;
- brightness + N(0, 0.2^2); contrast x 2^N(0, 0.5^2); saturation x 2^N(0, 1).

p is tuned on the fly from the overfitting heuristic r_t = E[sign(D(x_real))] (section 3), read
from the real logits of the loss's own D pass: every ``interval`` D updates,
p <- clip(p + sign(r_t - target) * N / (kimg * 1000), 0, 1), where N is the number of real images
observed since the last adjustment. With the paper's constants (target 0.6, interval 4, kimg 500)
p can rise from 0 to 1 in 500,000 real images. The heuristic is gathered on the device and p
stays there, so no step waits on the host; p and r_t are logged as ``ada_p`` and ``ada_rt`` and
saved in checkpoints with the counters, so a resumed run continues the same schedule.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Sequence

import torch

from ganbench.contracts.architecture import Discriminator, Images, finest, map_images
from ganbench.contracts.loss import Penalty, PenaltyInputs
from ganbench.contracts.stabilizer import Stabilizer, StepInfo
from ganbench.stabilizers import augment

if TYPE_CHECKING:
    from ganbench.contracts.architecture import Architecture
    from ganbench.data.spec import DataSpec
    from ganbench.contracts.loss import Loss


@dataclasses.dataclass(frozen=True)
class ADAOptions:
    """The target of the heuristic and the speed of p."""

    target: float = 0.6  # r_t that p steers towards (the paper's 0.6)
    interval: int = 4  # D updates between adjustments of p (the paper's 4)
    kimg: float = 500.0  # thousands of real images for p to move by 1 (the paper's 500)
    initial_p: float = 0.0  # p at the first step
    adaptive: bool = True  # False: p stays at initial_p (a fixed augmentation strength)

    def __post_init__(self) -> None:
        if not 0 <= self.target <= 1:
            raise ValueError(f"target must be in [0, 1], got {self.target}.")
        if self.interval < 1:
            raise ValueError(f"interval must be a positive integer, got {self.interval}.")
        if not self.kimg > 0:
            raise ValueError(f"kimg must be positive, got {self.kimg}.")
        if not 0 <= self.initial_p <= 1:
            raise ValueError(f"initial_p must be in [0, 1], got {self.initial_p}.")


@dataclasses.dataclass
class Draw:
    """One sample's worth of random choices for every transform, shared by all scales."""

    flip: torch.Tensor
    turns: torch.Tensor
    shift_x: torch.Tensor
    shift_y: torch.Tensor
    zoom: torch.Tensor
    offset: torch.Tensor
    contrast: torch.Tensor
    saturation: torch.Tensor


class ADA(Stabilizer):
    name = "ada"
    description = "Adaptive discriminator augmentation (Karras et al. 2020): p tuned so that E[sign D(real)] nears 0.6."
    Options = ADAOptions
    order = 25  # d_input: augment the clean images, before instance noise

    def __init__(self, options=None) -> None:
        super().__init__(options)
        self.p = torch.tensor(float(self.options.initial_p))
        self.r_t = torch.zeros(())  # the heuristic at the last adjustment, for the log
        self.sign_sum = torch.zeros(())  # sum of sign(D(real)) since the last adjustment
        self.observed = torch.zeros(())  # real images observed since the last adjustment
        self.d_updates = 0

    def check(self, loss: "Loss", architecture: "Architecture", spec: "DataSpec",
              others: Sequence[Stabilizer]) -> None:
        """Refuse vector data and a second augmentation pipeline."""
        augment.refuse_vectors(self.name, spec)
        augment.refuse_second_augmentation(self.name, others)

    # -- the augmentation -------------------------------------------------------------------------

    def d_input_all(self, images: Images, info: StepInfo) -> Images:
        reference = finest(images)
        self.to_device(reference.device)
        draw = self.draw(reference.shape[0], reference.device)
        return map_images(images, lambda x: self.apply(x, draw))

    def draw(self, batch: int, device: torch.device) -> Draw:
        """Each transform on with probability p per sample; off means its identity value."""
        on = torch.rand(8, batch, device=device) < self.p
        normal = torch.randn(5, batch, device=device)
        shifts = (torch.rand(2, batch, device=device) * 2 - 1) * 0.125
        turns = torch.randint(4, (batch,), device=device)
        zero = torch.zeros(batch, device=device)
        log2 = math.log(2)
        return Draw(flip=on[0] & (torch.rand(batch, device=device) < 0.5),
                    turns=torch.where(on[1], turns, torch.zeros_like(turns)),
                    shift_x=torch.where(on[2], shifts[0], zero), shift_y=torch.where(on[2], shifts[1], zero),
                    zoom=torch.where(on[3], torch.exp(0.2 * log2 * normal[0]), zero + 1),
                    offset=torch.where(on[4], 0.2 * normal[1], zero),
                    contrast=torch.where(on[5], torch.exp(0.5 * log2 * normal[2]), zero + 1),
                    saturation=torch.where(on[6], torch.exp(1.0 * log2 * normal[3]), zero + 1))

    def apply(self, x: torch.Tensor, draw: Draw) -> torch.Tensor:
        x = augment.flip_x(x, draw.flip)
        if x.shape[2] == x.shape[3]:  # quarter turns keep only a square image's shape
            x = augment.rotate90(x, draw.turns)
        x = augment.translate(x, draw.shift_x, draw.shift_y, padding="reflect")
        x = augment.scale(x, draw.zoom)
        x = augment.brightness(x, draw.offset)
        x = augment.contrast(x, draw.contrast)
        return augment.saturation(x, draw.saturation)

    # -- the overfitting heuristic and the schedule of p ------------------------------------------

    def penalties(self) -> list[Penalty]:
        # Not a loss term: the point where the real logits of the loss's own D pass are visible.
        return [Penalty("ada-heuristic", self.observe, interval=1)]

    def observe(self, inputs: PenaltyInputs) -> torch.Tensor:
        logits = inputs.real_out.logits.detach().float()
        self.to_device(logits.device)
        self.sign_sum += logits.sign().sum()
        self.observed += logits.numel()
        return torch.zeros((), device=logits.device)

    def after_d_step(self, discriminator: Discriminator, info: StepInfo) -> None:
        self.d_updates += 1
        if self.d_updates % self.options.interval:
            return
        r_t = self.sign_sum / self.observed.clamp(min=1)
        if self.options.adaptive:
            step = (r_t - self.options.target).sign() * self.observed / (self.options.kimg * 1000)
            self.p = (self.p + step).clamp(0, 1)
        self.r_t = r_t
        self.sign_sum.zero_()
        self.observed.zero_()

    def to_device(self, device: torch.device) -> None:
        if self.p.device != device:
            self.p, self.r_t = self.p.to(device), self.r_t.to(device)
            self.sign_sum, self.observed = self.sign_sum.to(device), self.observed.to(device)

    def scalars(self) -> dict[str, torch.Tensor]:
        return {"ada_p": self.p, "ada_rt": self.r_t}

    def state_dict(self) -> dict:
        return {"p": self.p.clone(), "r_t": self.r_t.clone(), "sign_sum": self.sign_sum.clone(),
                "observed": self.observed.clone(), "d_updates": self.d_updates}

    def load_state_dict(self, state: dict) -> None:
        if not state:
            return
        device = self.p.device
        self.p, self.r_t = state["p"].to(device), state["r_t"].to(device)
        self.sign_sum, self.observed = state["sign_sum"].to(device), state["observed"].to(device)
        self.d_updates = int(state["d_updates"])
