"""FID, KID and precision/recall through torch-fidelity: the plumbing on cases with known answers,
the domain classifier's feature space on digits, and the Inception and timm paths offline."""

import json
from unittest import mock

import numpy as np
import pytest
import scipy.linalg
import torch

from ganbench.cli import main
from ganbench.datasets.digits import digit_images, stacked_label
from ganbench.data.source import TensorSource
from ganbench.data.spec import DataSpec
from ganbench.errors import EvaluationError
from ganbench.evaluate import fidelity
from ganbench.evaluate.domain_classifier import load_or_train
from ganbench.evaluate.domain_fidelity import DomainFidelity, class_statistics, histogram_kl
from ganbench.contracts.evaluator import EvalContext, quantize
from ganbench.evaluate.inception_fidelity import InceptionFidelity, find_weights
from ganbench.evaluate.timm_fidelity import TimmFidelity

CPU = torch.device("cpu")


def context(source, samples, labels=None, num_samples=None):
    """An EvalContext whose "generator" returns fixed float samples in [-1, 1]."""
    def sample(n, seed):
        return samples[:n], None if labels is None else labels[:n]
    return EvalContext(spec=source.spec, dataset=source.spec.name, source=source, device=CPU,
                       num_samples=num_samples or len(samples), seed=0, run_dir=None, sample_fn=sample)


def digits_source(resolution=16):
    images, labels = digit_images(resolution)
    return TensorSource(DataSpec("digits", "image", (1, resolution, resolution), 10), images, labels, CPU, 0)


@pytest.fixture(scope="module")
def identity_extractor():
    """A torch-fidelity extractor whose features are the pixel values / 10: FID becomes checkable by hand."""
    from torch_fidelity.feature_extractor_base import FeatureExtractorBase

    class PixelFeatures(FeatureExtractorBase):
        def __init__(self, name, features_list, **kwargs):
            super().__init__(name, features_list)

        @staticmethod
        def get_provided_features_list():
            return ("pixels",)

        @staticmethod
        def get_default_feature_layer_for_metric(metric):
            return "pixels"

        @staticmethod
        def can_be_compiled():
            return False

        def forward(self, images):
            return (images.flatten(1).double() / 10,)

    fidelity.register_extractor("test-pixels", PixelFeatures)
    return "test-pixels"


def gaussian_uint8(count, mean, std, seed, dims=4):
    generator = torch.Generator().manual_seed(seed)
    values = torch.randn(count, dims, generator=generator, dtype=torch.float64) * torch.tensor(std) + torch.tensor(mean)
    return values.round().clamp(0, 255).to(torch.uint8).reshape(count, 1, 1, dims)


