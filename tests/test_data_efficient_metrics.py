"""Density/coverage and intra-FID, the public feature spaces, and the FD-DINOv2 preset of timm-fid:
each metric checked against the controls' known answers."""

from __future__ import annotations

import pytest
import torch

from ganbench import testing
from ganbench.plugin_host import plugins
from ganbench.config import Choice
from ganbench.engine.control_run import control_config, prepare_control, run_control
from ganbench.engine.evaluation import make_context
from ganbench.errors import ConfigError, EvaluationError
from ganbench.evaluate.density_coverage import DensityCoverage, density_and_coverage
from ganbench.evaluate.intra_fid import IntraFID, UNCONDITIONAL
from ganbench.evaluate.timm_fidelity import PRESETS, TimmFidelity


def control(name, tmp_path, evaluator, samples=400, **options):
    config = control_config(name, {"dataset": "digits", "resolution": 16, "seed": 0, "device": "cpu",
                                   "evaluators": [{"name": evaluator, "options": options}], "eval_samples": samples,
                                   "results_dir": str(tmp_path)})
    return run_control(config).result


def test_density_and_coverage_follow_the_paper_on_hand_made_points():
    real = torch.tensor([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0], [6.0], [7.0]])
    # k = 1: every ball has radius 1 (open), so a fake at x.5 lies in two balls, one at 20 in none.
    density, coverage = density_and_coverage(real, torch.tensor([[0.5], [20.0]]), k=1)
    assert density == pytest.approx(2 / (1 * 2))
    assert coverage == pytest.approx(2 / 8)


def test_the_real_control_has_density_and_coverage_near_1_and_noise_near_0(tmp_path):
    real = control("real", tmp_path, "density-coverage").metrics
    noise = control("noise", tmp_path, "density-coverage").metrics
    assert 0.8 <= real["domain_density"] <= 1.2 and real["domain_coverage"] >= 0.9
    assert noise["domain_density"] <= 0.05 and noise["domain_coverage"] <= 0.05


def test_the_feature_space_is_public_and_the_same_network_as_domain_fid(tmp_path):
    setup = prepare_control(control_config("real", {"dataset": "digits", "resolution": 16, "device": "cpu",
                                                    "evaluators": [], "results_dir": str(tmp_path)}))
    ctx = make_context(setup, None, [])
    images, _ = ctx.real_uint8(32)
    features = ctx.features(images, space="domain")
    assert features.shape == (32, 128) and features.dtype == torch.float64
    assert ctx.feature_space("domain") is ctx.feature_space("domain")  # opened once per context
    assert ctx.feature_space("domain").protocol()["weights_sha256"]
    with pytest.raises(ConfigError, match="unknown feature space 'clip'"):
        ctx.feature_space("clip")
    with pytest.raises(EvaluationError, match="preset 'fd-dinov2' needs the DINOv2 ViT-L/14 weights"):
        ctx.feature_space("timm", preset="fd-dinov2")


def test_intra_fid_is_skipped_for_an_unconditional_generator_with_the_reason(tmp_path):
    result = control("real", tmp_path, "intra-fid", samples=200)
    assert "domain_intra_fid" not in result.metrics
    assert result.protocol["intra-fid"]["skipped"] == UNCONDITIONAL


def test_intra_fid_of_a_conditional_generator_is_the_mean_of_per_class_fids(tmp_path):
    testing.check_evaluator(IntraFID, dataset="digits", arch="cgan", arch_options={"base_channels": 8}, samples=200)


def test_density_coverage_keeps_the_evaluator_contract():
    testing.check_evaluator(DensityCoverage, dataset="digits", arch="dcgan", arch_options={"base_channels": 8},
                            samples=64)


def test_fd_dinov2_preset_is_stein_et_al_protocol():
    preset = PRESETS["fd-dinov2"]
    assert (preset.model, preset.image_size, preset.resize) == ("vit_large_patch14_dinov2.lvd142m", 224, "bicubic")
    evaluator = plugins.registry().create("evaluator", "timm-fid", {"preset": "fd-dinov2"})
    settings = evaluator.settings
    assert (settings.model, settings.image_size, settings.resize) == (preset.model, 224, "bicubic")


def test_fd_dinov2_offline_fails_in_one_sentence_saying_where_the_weights_go(tmp_path):
    evaluator = plugins.registry().create("evaluator", "timm-fid", {"preset": "fd-dinov2"})
    with pytest.raises(EvaluationError) as error:
        evaluator.check(testing.DEFAULT_SPECS[1], "contract-data")
    message = str(error.value)
    assert message.endswith(".") and "\n" not in message and message.count(". ") == 0
    assert "DINOv2 ViT-L/14" in message and "--eval-opt timm-fid.weights=PATH" in message


def test_a_preset_refuses_options_it_sets_itself():
    with pytest.raises(ConfigError, match="sets model, image_size and resize itself"):
        plugins.registry().create("evaluator", "timm-fid", {"preset": "fd-dinov2", "image_size": "518"})
