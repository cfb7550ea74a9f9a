"""Sample-space evaluators on cases with known answers, the best step, and end-to-end runs."""

import json
import math

import pytest
import torch

from ganbench.plugin_host import plugins
from ganbench.contracts.architecture import BuildRequest, Neck
from ganbench.config import Choice, RunConfig
from ganbench.contracts.dataset import DataRequest
from ganbench.datasets.digits import digit_images
from ganbench.datasets.mixtures import MixtureSource, Ring8
from ganbench.data.source import TensorSource
from ganbench.data.spec import DataSpec
from ganbench.engine.run import run
from ganbench.engine.setup import prepare
from ganbench.engine.best_step import best_steps
from ganbench.evaluate.classification_accuracy_score import ClassificationAccuracyScore
from ganbench.contracts.evaluator import EvalContext
from ganbench.evaluate.linear_probe import LinearProbe
from ganbench.evaluate.mode_coverage import ModeCoverage, reverse_kl
from ganbench.evaluate.stability import Stability, divergence_step, summary_statistics
from ganbench.evaluate.stacked_modes import (classify_digit_channels, kl_to_uniform, modes_with_samples,
                                             perfect_generator_modes, stacked_histogram)

CPU = torch.device("cpu")


def context(source, samples, labels=None, rows=(), discriminator=None, num_samples=None):
    """An EvalContext whose "generator" returns fixed samples (the first n of them)."""
    def sample(n, seed):
        return samples[:n], None if labels is None else labels[:n]
    return EvalContext(spec=source.spec, dataset=source.spec.name, source=source, device=CPU,
                       num_samples=num_samples or len(samples), seed=0, run_dir=None, sample_fn=sample,
                       metrics_rows=list(rows), discriminator=discriminator)


def ring8_source(real_per_mode=10):
    dataset = Ring8()
    centers = dataset.raw_centers() / dataset.scale
    modes = torch.arange(8).repeat(real_per_mode)
    return MixtureSource(DataSpec("ring8", "vector", (2,)), centers[modes], modes, centers,
                         dataset.std / dataset.scale, CPU, 0)


def hand_placed_points(source):
    """100 points within one standard deviation of modes 0, 2 and 4, and 10 far beyond mode 0."""
    generator = torch.Generator().manual_seed(0)
    near = [source.centers[mode] + (torch.rand(100, 2, generator=generator) - 0.5) * source.std for mode in (0, 2, 4)]
    far = source.centers[0] * 3 + torch.zeros(10, 2)
    return torch.cat([*near, far])


def test_mode_coverage_counts_hand_placed_points():
    source = ring8_source()
    figures = ModeCoverage().evaluate(context(source, hand_placed_points(source)))
    assert figures["modes_covered"] == 3
    assert figures["high_quality_share"] == pytest.approx(300 / 310)
    # Only the 300 high-quality points count: 100 at each of modes 0, 2 and 4, against the uniform mixture.
    assert figures["mode_reverse_kl"] == pytest.approx(math.log(8 / 3))


def test_a_mode_needs_high_quality_points_to_be_covered():
    source = ring8_source()
    off_mode = source.centers[:4] + 10 * source.std  # near modes 0-3, but outside three standard deviations
    figures = ModeCoverage().evaluate(context(source, off_mode))
    assert figures["modes_covered"] == 0 and figures["high_quality_share"] == 0


def test_reverse_kl_matches_a_hand_computation():
    assert reverse_kl(torch.tensor([3, 1, 0, 0]), torch.tensor([1, 1, 1, 1])) == pytest.approx(0.75 * math.log(3))
    assert reverse_kl(torch.tensor([2, 2]), torch.tensor([5, 5])) == pytest.approx(0.0)
    # Generated mass where the real data have none counts against a real share of 1e-12: large, not infinite.
    expected = 0.5 * math.log(0.5 / 1.0) + 0.5 * math.log(0.5 / 1e-12)
    assert reverse_kl(torch.tensor([1, 1]), torch.tensor([1, 0])) == pytest.approx(expected)


def test_mode_coverage_without_mixture_centres_measures_nothing_and_says_why():
    spec = DataSpec("blobs", "vector", (2,))
    source = TensorSource(spec, torch.zeros(8, 2), None, CPU, 0)
    evaluator = ModeCoverage()
    assert evaluator.evaluate(context(source, torch.zeros(8, 2))) == {}
    assert "no mixture centres" in evaluator.protocol(context(source, torch.zeros(8, 2)))["skipped"]