def frechet_by_hand(a, b):
    """||mu_a - mu_b||^2 + tr(C_a + C_b - 2 (C_a C_b)^(1/2)), the closed form of Dowson & Landau (1982)."""
    a, b = (x.reshape(len(x), -1).double().numpy() / 10 for x in (a, b))
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(ca @ cb).real
    return float(((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(ca + cb - 2 * root))


def test_torch_fidelity_gives_the_closed_form_frechet_distance_of_two_gaussians(identity_extractor, tmp_path):
    a = gaussian_uint8(3000, [100, 120, 90, 110], [10, 5, 8, 12], seed=0)
    b = gaussian_uint8(3000, [110, 118, 95, 100], [14, 5, 6, 12], seed=1)
    figures = fidelity.calculate(identity_extractor, a, b, None, CPU, kid=False, prc=False)
    assert figures["fid"] == pytest.approx(frechet_by_hand(a, b), rel=1e-4)
    # And the population value: means 100+4+25+100 = 229 apart, stds differ by 4 and 2 on two axes; /10 features.
    assert figures["fid"] == pytest.approx((229 + 16 + 4) / 100, rel=0.08)


def test_a_set_against_itself_has_zero_fid_and_kid_and_full_precision_and_recall(identity_extractor):
    a = gaussian_uint8(1200, [100, 120, 90, 110], [10, 5, 8, 12], seed=0)
    b = gaussian_uint8(1200, [110, 118, 95, 100], [14, 5, 6, 12], seed=1)
    figures = fidelity.calculate(identity_extractor, a, a, None, CPU)
    apart = fidelity.calculate(identity_extractor, a, b, None, CPU, fid=False, prc=False)
    assert figures["fid"] == pytest.approx(0, abs=1e-6)
    assert abs(figures["kid"]) < 0.01 * apart["kid"]  # unbiased MMD over random subsets: zero up to noise
    assert figures["precision"] == pytest.approx(1.0) and figures["recall"] == pytest.approx(1.0)


def test_precision_counts_samples_off_the_real_manifold_and_recall_counts_real_modes_missed(identity_extractor):
    near = gaussian_uint8(1000, [100] * 4, [5] * 4, seed=0)
    far = gaussian_uint8(1000, [200] * 4, [5] * 4, seed=1)
    half_off = fidelity.calculate(identity_extractor, torch.cat([near[:500], far[:500]]), near, None, CPU,
                                  fid=False, kid=False)
    assert half_off["precision"] == pytest.approx(0.5, abs=0.02)
    one_mode_of_two = fidelity.calculate(identity_extractor, near[:1000], torch.cat([near[500:], far[:500]]), None,
                                         CPU, fid=False, kid=False)
    assert one_mode_of_two["precision"] > 0.95 and one_mode_of_two["recall"] == pytest.approx(0.5, abs=0.02)


@pytest.mark.slow
def test_the_domain_classifier_passes_its_accuracy_bar_on_digits():
    images, labels = digit_images(32)
    assert load_or_train(quantize(images), labels, 10).accuracy >= 0.97


def test_real_digits_against_themselves_score_as_a_perfect_generator():
    source = digits_source(16)
    images, labels = source.all_data()
    evaluator = DomainFidelity()
    ctx = context(source, images)
    figures = evaluator.evaluate(ctx)
    assert figures["domain_fid"] == pytest.approx(0, abs=1e-3)
    assert figures["domain_precision"] == pytest.approx(1.0) and figures["domain_recall"] == pytest.approx(1.0)
    assert figures["classes_covered"] == 10
    assert figures["class_kl"] < 0.01
    assert figures["confident_share"] > 0.9
    protocol = evaluator.protocol(ctx)
    assert protocol["classifier_accuracy"] >= 0.9 and protocol["real_samples"] == len(labels)
    assert len(protocol["weights_sha256"]) == 64 and protocol["image_size"].startswith("16 px")


def test_one_repeated_digit_covers_one_class_and_scores_far_worse():
    source = digits_source(16)
    images, labels = source.all_data()
    sevens = images[labels == 7][:1].repeat(500, 1, 1, 1)
    figures = DomainFidelity().evaluate(context(source, sevens))
    assert figures["classes_covered"] == 1
    assert figures["class_kl"] == pytest.approx(np.log(1 / (labels == 7).float().mean().item()), rel=0.05)
    assert figures["domain_fid"] > 50 and figures["domain_recall"] < 0.1


def test_histogram_kl_matches_known_histograms():
    assert histogram_kl(torch.tensor([5, 5]), torch.tensor([50, 50]), pseudo_count=0) == pytest.approx(0)
    assert histogram_kl(torch.tensor([10, 0]), torch.tensor([50, 50]), pseudo_count=0) == pytest.approx(np.log(2))
    expected = 0.75 * np.log(0.75 / 0.5) + 0.25 * np.log(0.25 / 0.5)
    assert histogram_kl(torch.tensor([3, 1]), torch.tensor([2, 2]), pseudo_count=0) == pytest.approx(expected)


def test_stacked_digits_are_classified_channel_by_channel_into_modes():
    images, labels = digit_images(16)
    classifier = load_or_train(quantize(images), labels, 10)
    order = torch.arange(30)
    stacked = torch.cat([images[order], images[order + 30], images[order + 60]], dim=1)  # (30, 3, 16, 16)
    modes = stacked_label(torch.stack([labels[order], labels[order + 30], labels[order + 60]], dim=1))
    figures = class_statistics(classifier.network, quantize(stacked), modes, 1000)
    assert figures["classes_covered"] == len(torch.unique(modes)) and figures["confident_share"] > 0.8
    # The same channels in another order are other modes: the histogram no longer matches the real one.
    swapped = class_statistics(classifier.network, quantize(stacked.flip(1)), modes, 1000)
    assert swapped["class_kl"] > figures["class_kl"] + 0.5


def test_inception_offline_without_weights_names_the_file_and_where_to_put_it(tmp_path, monkeypatch, cli):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.delenv("GANBENCH_INCEPTION_WEIGHTS", raising=False)
    with pytest.raises(EvaluationError) as error:
        find_weights("")
    message = str(error.value)
    assert "weights-inception-2015-12-05-6726825d.pth" in message and str(tmp_path / "torch") in message
    code, out, err = cli("run", "--arch", "mlp", "--steps", "2", "--evaluator", "fid",
                         "--results-dir", str(tmp_path / "runs"), "--quiet")
    assert code == 2 and "Traceback" not in out + err and len(err.strip().splitlines()) == 1
    assert "weights-inception-2015-12-05-6726825d.pth" in err
    assert not (tmp_path / "runs").exists()  # refused before any training or file


def test_a_weights_file_that_needs_unpickling_is_refused(tmp_path):
    path = tmp_path / "evil.pth"
    torch.save({"weights": object()}, path)
    with pytest.raises(EvaluationError, match="not a plain PyTorch state dict"):
        InceptionFidelity.with_options({"weights": str(path)}).check(DataSpec("digits", "image", (1, 8, 8), 10), "digits")


@pytest.fixture(scope="module")
def random_inception_weights(tmp_path_factory):
    """torch-fidelity's Inception-v3 with random weights: the right architecture, for the plumbing."""
    from torch_fidelity.feature_extractor_inceptionv3 import FeatureExtractorInceptionV3
    torch.manual_seed(0)
    with mock.patch("torch_fidelity.feature_extractor_inceptionv3.load_state_dict_from_url", return_value={}), \
            mock.patch.object(FeatureExtractorInceptionV3, "load_state_dict"):
        network = FeatureExtractorInceptionV3("inception-v3-compat", ["2048"])
    path = tmp_path_factory.mktemp("weights") / "inception.pth"
    torch.save(network.state_dict(), path)
    return path


@pytest.mark.slow
def test_inception_metrics_run_with_a_weights_file(random_inception_weights):
    source = digits_source(16)
    images, _ = source.all_data()
    source = TensorSource(source.spec, images[:24], None, CPU, 0)
    evaluator = InceptionFidelity.with_options({"weights": str(random_inception_weights)})
    ctx = context(source, images[24:48])
    figures = evaluator.evaluate(ctx)
    assert set(figures) == {"fid", "kid", "inception_score", "precision", "recall"}
    assert all(np.isfinite(value) for value in figures.values()) and figures["fid"] > 0
    protocol = evaluator.protocol(ctx)
    assert protocol["generated_samples"] == 24 and protocol["real_samples"] == 24
    assert protocol["image_size"].startswith("299 px") and len(protocol["weights_sha256"]) == 64


def test_a_timm_backbone_needs_a_local_weights_file_and_then_gives_fid(tmp_path):
    spec = DataSpec("digits", "image", (1, 16, 16), 10)
    with pytest.raises(EvaluationError, match="timm-fid.weights=PATH"):
        TimmFidelity.with_options({"model": "resnet18"}).check(spec, "digits")
    import timm
    path = tmp_path / "resnet18.pth"
    torch.save(timm.create_model("resnet18", pretrained=False).state_dict(), path)
    evaluator = TimmFidelity.with_options({"model": "resnet18", "weights": str(path), "image_size": 32})
    evaluator.check(spec, "digits")
    source = digits_source(16)
    images, _ = source.all_data()
    figures = evaluator.evaluate(context(TensorSource(spec, images[:40], None, CPU, 0), images[40:80]))
    assert set(figures) == {"timm_fid", "timm_kid", "timm_precision", "timm_recall"}
    assert all(np.isfinite(value) for value in figures.values())
    with pytest.raises(EvaluationError, match="timm has no model"):
        TimmFidelity.with_options({"model": "no-such-net", "weights": str(path)}).check(spec, "digits")


def test_a_default_digits_run_records_domain_figures_and_their_protocol(tmp_path, capsys):
    main_code = None
    try:
        main(["run", "--arch", "dcgan", "--steps", "4", "--resolution", "16", "--batch-size", "16",
              "--eval-samples", "200", "--quiet", "--results-dir", str(tmp_path)])
    except SystemExit as exit_info:
        main_code = exit_info.code
    assert main_code in (None, 0), capsys.readouterr().err
    (folder,) = [path for path in tmp_path.iterdir() if path.is_dir()]
    record = json.loads((folder / "result.json").read_text())
    for metric in ("domain_fid", "domain_kid", "domain_precision", "domain_recall", "classes_covered", "class_kl",
                   "confident_share"):
        assert np.isfinite(record["metrics"][metric])
    protocol = record["protocol"]["domain-fid"]
    assert protocol["generated_samples"] == 200 and protocol["classifier_accuracy"] >= 0.9
    assert record["directions"]["domain_fid"] == "lower"


def test_a_class_counts_as_covered_only_with_a_fifth_of_its_expected_samples():
    from ganbench.evaluate.domain_fidelity import covered_classes
    real = torch.full((10,), 100)
    stray = torch.tensor([1991, 1, 1, 1, 1, 1, 1, 1, 1, 1])  # one sample in 2,000 used to cover a class
    assert covered_classes(stray, real, 0.2) == 1 and covered_classes(stray, real, 0.0) == 10
    assert covered_classes(torch.full((10,), 40), real, 0.2) == 10
    assert covered_classes(torch.tensor([1300] + [80] * 9), real, 0.2) == 10  # 80 of 200 expected: covered
    assert covered_classes(torch.tensor([1700] + [30] * 9), real, 0.2) == 1  # 30 of 200: not
