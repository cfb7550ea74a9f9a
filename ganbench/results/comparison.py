"""A comparison table's contents: one summary per metric and configuration, and the notes under it.

ganbench.results.compare fills these (grouping runs, ranking, testing against a baseline) and
ganbench.results.learned reads them to mark rows that did not learn; both build on this module,
which imports neither.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Iterable

from ganbench.results.index import IndexedRun
from ganbench.results.significance import CORRECTION_NAMES, Difference

CONFIDENCE = 0.95
ALPHA = 0.05
TEST_NAME = "Welch's t-test (two-sided, unequal variances)"
LABEL_KEYS = ("arch", "loss", "dataset", "stabilizers")


@dataclasses.dataclass(frozen=True)
class StudyFamily:
    """The family a table's p-values were adjusted over, when it is larger than the table
    (a study's tables adjusted together: ganbench.results.family)."""

    name: str  # what the footnote calls it, e.g. "the losses study (benchmarks/suites/losses.toml)"
    tests: int  # p-values in the whole family
    tables: int  # tables that share it
    reason: str = "the study declares one family"  # why the tables share one family, for the footnote


@dataclasses.dataclass
class MetricSummary:
    """One metric of one group over its seeds."""

    name: str
    direction: str | None  # lower, higher, or None (a logged scalar: not ranked)
    values: list[float]
    mean: float = math.nan
    std: float = math.nan
    ci: float = math.nan  # half-width of the 95% confidence interval of the mean
    rank: int | None = None
    best: bool = False
    p_value: float | None = None  # against the baseline group, before adjustment
    p_adjusted: float | None = None  # adjusted over the table's family of tests
    difference: Difference | None = None  # mean minus the baseline's mean, with its 95% CI
    significant: bool = False  # p_adjusted < alpha

    @property
    def n(self) -> int:
        return len(self.values)


@dataclasses.dataclass
class GroupSummary:
    """One configuration: its runs and their statistics."""

    group: str
    label: dict[str, str]  # arch, loss, dataset, stabilizers
    settings: str  # the other settings in which this configuration differs from the rest
    runs: list[IndexedRun]
    metrics: dict[str, MetricSummary]
    rank: int | None = None
    baseline: bool = False
    control: str | None = None  # a control's name: shown for reference, never ranked or tested
    learned: bool | None = None  # beats the one-mode/one-class control of its data (ganbench.results.learned)

    @property
    def n(self) -> int:
        return len(self.runs)

    @property
    def external(self) -> bool:
        """Samples made elsewhere (``ganbench eval --samples``): their budget is not ganbench's to count."""
        return self.label.get("arch", "").startswith("external")

    @property
    def diverged(self) -> int:
        return sum(run.status == "diverged" for run in self.runs)

    @property
    def seeds(self) -> list[int]:
        return sorted(run.seed for run in self.runs)

    @property
    def budget_steps(self) -> list[int]:
        return sorted({run.budget_steps for run in self.runs if run.budget_steps is not None})

    @property
    def images_seen(self) -> list[int]:
        return sorted({run.images_seen for run in self.runs if run.images_seen is not None})

    @property
    def wall_time_s(self) -> float | None:
        return _mean_or_none(run.wall_time_s for run in self.runs)

    @property
    def img_per_s(self) -> float | None:
        return _mean_or_none(run.img_per_s for run in self.runs)

    def describe(self) -> str:
        text = ", ".join(f"{key}={self.label[key]}" for key in LABEL_KEYS)
        return f"{text}, {self.settings}" if self.settings else text


@dataclasses.dataclass
class Comparison:
    """Everything a table needs, in display order."""

    groups: list[GroupSummary]
    metrics: list[str]
    directions: dict[str, str | None]
    sort_metric: str | None
    baseline: GroupSummary | None = None
    test_name: str = TEST_NAME
    confidence: float = CONFIDENCE
    alpha: float = ALPHA
    correction: str = "holm"
    tests: int = 0  # p-values in the family
    untested: int = 0  # row x metric pairs with too few seeds, or no variance in either group
    sort_is_headline: bool = False  # ranked by an evaluator's declared headline metric
    sort_is_default: bool = False  # the user named no --sort
    calibration_notes: list[str] = dataclasses.field(default_factory=list)  # blind spots (results.blind_spots)
    family: StudyFamily | None = None  # set when a study adjusted several tables together (results.family)
    learned_notes: list[str] = dataclasses.field(default_factory=list)  # learned and MDE notes (results.learned)
    power_effects: list[tuple[str, float]] = dataclasses.field(default_factory=list)  # --power: (metric, effect)

    @property
    def has_settings(self) -> bool:
        return any(group.settings for group in self.groups)

    def notes(self) -> list[str]:
        """The footer: what the numbers mean, the test used, and the budgets."""
        notes = [f"Cells: mean ± half-width of the {self.confidence:.0%} confidence interval over seeds "
                 f"(Student t, n-1 degrees of freedom); n: runs per configuration; best per column in bold; "
                 f"↓ lower is better, ↑ higher is better."]
        if self.sort_metric:
            notes.append(self.rank_note())
        if any(not self.directions.get(name) for name in self.metrics):
            notes.append("A metric without an arrow declares no better direction: shown, never ranked, bolded "
                         "or tested.")
        if self.baseline is not None:
            notes.append(self.significance_note())
        notes.append(self.budget_note())
        if any(group.control for group in self.groups):
            notes.append(self.controls_note())
        if any(group.diverged for group in self.groups):
            notes.append("Diverged runs count in n and in the diverged column; they have no metrics.")
        notes += self.learned_notes
        return notes + self.calibration_notes

    def controls_note(self) -> str:
        """What the control rows are, and which metrics the noise control passes."""
        text = ("Rows marked control: are reference generators evaluated with the same protocol, never ranked or "
                "tested: real (real data), noise (uniform over the data's range), one-mode/one-class (a single "
                "mode or class of real data), memorizer (the training samples themselves).")
        fooled = noise_passes(self)
        if fooled:
            text += (f" Noise scores as well as or better than every trained configuration on "
                     f"{', '.join(fooled)}: there that metric does not tell these models from noise.")
        return text

    def rank_note(self) -> str:
        if not self.sort_is_default:
            return f"Rank by {self.sort_metric}."
        if self.sort_is_headline:
            return f"Rank by {self.sort_metric}, the headline metric its evaluator declares (--sort to change)."
        return f"Rank by {self.sort_metric}, the first ranked metric: no evaluator declares a headline among these."

    def significance_note(self) -> str:
        """What a star means, and the family of tests its p-value was adjusted over."""
        rows = sum(group is not self.baseline and group.control is None for group in self.groups)
        ranked = sum(bool(self.directions.get(name)) for name in self.metrics)
        text = (f"* p < {self.alpha} against the baseline ({self.baseline.describe()}) by {self.test_name} over "
                f"seeds, {CORRECTION_NAMES[self.correction]} over {self.family_text()}: "
                f"{rows} row{'s' * (rows != 1)} × {ranked} metric{'s' * (ranked != 1)} against the baseline")
        if self.untested:
            text += f" ({self.untested} without a test: fewer than 2 seeds, or no variance in either group)"
        return text + (f". Δ: mean minus the baseline's mean with its {self.confidence:.0%} confidence interval "
                       f"(Welch-Satterthwaite degrees of freedom), then the adjusted p.")

    def family_text(self) -> str:
        """The family the stars were adjusted over: this table's tests, or a study's across its tables."""
        if self.family is None:
            return f"the family of {self.tests} tests"
        return (f"the family of {self.family.tests} tests of {self.family.name}, across its {self.family.tables} "
                f"tables ({self.family.reason}); this table's {self.tests}")

    def budget_note(self) -> str:
        # controls train nothing, and samples scored with ``eval --samples`` were trained elsewhere
        trained = [group for group in self.groups if group.control is None and not group.external]
        steps = sorted({step for group in trained for step in group.budget_steps})
        images = sorted({count for group in trained for count in group.images_seen})
        if not steps:
            return "Nothing was trained here: controls and samples made elsewhere only."
        if len(steps) == 1 and len(images) == 1:
            return f"Equal budget for every run: {steps[0]} steps, {images[0]} images seen."
        return (f"Budgets differ: steps {', '.join(map(str, steps))}; images seen "
                f"{', '.join(map(str, images))} (diverged runs stop early; n_critic multiplies images).")


def is_better(a: float, b: float, direction: str) -> bool:
    return a < b if direction == "lower" else a > b


def _mean_or_none(values: Iterable[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return sum(present) / len(present) if present else None


def noise_passes(comparison: Comparison) -> list[str]:
    """The directed metrics on which the noise control is at least as good as every trained group."""
    noise = next((group for group in comparison.groups if group.control == "noise"), None)
    trained = [group for group in comparison.groups if group.control is None]
    if noise is None or not trained:
        return []
    fooled = []
    for name, direction in comparison.directions.items():
        theirs = noise.metrics.get(name)
        ours = [group.metrics[name].mean for group in trained if name in group.metrics and group.metrics[name].n]
        if direction not in ("lower", "higher") or theirs is None or not theirs.n or not ours:
            continue
        if all(not is_better(mean, theirs.mean, direction) for mean in ours):
            fooled.append(name)
    return fooled
