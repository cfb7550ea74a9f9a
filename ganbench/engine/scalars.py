"""Per-step scalars accumulated on the device and read back once per log interval.

Reading a value from a GPU waits for all queued work, so the loop never does it per step:
the step's scalars are summed into a device tensor, and the first step whose scalars were not
finite is remembered on the device too. ``flush`` reads both with one transfer.
"""

from __future__ import annotations

from typing import Sequence

import torch

from ganbench.engine.distributed import SINGLE, Ranks, average_tensor, max_tensor


class ScalarAccumulator:
    def __init__(self, names: Sequence[str], device: torch.device, ranks: Ranks = SINGLE) -> None:
        self.names = tuple(names)
        self.ranks = ranks
        self.sums = torch.zeros(len(names), device=device, dtype=torch.float64)
        self.count = 0
        self.step_counter = torch.zeros((), device=device, dtype=torch.float64)
        self.first_bad_step = torch.full((), -1.0, device=device, dtype=torch.float64)

    def start_at(self, step: int) -> None:
        self.step_counter.fill_(step)

    def add(self, values: torch.Tensor) -> None:
        values = values.to(torch.float64)
        self.step_counter += 1
        finite = torch.isfinite(values).all()
        self.first_bad_step = torch.where(finite | (self.first_bad_step >= 0), self.first_bad_step,
                                          self.step_counter)
        self.sums += values
        self.count += 1

    def state_dict(self) -> dict:
        """The partial window, so that a run stopped between log intervals resumes exactly."""
        return {"sums": self.sums.clone(), "count": self.count, "step_counter": self.step_counter.clone(),
                "first_bad_step": self.first_bad_step.clone()}

    def load_state_dict(self, state: dict) -> None:
        self.sums.copy_(state["sums"])
        self.count = int(state["count"])
        self.step_counter.copy_(state["step_counter"])
        self.first_bad_step.copy_(state["first_bad_step"])

    def flush(self) -> tuple[dict[str, float], int | None]:
        """Window means of each scalar, and the (1-based) step that first went non-finite."""
        means = average_tensor(self.sums / max(self.count, 1), self.ranks)  # across ranks, once per interval
        bad_step = max_tensor(self.first_bad_step.reshape(1), self.ranks)
        packed = torch.cat([means, bad_step]).tolist()
        self.sums.zero_()
        self.count = 0
        means = {name: round(value, 6) for name, value in zip(self.names, packed[:-1])}
        bad = int(packed[-1])
        return means, (bad if bad >= 0 else None)
