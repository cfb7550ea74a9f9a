"""Training stability from the run's own log, and a flag for a generator whose samples collapsed.

From ``metrics.jsonl`` (one row of window means per log interval):

- the mean and variance of each loss and of D's accuracy on real and on fake over the last half
  of the run (rows logged after half the steps), the figures the stabilizer studies compare;
- the step of divergence, if any: the first logged step at which a loss is not finite or its
  magnitude passes ``loss_limit``, or from which D tells real from fake almost perfectly
  (both accuracies >= ``d_win_accuracy``) in every remaining row. A discriminator that wins for
  good leaves the generator without a useful gradient (Arjovsky & Bottou 2017, "Towards
  Principled Methods for Training Generative Adversarial Networks").

From samples: the diversity ratio, the mean pairwise distance between generated samples over the
same figure for real samples; a generator whose samples are all alike ("the Helvetica
scenario", Goodfellow 2016, "NIPS 2016 Tutorial: Generative Adversarial Networks") has a ratio
near 0, and ``collapse`` is 1 when the ratio falls below ``collapse_ratio``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence

import torch

from ganbench.contracts.evaluator import EvalContext, Evaluator

TRACKED = ("d_loss_real", "d_loss_fake", "g_loss", "d_acc_real", "d_acc_fake")
LOSSES = ("d_loss_real", "d_loss_fake", "g_loss")


def last_half(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows logged after half of the last logged step; at least the last row."""
    if not rows:
        return []
    halfway = rows[-1]["step"] / 2
    return [row for row in rows if row["step"] > halfway] or [rows[-1]]


def mean_and_variance(values: Sequence[float]) -> tuple[float, float]:
    """Mean and population variance of the window means."""
    tensor = torch.tensor([float(value) for value in values], dtype=torch.float64)
    return float(tensor.mean()), float(tensor.var(correction=0))


def summary_statistics(rows: Sequence[dict[str, Any]]) -> dict[str, float]:
    """``stability_<scalar>_mean`` and ``_var`` over the last half of the run."""
    window = last_half(rows)
    figures: dict[str, float] = {}
    for name in TRACKED:
        values = [row[name] for row in window if row.get(name) is not None]
        if values:
            figures[f"stability_{name}_mean"], figures[f"stability_{name}_var"] = mean_and_variance(values)
    return figures


def divergence_step(rows: Sequence[dict[str, Any]], loss_limit: float = 1e4, d_win_accuracy: float = 0.99,
                    min_rows: int = 2) -> int | None:
    """The first logged step of divergence, or None (see the module docstring)."""
    for row in rows:
        if any(not math.isfinite(float(row.get(name, 0.0))) or abs(float(row.get(name, 0.0))) > loss_limit
               for name in LOSSES):
            return int(row["step"])
    winning = 0  # rows at the end of the run in which D wins
    for row in reversed(rows):
        if min(row.get("d_acc_real", 0.0), row.get("d_acc_fake", 0.0)) < d_win_accuracy:
            break
        winning += 1
    if winning >= min_rows:
        return int(rows[len(rows) - winning]["step"])
    return None


def mean_pairwise_distance(samples: torch.Tensor) -> float:
    """Mean Euclidean distance over all pairs of distinct samples (flattened)."""
    flat = samples.detach().float().flatten(1)
    count = flat.shape[0]
    if count < 2:
        return 0.0
    distances = torch.cdist(flat, flat)
    return float(distances.sum() / (count * (count - 1)))


def diversity_ratio(generated: torch.Tensor, real: torch.Tensor) -> float:
    """Mean pairwise distance of generated samples over that of real ones: about 1 matches the data."""
    return mean_pairwise_distance(generated) / max(mean_pairwise_distance(real), 1e-12)


@dataclasses.dataclass(frozen=True)
class StabilityOptions:
    collapse_samples: int = 500  # generated and real samples whose pairwise distances are compared
    collapse_ratio: float = 0.1  # collapse when generated diversity is below this share of the real one
    d_win_accuracy: float = 0.99  # D accuracy on real and on fake above which D has won
    loss_limit: float = 1e4  # a loss beyond this magnitude has diverged

    def __post_init__(self) -> None:
        if self.collapse_samples < 2:
            raise ValueError(f"collapse_samples must be at least 2, got {self.collapse_samples}.")
        if not 0 < self.collapse_ratio < 1:
            raise ValueError(f"collapse_ratio must be in (0, 1), got {self.collapse_ratio}.")
        if not 0 < self.d_win_accuracy <= 1:
            raise ValueError(f"d_win_accuracy must be in (0, 1], got {self.d_win_accuracy}.")
        if not self.loss_limit > 0:
            raise ValueError(f"loss_limit must be positive, got {self.loss_limit}.")


class Stability(Evaluator):
    """Loss and accuracy statistics over the last half of the run, divergence step, collapse flag."""

    name = "stability"
    description = "Mean and variance of losses and D accuracy over the last half, divergence step, collapse flag."
    Options = StabilityOptions
    # The means of losses and accuracies have no better direction; their variances do.
    directions = {**{f"stability_{name}_var": "lower" for name in TRACKED},
                  "stability_diverged": "lower", "collapse": "lower", "diversity_ratio": "higher"}
    headline = "diversity_ratio"

    def evaluate(self, ctx: EvalContext) -> dict[str, float]:
        rows = ctx.metrics_rows
        figures = summary_statistics(rows)
        diverged_at = divergence_step(rows, self.options.loss_limit, self.options.d_win_accuracy)
        figures["stability_diverged"] = float(diverged_at is not None)
        if diverged_at is not None:
            figures["stability_diverged_at"] = float(diverged_at)
        ratio = self.sample_diversity(ctx)
        figures["diversity_ratio"] = ratio
        figures["collapse"] = float(ratio < self.options.collapse_ratio)
        return figures

    def sample_diversity(self, ctx: EvalContext) -> float:
        count = min(self.options.collapse_samples, ctx.num_samples)
        generated, _ = ctx.sample(count)
        real, _ = ctx.real(count)
        return diversity_ratio(generated, real)

    def protocol(self, ctx: EvalContext) -> dict[str, Any]:
        rows = ctx.metrics_rows
        window = last_half(rows)
        count = min(self.options.collapse_samples, ctx.num_samples)
        return {
            "log_rows": len(rows), "last_half_rows": len(window),
            "last_half_from_step": window[0]["step"] if window else None,
            "variance": "population variance of the logged window means",
            "divergence": f"non-finite or |loss| > {self.options.loss_limit:g}, or D accuracy on real and fake "
                          f">= {self.options.d_win_accuracy:g} in every row from that step on (2 rows at least)",
            "collapse": f"mean pairwise distance of {count} generated samples below "
                        f"{self.options.collapse_ratio:g} x that of {count} real samples",
            "generated_samples": count, "seed": ctx.seed,
        }
