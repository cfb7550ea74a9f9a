"""The papers' mode-counting protocols tell a generator from noise (issue 17, item 2).

VEEGAN/PacGAN on the 2-D mixtures: 2,500 samples, high quality within three standard deviations,
a mode covered with one high-quality sample (``modes_covered_paper``, as PacGAN's released code
counts); ganbench's own ``modes_covered`` needs 20. Stacked MNIST: 26,000 samples, a
mode covered with one sample. Each test calls the metric function directly on tensors.
"""

import math

import pytest
import torch

from ganbench.datasets.digits import digit_images
from ganbench.datasets.mixtures import Grid25, Ring8, draw_mixture
from ganbench.evaluate.mode_coverage import ModeCoverageOptions, mode_figures
from ganbench.evaluate.stacked_modes import StackedModesOptions, stacked_figures

MIXTURES = [(Ring8(), 8), (Grid25(), 25)]


def mixture(dataset):
    return dataset.raw_centers() / dataset.scale, dataset.std / dataset.scale


def test_the_defaults_are_the_papers_samples_and_radius_with_ganbenchs_twenty_points():
    assert (ModeCoverageOptions().samples, ModeCoverageOptions().radius_stds, ModeCoverageOptions().min_points) \
        == (2500, 3.0, 20)
    assert (StackedModesOptions().samples, StackedModesOptions().min_samples) == (26_000, 1)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("dataset,most", [(Ring8(), 1), (Grid25(), 2)])
def test_uniform_noise_over_the_data_range_covers_almost_no_mode(dataset, most, seed):
    centers, std = mixture(dataset)
    noise = torch.rand(2500, 2, generator=torch.Generator().manual_seed(seed)) * 2 - 1
    assert mode_figures(noise, centers, std)["modes_covered"] <= most


def test_the_papers_count_needs_one_high_quality_point_and_ganbenchs_twenty():
    centers, std = mixture(Ring8())
    on_mode = lambda mode, n: centers[mode] + torch.zeros(n, 2)  # exactly on the centre: high quality
    far = torch.full((100, 2), 5.0)  # off every mode: not high quality
    points = torch.cat([on_mode(0, 1), on_mode(1, 19), on_mode(2, 20), on_mode(3, 60), far])
    figures = mode_figures(points, centers, std)
    assert figures["modes_covered_paper"] == 4  # modes 0-3 each have at least one point
    assert figures["modes_covered"] == 2  # only modes 2 and 3 have 20 or more
    assert figures["high_quality_share"] == pytest.approx(100 / 200)


def test_a_single_high_quality_point_per_mode_no_longer_covers_it():
    # VEEGAN's count (min_points=1) is what let noise cover ~20 of 25 grid modes.
    centers, std = mixture(Grid25())
    noise = torch.rand(2500, 2, generator=torch.Generator().manual_seed(0)) * 2 - 1
    assert mode_figures(noise, centers, std, min_points=1)["modes_covered"] >= 15
    assert mode_figures(noise, centers, std)["modes_covered_paper"] >= 15  # the papers' count, reported beside
    assert mode_figures(noise, centers, std)["modes_covered"] == 0


@pytest.mark.parametrize("dataset,modes", MIXTURES)
def test_samples_of_the_real_mixture_cover_every_mode(dataset, modes):
    centers, std = mixture(dataset)
    _, points = draw_mixture(centers, std, 2500, data_seed=7)
    figures = mode_figures(points, centers, std)
    assert figures["modes_covered"] == modes
    assert figures["high_quality_share"] > 0.97  # 1 - exp(-9/2) = 0.989 of a 2-D Gaussian lies within 3 sigma
    assert figures["mode_reverse_kl"] < 0.02


@pytest.mark.parametrize("dataset,modes", MIXTURES)
def test_samples_of_a_single_mode_cover_one_with_the_largest_reverse_kl(dataset, modes):
    centers, std = mixture(dataset)
    points = centers[3] + torch.randn(2500, 2, generator=torch.Generator().manual_seed(0)) * std
    figures = mode_figures(points, centers, std)
    assert figures["modes_covered"] == 1
    assert figures["mode_reverse_kl"] == pytest.approx(math.log(modes))


def test_no_high_quality_point_gives_the_reverse_kl_of_a_total_collapse():
    centers, std = mixture(Ring8())
    assert mode_figures(torch.full((100, 2), 5.0), centers, std)["mode_reverse_kl"] == pytest.approx(math.log(8))


def stacked(picks: torch.Tensor, images: torch.Tensor) -> torch.Tensor:
    return torch.cat([images[picks[:, channel]] for channel in range(3)], dim=1)


def test_real_stacked_digits_cover_nearly_every_mode_they_contain():
    images, classes = digit_images(8)
    picks = torch.randint(len(images), (3000, 3), generator=torch.Generator().manual_seed(2))
    present = len(torch.unique(classes[picks][:, 0] * 100 + classes[picks][:, 1] * 10 + classes[picks][:, 2]))
    covered = stacked_figures(stacked(picks, images))["stacked_modes_covered"]
    assert present * 0.95 <= covered <= 1000


def test_a_one_mode_stacked_generator_covers_one_mode():
    images, _ = digit_images(8)
    one = stacked(torch.tensor([[0, 1, 2]]).repeat(500, 1), images)
    figures = stacked_figures(one)
    assert figures["stacked_modes_covered"] == 1
    assert figures["stacked_kl"] == pytest.approx(math.log(1000))
