"""Graded controls ("ladders"): the data set itself with one known defect at several strengths.

The controls of ``ganbench.controls`` are the end points of a scale (real data, noise, one mode, a
copy). A ladder fills the scale in: real samples with a defect whose size is known, so that a metric
can be read against it: does it get worse as the defect grows, from which step on can it tell the
step from clean data at n seeds, and which defects does it not see at all. Naeem et al. (2020),
"Reliable Fidelity and Diversity Metrics for Generative Models", and Borji (2019, 2022), "Pros and
cons of GAN evaluation measures", calibrate metrics by hand against such graded defects; here they
are control runs, evaluated with exactly the runs' protocol.

A ladder step is a control named ``DEFECT@LEVEL`` (``pixel-noise@0.1``, ``classes-dropped@3``); its
run id comes from the data, the defect, the level and the sampling seed, and it draws bit for bit
the same samples every time. ``clean@0`` is the foot of every ladder: the undamaged real samples that
every step degrades.

What every step starts from (``LadderData.base``) is data a generator never trained on where the
data set has it: fresh draws of the 2-D mixtures (their ``data_seed`` plus one), the images left out
of a training subset (``--data-opt subset=0.8`` on MNIST). A data set that trains on all its images
(digits, stacked digits) is split for the ladders: a fixed share of each class, ``HELD_OUT_SHARE``,
drawn with seed 0, is held out; the ladders' "training set" is the rest. The memorized-share ladder
copies from that training set, so a metric that compares against it (``data-copying``) can see
copying, while FID-like metrics still compare against every real image, as for runs. With a held-out
reference (``reference=held-out``) the held-out images are halved: one half is what the metrics
compare against, the other the clean foot (``split_off_reference``).

Images (values in [-1, 1]):

- ``pixel-noise@SIGMA``: Gaussian noise of standard deviation SIGMA added to every pixel (not
  clipped here; quantisation to uint8 clips it as it clips any generator's output);
- ``blur@RADIUS``: a Gaussian blur of standard deviation RADIUS pixels;
- ``classes-dropped@K``: the first K classes removed (C - K of C left); with many classes (stacked
  digits' 1,000 modes) the steps drop them in blocks of a tenth;
- ``class-imbalance@A``: a share A of the samples moved onto the first class;
- ``memorized-share@S``: a share S of the samples are copies of training images, the rest held-out
  images (S = 1: a pure memorizer);
- ``collapse@N``: only N distinct images, each repeated.

2-D mixtures: ``modes-dropped@K`` (the first K modes removed), ``mode-spread@M`` (every point's
distance to its mode's centre multiplied by M, so the modes' standard deviation is M sigma) and
``noise-share@S`` (a share S of the points replaced by uniform noise over the data's range).

On labelled images a step named with ``+labels`` (``classes-dropped@3+labels``) is the same defect as a
*conditional* generator, for the evaluators that read what a generator makes of its labels (CAS,
intra-FID): asked for class y, it answers with a sample of class y carrying the defect, and where the
defect leaves no sample of y it answers with another class, as a generator that cannot make y would:
a dropped class is answered from the kept ones, ``class-imbalance@A`` answers a share A of the asks
with the first class whatever was asked, and ``collapse@N`` answers from those of its N images that
have the class asked for (any of them when none has). Asked for labels drawn with the data's class
shares, every such step draws the same mixture of images as its unlabelled twin, so the
unconditional metrics read the same defect; it is its own control run (its own id), and the
unlabelled steps draw exactly what they drew before.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable

import torch
from torch import nn

from ganbench.data.subset import stratified_subset
from ganbench.errors import ConfigError, Incompatible

HELD_OUT_SHARE = 0.2  # of each class, held out for the ladders where the data set has no split of its own
LABELS_MARK = "+labels"  # a step name ending in it is the step as a class-conditional generator
SPLIT_SEED = 0
CLEAN = "clean"  # the foot of every ladder: the base samples, undamaged
CALIBRATION_FOLDER = "calibration"  # under a results directory: the ladder runs and DATASET.json (calibrate)


@dataclasses.dataclass
class LadderData:
    """What the ladders of one data set are made from.

    ``base`` (with ``base_labels``) is what the clean step draws and every other step degrades: data
    the generator never trained on where there is any. ``training`` is what a generator would have
    trained on (the memorized-share ladder copies it). Mixtures also give their ``centers`` and
    ``std``, and the mode of each base point."""

    kind: str  # "image" or "vector"
    base: torch.Tensor
    base_labels: torch.Tensor | None
    training: torch.Tensor
    num_classes: int = 0
    training_labels: torch.Tensor | None = None
    centers: torch.Tensor | None = None
    std: float | None = None
    held_out_is_split: bool = False  # the held-out part was split off for the ladders, not by the data set
    # With a held-out reference (``reference=held-out``), the half of the held-out images the evaluators
    # compare against; the other half is ``base``. None: the evaluators read the data set as for runs.
    reference: torch.Tensor | None = None
    reference_labels: torch.Tensor | None = None

    @property
    def base_modes(self) -> torch.Tensor | None:
        """Nearest mode of each base point (mixtures): its mode, the modes being far apart."""
        if self.centers is None:
            return None
        return torch.cdist(self.base, self.centers.to(self.base)).argmin(dim=1)


# Generators -------------------------------------------------------------------------------------------

class PoolSampler(nn.Module):
    """Draws from ``pool`` (with replacement, by ``weights`` when given) and applies ``transform``.

    Given the pool's ``labels``, it also answers as a class-conditional generator: asked for labels y
    (``forward(z, y)``), sample i is a random pool member of class y_i, or of the first class for a share
    ``label_ignored_share`` of the asks, or any pool member where the pool has no sample of the class.
    Without y it draws as it always did.

    It has no weights to train; one seeded random generator makes every draw, so the same step with the
    same seed gives the same samples."""

    def __init__(self, pool: torch.Tensor, seed: int, weights: torch.Tensor | None = None,
                 transform: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
                 labels: torch.Tensor | None = None, label_ignored_share: float = 0.0) -> None:
        super().__init__()
        self.register_buffer("pool", pool, persistent=False)
        self.weights = weights
        self.transform = transform
        self.rng = torch.Generator(device=pool.device)
        self.rng.manual_seed(seed)
        self.by_class = None if labels is None else ClassIndex(labels.to(pool.device))
        self.label_ignored_share = label_ignored_share

    def draw(self, count: int, y: torch.Tensor | None = None) -> torch.Tensor:
        if y is not None and self.by_class is not None:
            index = self.by_class.draw(self.asked_classes(y), self.rng)
        elif self.weights is None:
            index = torch.randint(len(self.pool), (count,), device=self.pool.device, generator=self.rng)
        else:
            index = torch.multinomial(self.weights, count, replacement=True, generator=self.rng)
        picked = self.pool[index]
        return picked if self.transform is None else self.transform(picked, self.rng)

    def asked_classes(self, y: torch.Tensor) -> torch.Tensor:
        """The labels asked for, a share ``label_ignored_share`` of them replaced by the first class."""
        asked = y.to(self.pool.device).long()
        if not self.label_ignored_share:
            return asked
        ignored = torch.rand(len(asked), device=asked.device, generator=self.rng) < self.label_ignored_share
        return torch.where(ignored, torch.full_like(asked, self.by_class.first_class), asked)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.draw(z.shape[0], y)


class ClassIndex:
    """The pool's members grouped by class, to draw a random member of each asked class at once."""

    def __init__(self, labels: torch.Tensor) -> None:
        self.order = torch.argsort(labels, stable=True)
        self.counts = torch.bincount(labels)
        self.offsets = torch.cumsum(self.counts, 0) - self.counts
        self.first_class = int(labels.min())
        self.size = len(labels)

    def draw(self, classes: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        """A random member of each class; a class with no member (dropped, or beyond the pool's) gets any member."""
        known = classes < len(self.counts)
        safe = torch.where(known, classes, torch.zeros_like(classes))
        counts = torch.where(known, self.counts[safe], torch.zeros_like(safe))
        uniform = torch.rand(len(classes), device=classes.device, generator=rng)
        within = (uniform * counts.clamp(min=1)).long().clamp(max=(counts - 1).clamp(min=0))
        anywhere = (uniform * self.size).long().clamp(max=self.size - 1)
        return torch.where(counts > 0, self.order[self.offsets[safe] + within], self.order[anywhere])


class ExactShare(nn.Module):
    """Sample i comes from ``second`` exactly when floor((i + 1) s) > floor(i s): of any first n samples,
    floor(n s) come from ``second``, with no sampling error in the share itself."""

    def __init__(self, first: PoolSampler, second: nn.Module, share: float) -> None:
        super().__init__()
        self.first, self.second, self.share = first, second, share
        self.position = 0

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        count = z.shape[0]
        positions = torch.arange(self.position, self.position + count, dtype=torch.float64)
        from_second = torch.floor((positions + 1) * self.share) > torch.floor(positions * self.share)
        self.position += count
        out = self.first.draw(count, y)
        chosen = int(from_second.sum())
        if chosen:
            asked = None if y is None else y[from_second.to(y.device)]
            out[from_second.to(out.device)] = self.second(z[:chosen], asked).to(out.dtype)
        return out


class UniformBox(nn.Module):
    """Uniform noise between per-coordinate bounds."""

    def __init__(self, low: torch.Tensor, high: torch.Tensor, seed: int) -> None:
        super().__init__()
        self.low, self.high = low, high
        self.rng = torch.Generator(device=low.device)
        self.rng.manual_seed(seed)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        draw = torch.rand((z.shape[0], *self.low.shape), device=self.low.device, generator=self.rng)
        return self.low + draw * (self.high - self.low)


# Defects ----------------------------------------------------------------------------------------------

def add_pixel_noise(sigma: float) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor]:
    def transform(images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
        noise = torch.randn(images.shape, device=images.device, generator=rng)
        return images + sigma * noise
    return transform


def gaussian_blur(images: torch.Tensor, radius: float) -> torch.Tensor:
    """Images (N, C, H, W) blurred by a Gaussian of standard deviation ``radius`` px (separable, reflected
    at the border, kernel out to three standard deviations)."""
    half = max(1, math.ceil(3 * radius))
    half = min(half, images.shape[-1] - 1)  # reflect padding needs the pad below the image side
    offsets = torch.arange(-half, half + 1, dtype=torch.float32, device=images.device)
    kernel = torch.exp(-offsets ** 2 / (2 * radius ** 2))
    kernel = kernel / kernel.sum()
    channels = images.shape[1]
    padded = nn.functional.pad(images, (half, half, half, half), mode="reflect")
    rows = nn.functional.conv2d(padded, kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1), groups=channels)
    return nn.functional.conv2d(rows, kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1), groups=channels)