def test_stacked_kl_to_uniform_is_zero_for_uniform_and_log_1000_for_one_mode():
    uniform = stacked_histogram(torch.arange(1000).repeat(3))
    assert kl_to_uniform(uniform) == pytest.approx(0.0, abs=1e-12)
    assert modes_with_samples(uniform) == 1000
    single = stacked_histogram(torch.full((500,), 123))
    assert kl_to_uniform(single) == pytest.approx(math.log(1000))
    assert modes_with_samples(single) == 1


def test_a_perfect_generator_covers_fewer_modes_than_it_has_samples_for():
    assert perfect_generator_modes(1000) == pytest.approx(1000 * (1 - 0.999 ** 1000))
    assert 860 < perfect_generator_modes(2000) < 870


def test_the_channel_classifier_reads_real_stacked_digits():
    images, classes = digit_images(16)
    picks = torch.randint(len(images), (300, 3), generator=torch.Generator().manual_seed(1))
    stacked = torch.cat([images[picks[:, channel]] for channel in range(3)], dim=1)
    predicted = classify_digit_channels(stacked)
    assert predicted.shape == (300, 3)
    assert (predicted == classes[picks]).float().mean() > 0.95


def test_stacked_modes_of_real_images_match_their_true_modes():
    registry = plugins.registry()
    source = registry.create("dataset", "stacked-digits", {"size": 400}).load(DataRequest(16, None, CPU, 0))
    images, labels = source.all_data()
    evaluator = registry.create("evaluator", "stacked-modes", {})
    figures = evaluator.evaluate(context(source, images, labels))
    true_modes = modes_with_samples(stacked_histogram(labels))
    assert abs(figures["stacked_modes_covered"] - true_modes) <= 0.05 * true_modes
    assert evaluator.protocol(context(source, images, labels))["channel_classifier_accuracy"] > 0.95


ROWS = [{"step": step, "d_loss_real": step / 10, "d_loss_fake": 1.0, "g_loss": 2.0, "d_acc_real": 0.5,
         "d_acc_fake": 0.5} for step in range(10, 101, 10)]


def test_stability_statistics_cover_the_last_half_of_the_run():
    figures = summary_statistics(ROWS)
    last_half = [6.0, 7.0, 8.0, 9.0, 10.0]  # steps 60..100
    assert figures["stability_d_loss_real_mean"] == pytest.approx(8.0)
    assert figures["stability_d_loss_real_var"] == pytest.approx(sum((v - 8) ** 2 for v in last_half) / 5)
    assert figures["stability_g_loss_var"] == 0
    assert figures["stability_d_acc_fake_mean"] == 0.5


def test_divergence_is_the_first_step_of_a_lasting_d_win_or_a_broken_loss():
    assert divergence_step(ROWS) is None
    won = [dict(row, d_acc_real=1.0, d_acc_fake=1.0) if row["step"] >= 80 else row for row in ROWS]
    assert divergence_step(won) == 80
    briefly_won = [dict(row, d_acc_real=1.0, d_acc_fake=1.0) if row["step"] == 50 else row for row in ROWS]
    assert divergence_step(briefly_won) is None
    exploded = [dict(row, g_loss=float("inf")) if row["step"] == 30 else row for row in ROWS]
    assert divergence_step(exploded) == 30


def test_identical_samples_are_flagged_as_collapsed_and_real_ones_are_not():
    source = ring8_source(real_per_mode=50)
    real, _ = source.all_data()
    stability = Stability()
    collapsed = stability.evaluate(context(source, real[:1].repeat(400, 1), rows=ROWS))
    assert collapsed["collapse"] == 1 and collapsed["diversity_ratio"] == pytest.approx(0.0, abs=1e-6)
    diverse = stability.evaluate(context(source, real, rows=ROWS))
    assert diverse["collapse"] == 0 and diverse["diversity_ratio"] == pytest.approx(1.0, abs=0.1)
    assert diverse["stability_diverged"] == 0 and "stability_diverged_at" not in diverse


@pytest.fixture(scope="module")
def digits8():
    images, labels = digit_images(8)
    return TensorSource(DataSpec("digits", "image", (1, 8, 8), 10), images, labels, CPU, 0)


def test_cas_of_real_images_with_their_labels_is_high_and_with_shuffled_labels_near_chance(digits8):
    images, labels = digits8.all_data()
    cas = ClassificationAccuracyScore()
    assert cas.evaluate(context(digits8, images, labels, num_samples=1000))["cas_accuracy"] > 0.9
    shuffled = labels[torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))]
    assert cas.evaluate(context(digits8, images, shuffled, num_samples=1000))["cas_accuracy"] < 0.25