def class_weights(labels: torch.Tensor, share_to_first: float) -> torch.Tensor:
    """Per-sample weights that give class c the probability (1 - a) q_c + a [c = first class], q_c its
    share in ``labels``: a share a of the samples moved onto the first class."""
    first = int(labels.min())
    counts = torch.bincount(labels)
    shares = counts.double() / counts.sum()
    target = (1 - share_to_first) * shares
    target[first] += share_to_first
    return (target[labels] / counts[labels].double()).float()


def dropped_classes_pool(data: LadderData, dropped: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The base samples of every class but the first ``dropped`` (by label, or by mode for mixtures), and
    their labels."""
    groups = data.base_labels if data.base_labels is not None else data.base_modes
    kept = groups >= dropped
    if not bool(kept.any()):
        raise Incompatible(f"dropping {dropped} classes leaves no sample of this data.")
    return data.base[kept], None if data.base_labels is None else data.base_labels[kept]


def distinct_images(data: LadderData, count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor | None]:
    order = torch.randperm(len(data.base), generator=torch.Generator().manual_seed(seed))
    chosen = order[:count].to(data.base.device)
    return data.base[chosen], None if data.base_labels is None else data.base_labels[chosen]


def spread_modes(data: LadderData, factor: float) -> torch.Tensor:
    centers = data.centers.to(data.base)[data.base_modes]
    return centers + factor * (data.base - centers)


# Every image step knows its pool's labels, so that it can answer asks for a class (``+labels`` steps);
# asked for none, it draws as an unconditional generator.

def build_clean(data: LadderData, level: float, seed: int) -> nn.Module:
    return PoolSampler(data.base, seed, labels=data.base_labels)


def build_pixel_noise(data: LadderData, level: float, seed: int) -> nn.Module:
    return PoolSampler(data.base, seed, transform=add_pixel_noise(level), labels=data.base_labels)


def build_blur(data: LadderData, level: float, seed: int) -> nn.Module:
    return PoolSampler(gaussian_blur(data.base, level), seed, labels=data.base_labels)


def build_classes_dropped(data: LadderData, level: float, seed: int) -> nn.Module:
    pool, labels = dropped_classes_pool(data, int(level))
    return PoolSampler(pool, seed, labels=labels)


def build_class_imbalance(data: LadderData, level: float, seed: int) -> nn.Module:
    return PoolSampler(data.base, seed, weights=class_weights(data.base_labels, level), labels=data.base_labels,
                       label_ignored_share=level)


def build_memorized_share(data: LadderData, level: float, seed: int) -> nn.Module:
    copies = PoolSampler(data.training, seed + 1, labels=data.training_labels)
    return ExactShare(PoolSampler(data.base, seed, labels=data.base_labels), copies, level)


def build_collapse(data: LadderData, level: float, seed: int) -> nn.Module:
    pool, labels = distinct_images(data, int(level), seed)
    return PoolSampler(pool, seed, labels=labels)


def build_spread(data: LadderData, level: float, seed: int) -> nn.Module:
    return PoolSampler(spread_modes(data, level), seed)


def build_noise_share(data: LadderData, level: float, seed: int) -> nn.Module:
    low, high = data.training.min(dim=0).values, data.training.max(dim=0).values
    return ExactShare(PoolSampler(data.base, seed), UniformBox(low, high, seed + 1), level)


@dataclasses.dataclass(frozen=True)
class Defect:
    """One ladder: its name, what the level means, the data it applies to, its steps (mild to severe)."""

    name: str
    level_means: str
    applies: Callable[[LadderData], bool]
    steps: Callable[[LadderData], tuple[float, ...]]
    build: Callable[[LadderData, float, int], nn.Module]
    valid: Callable[[LadderData, float], bool]
    severity_rises_with_level: bool = True  # collapse@N is worse for smaller N

    def severity(self, level: float) -> float:
        return level if self.severity_rises_with_level else -level


def is_image(data: LadderData) -> bool:
    return data.kind == "image"


def is_labelled_image(data: LadderData) -> bool:
    return data.kind == "image" and data.base_labels is not None


def is_mixture(data: LadderData) -> bool:
    return data.centers is not None


def share(data: LadderData, level: float) -> bool:
    return 0 <= level <= 1


def class_steps(data: LadderData) -> tuple[float, ...]:
    """K = 1 .. C-1, or blocks of a tenth of the classes when there are many (stacked digits' 1,000 modes)."""
    classes = data.num_classes
    if classes <= 10:
        return tuple(float(k) for k in range(1, classes))
    block = classes // 10
    return tuple(float(k * block) for k in range(1, 10))


def mode_steps(data: LadderData) -> tuple[float, ...]:
    modes = len(data.centers)
    if modes <= 10:
        return tuple(float(k) for k in range(1, modes))
    return tuple(float(k) for k in sorted({1, 2, 3, 5, modes // 4, modes // 2, 3 * modes // 4, modes - 1}))


def collapse_steps(data: LadderData) -> tuple[float, ...]:
    return tuple(float(n) for n in (300, 100, 30, 10, 3, 1) if n <= len(data.base))


def whole_count_below(limit: Callable[[LadderData], int]) -> Callable[[LadderData, float], bool]:
    return lambda data, level: float(level).is_integer() and 0 <= level < limit(data)


DEFECTS: dict[str, Defect] = {defect.name: defect for defect in (
    Defect(CLEAN, "none: the base samples themselves", lambda data: True, lambda data: (),
           build_clean, lambda data, level: level == 0),
    Defect("pixel-noise", "standard deviation of Gaussian pixel noise on the [-1, 1] scale", is_image,
           lambda data: (0.05, 0.1, 0.2, 0.4), build_pixel_noise, lambda data, level: level >= 0),
    Defect("blur", "standard deviation of a Gaussian blur, in pixels", is_image,
           lambda data: (0.5, 1.0, 2.0), build_blur, lambda data, level: level > 0),
    Defect("classes-dropped", "classes removed (the first K)", is_labelled_image, class_steps,
           build_classes_dropped, whole_count_below(lambda data: data.num_classes)),
    Defect("class-imbalance", "share of samples moved onto the first class", is_labelled_image,
           lambda data: (0.25, 0.5, 0.75, 0.9), build_class_imbalance, share),
    Defect("memorized-share", "share of samples that are copies of training images", is_image,
           lambda data: (0.25, 0.5, 0.75, 1.0), build_memorized_share, share),
    Defect("collapse", "distinct images, each repeated (fewer is worse)", is_image, collapse_steps,
           build_collapse, lambda data, level: float(level).is_integer() and 1 <= level <= len(data.base),
           severity_rises_with_level=False),
    Defect("modes-dropped", "modes removed (the first K)", is_mixture, mode_steps, build_classes_dropped,
           whole_count_below(lambda data: len(data.centers))),
    Defect("mode-spread", "the modes' standard deviation, in multiples of the data's", is_mixture,
           lambda data: (1.5, 2.0, 3.0, 5.0), build_spread, lambda data, level: level > 0),
    Defect("noise-share", "share of points replaced by uniform noise", is_mixture,
           lambda data: (0.1, 0.25, 0.5, 1.0), build_noise_share, share),
)}


# Names ------------------------------------------------------------------------------------------------

def step_name(defect: str, level: float, labelled: bool = False) -> str:
    """``pixel-noise@0.1``: the control name of one step; ``pixel-noise@0.1+labels`` as a conditional generator."""
    return f"{defect}@{level:g}" + (LABELS_MARK if labelled else "")


def is_step_name(name: str | None) -> bool:
    return bool(name) and "@" in name


def is_labelled_step(name: str | None) -> bool:
    """Whether a step is the class-conditional kind (``...+labels``)."""
    return is_step_name(name) and name.endswith(LABELS_MARK)


def parse_step(name: str) -> tuple[Defect, float]:
    """The defect and level of a step name; a ConfigError in one sentence when it names none."""
    name = name.removesuffix(LABELS_MARK)
    defect, _, level = name.partition("@")
    if defect not in DEFECTS:
        raise ConfigError(f"unknown ladder {defect!r} in {name!r}; choose from {', '.join(DEFECTS)}.")
    try:
        value = float(level)
    except ValueError:
        raise ConfigError(f"ladder step {name!r} needs a number after '@', e.g. {defect}@0.1.") from None
    return DEFECTS[defect], value


def ladders_for(data: LadderData) -> list[Defect]:
    """The defects that apply to this data, the clean foot excepted."""
    return [defect for defect in DEFECTS.values() if defect.name != CLEAN and defect.applies(data)]


def build_step(name: str, data: LadderData, seed: int) -> nn.Module:
    """The generator of step ``name``; Incompatible when the step does not apply to this data."""
    defect, level = parse_step(name)
    if is_labelled_step(name) and not is_labelled_image(data):
        raise Incompatible(f"ladder step {name!r} is a class-conditional generator, and this data has no "
                           f"labelled images; drop {LABELS_MARK!r}.")
    if not defect.applies(data):
        raise Incompatible(f"ladder {defect.name!r} does not apply to this data; its ladders are "
                           f"{', '.join(d.name for d in ladders_for(data))}.")
    if not defect.valid(data, level):
        raise Incompatible(f"ladder step {name!r} is out of range: the level is the {defect.level_means}.")
    return defect.build(data, level, seed)


# The data ---------------------------------------------------------------------------------------------

def ladder_data(source, fresh_real: torch.Tensor | None) -> LadderData:
    """The ladders' view of a data source: its held-out part (or fresh draws) as the base, its training
    part as what a memorizer copies; data sets without a split get a fixed one (``HELD_OUT_SHARE``)."""
    real, labels = source.whole_data()
    real = real.float()
    centers = getattr(source, "centers", None)
    if fresh_real is not None:  # the mixtures: new draws of the same distribution
        return LadderData(source.spec.kind, fresh_real.float(), None, source.training_data()[0].float(),
                          source.spec.num_classes, centers=centers, std=getattr(source, "std", None))
    held_out = held_out_index(source)
    split_here = held_out is None
    if split_here:
        held_out = split_for_ladders(labels, len(real)).to(real.device)
    training = torch.ones(len(real), dtype=torch.bool, device=real.device)
    training[held_out] = False
    held_out, reference = split_off_reference(source, held_out, labels)
    return LadderData(source.spec.kind, real[held_out], None if labels is None else labels[held_out], real[training],
                      source.spec.num_classes, training_labels=None if labels is None else labels[training],
                      centers=centers, std=getattr(source, "std", None), held_out_is_split=split_here,
                      reference=None if reference is None else real[reference],
                      reference_labels=None if reference is None or labels is None else labels[reference])


def split_off_reference(source, held_out: torch.Tensor,
                        labels: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(clean foot, reference) indices of the held-out images. Where the evaluators compare against the
    held-out images (``reference=held-out``), the clean foot must not be those very images, or it reads
    as a perfect copy of the reference and every other pool (copies of training images, but also new
    images of the same distribution) looks worse: half of each class (seed 0) is the reference, the
    other half the clean foot. Elsewhere the clean foot is every held-out image and there is no split."""
    if getattr(source, "reference", "all") != "held-out":
        return held_out, None
    if labels is not None:
        chosen = stratified_subset(labels[held_out].cpu(), 0.5, SPLIT_SEED).to(held_out.device)
    else:
        chosen = torch.randperm(len(held_out), generator=torch.Generator().manual_seed(SPLIT_SEED))[: len(held_out) // 2]
    in_reference = torch.zeros(len(held_out), dtype=torch.bool, device=held_out.device)
    in_reference[chosen.to(held_out.device)] = True
    return held_out[~in_reference], held_out[in_reference]


def held_out_index(source) -> torch.Tensor | None:
    """Indices of the data set's images that training never draws (a training subset's complement)."""
    index = getattr(source, "train_index", None)
    if index is None:
        return None
    everything = torch.ones(source.whole_data()[0].shape[0], dtype=torch.bool)
    everything[index.cpu()] = False
    return torch.nonzero(everything).flatten()


def split_for_ladders(labels: torch.Tensor | None, count: int) -> torch.Tensor:
    """A fixed ``HELD_OUT_SHARE`` of each class (or of everything, unlabelled), drawn with ``SPLIT_SEED``."""
    if labels is not None:
        return stratified_subset(labels.cpu(), HELD_OUT_SHARE, SPLIT_SEED)
    order = torch.randperm(count, generator=torch.Generator().manual_seed(SPLIT_SEED))
    return order[: max(1, round(HELD_OUT_SHARE * count))].sort().values


class LadderSource:
    """The data source as the ladders split it: evaluators read every real sample as for runs
    (``all_data``), or, with a held-out reference, the half of the held-out images kept as the
    reference; a copying test reads the ladders' training and held-out parts."""

    def __init__(self, source, data: LadderData) -> None:
        self._source, self._data = source, data
        self.spec = source.spec

    def __getattr__(self, name: str):
        return getattr(self._source, name)

    def all_data(self, limit: int | None = None):
        if self._data.reference is None:
            return self._source.all_data(limit)
        stop = len(self._data.reference) if limit is None else min(limit, len(self._data.reference))
        labels = self._data.reference_labels
        return self._data.reference[:stop], None if labels is None else labels[:stop]

    def reference_description(self) -> str:
        if self._data.reference is None:
            return self._source.reference_description()
        return (f"the {len(self._data.reference)} held-out samples the ladders keep as the reference "
                f"(the other {len(self._data.base)} are the clean foot; reference=held-out)")

    def training_data(self):
        return self._data.training, self._data.training_labels

    def held_out_data(self):
        return self._data.base, self._data.base_labels