def test_cas_measures_nothing_for_an_unconditional_generator(digits8):
    images, _ = digits8.all_data()
    cas = ClassificationAccuracyScore()
    ctx = context(digits8, images)
    assert cas.evaluate(ctx) == {} and "unconditional" in cas.protocol(ctx)["skipped"]


def test_the_linear_probe_on_a_random_discriminator_beats_chance_and_changes_nothing(digits8):
    architecture = plugins.registry().create("architecture", "dcgan", {"base_channels": 8})
    torch.manual_seed(0)
    _, discriminator = architecture.build(BuildRequest(spec=digits8.spec, latent_dim=8, neck=Neck()))
    before = {key: value.clone() for key, value in discriminator.state_dict().items()}
    images, _ = digits8.all_data()
    probe = LinearProbe.with_options({"train_samples": 300, "test_samples": 300})
    ctx = context(digits8, images, discriminator=discriminator)
    figures = probe.evaluate(ctx)
    assert figures["probe_accuracy"] > 0.5  # chance is 0.1
    assert probe.protocol(ctx)["train_samples"] == 300 and probe.protocol(ctx)["test_samples"] == 300
    assert discriminator.training
    assert all(torch.equal(before[key], value) for key, value in discriminator.state_dict().items())


def test_best_steps_follow_each_direction_and_skip_undirected_metrics():
    rows = [{"step": 10, "metrics": {"fid": 5.0, "modes": 3.0, "loss_mean": 1.0}},
            {"step": 20, "metrics": {"fid": 3.0, "modes": 3.0, "loss_mean": 0.5}},
            {"step": 30, "metrics": {"fid": 4.0, "modes": 2.0, "loss_mean": 0.1}}]
    best = best_steps(rows, {"fid": "lower", "modes": "higher"})
    assert best == {"fid": {"step": 20, "value": 3.0}, "modes": {"step": 10, "value": 3.0}}


def test_default_evaluators_follow_the_data():
    def names(**changes):
        config = RunConfig(**{"device": "cpu", "resolution": 8, **changes})
        return {evaluator.name for evaluator in prepare(config).evaluators}

    ring = names(arch=Choice("mlp"), dataset=Choice("ring8"))
    assert {"mode-coverage", "stability"} <= ring and not ring & {"linear-probe", "cas", "stacked-modes"}
    digits = names(arch=Choice("dcgan", {"base_channels": 8}), dataset=Choice("digits"))
    assert {"linear-probe", "cas", "stability"} <= digits and "mode-coverage" not in digits
    stacked = names(arch=Choice("dcgan", {"base_channels": 8}), dataset=Choice("stacked-digits"))
    assert {"stacked-modes", "stability"} <= stacked and "linear-probe" not in stacked


def test_a_ring8_run_records_mode_coverage_with_its_protocol_and_best_steps(tmp_path):
    config = RunConfig(arch=Choice("mlp", {"hidden": 32, "layers": 2}), dataset=Choice("ring8", {"size": 2000}),
                       batch_size=32, steps=6, log_every=2, sample_every=6, checkpoint_every=6, eval_every=2,
                       eval_samples=256, latent_dim=4, device="cpu", results_dir=str(tmp_path))
    report = run(config, show_progress=False)
    result = json.loads((report.path / "result.json").read_text())
    assert 0 <= result["metrics"]["modes_covered"] <= 8
    assert {"high_quality_share", "mode_reverse_kl", "stability_g_loss_mean", "collapse"} <= set(result["metrics"])
    # The papers' 2,500 points, whatever the run's eval_samples; PacGAN's 20 per covered mode.
    assert result["protocol"]["mode-coverage"]["generated_samples"] == 2500
    assert result["protocol"]["mode-coverage"]["min_points"] == 20
    assert result["protocol"]["mode-coverage"]["modes"] == 8
    lines = (report.path / "evaluations.jsonl").read_text().splitlines()
    assert [json.loads(line)["step"] for line in lines] == [2, 4]
    assert result["best"]["mode_reverse_kl"]["step"] in (2, 4, 6)
    steps = {2: json.loads(lines[0])["metrics"], 4: json.loads(lines[1])["metrics"], 6: result["metrics"]}
    assert result["best"]["mode_reverse_kl"]["value"] == min(m["mode_reverse_kl"] for m in steps.values())
    assert "stability_g_loss_mean" not in result["best"]  # a mean has no better direction
