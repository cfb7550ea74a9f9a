"""A held-out reference (``--data-opt reference=held-out``): evaluators and the real control read only
images the generator never trained on, the memorizer copies the training ones, and the measuring
instrument (the domain classifier) stays the one fitted on the whole data set."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganbench.contracts.dataset import DataRequest
from ganbench.controls import build_control
from ganbench.errors import ConfigError, DataError
from ganbench.plugin_host import plugins
from test_datasets import flat_images, write_idx_split  # tests/ is on sys.path (rootdir-relative imports)

CPU = torch.device("cpu")


def load(name: str, root=None, **options):
    dataset = plugins.registry().create("dataset", name, {key: str(value) for key, value in options.items()})
    return dataset.load(DataRequest(resolution=8, data_root=root, device=CPU, seed=0, download=False))


def rows(images: torch.Tensor) -> set[tuple[float, ...]]:
    return {tuple(row.tolist()) for row in images.flatten(1)}


def test_digits_with_a_held_out_reference_evaluate_against_images_training_never_draws():
    source = load("digits", subset=0.8, reference="held-out")
    training, _ = source.training_data()
    reference, labels = source.all_data()
    whole, _ = source.whole_data()
    assert len(whole) == 1797 and len(training) + len(reference) == 1797
    assert torch.bincount(labels, minlength=10).min() > 0  # every class keeps held-out images
    # No training image is a reference image (a few digits are pixel-identical duplicates; compare indices).
    held_out = torch.ones(1797, dtype=torch.bool)
    held_out[source.train_index] = False
    assert torch.equal(reference, whole[held_out])
    assert "held out from training" in source.reference_description()


def test_the_default_reference_is_every_image_as_the_limited_data_protocol_asks():
    source = load("digits", subset=0.8)
    assert len(source.all_data()[0]) == 1797 and len(source.training_data()[0]) < 1797
    assert source.reference_description() == "the run's data"


def test_the_real_control_draws_held_out_images_and_the_memorizer_training_ones():
    source = load("digits", subset=0.8, reference="held-out")
    reference, training = rows(source.all_data()[0]), rows(source.training_data()[0])
    real = build_control("real", source, None, seed=0)(torch.zeros(500, 4))
    copies = build_control("memorizer", source, None, seed=0)(torch.zeros(500, 4))
    assert rows(real) <= reference
    assert rows(copies) <= training


def test_mnist_holds_out_its_own_test_split_when_both_are_present(tmp_path):
    write_idx_split(tmp_path, "train", flat_images([10, 20, 30]), np.array([0, 1, 2]))
    write_idx_split(tmp_path, "test", flat_images([200, 210]), np.array([1, 2]))
    source = load("mnist", tmp_path, reference="held-out")
    assert source.training_data()[1].tolist() == [0, 1, 2]
    assert source.all_data()[1].tolist() == [1, 2]  # the test split only
    assert source.whole_data()[1].tolist() == [0, 1, 2, 1, 2]


def test_a_held_out_reference_with_nothing_held_out_is_one_sentence(tmp_path):
    with pytest.raises(DataError, match="reference=held-out needs images that digits does not train on"):
        load("digits", reference="held-out")
    write_idx_split(tmp_path, "test", flat_images([10, 20]), np.array([0, 1]))
    with pytest.raises(DataError, match="add a training share, e.g. --data-opt subset=0.8"):
        load("mnist", tmp_path, reference="held-out")
    with pytest.raises(ConfigError, match="reference"):
        load("digits", subset=0.8, reference="test")


def test_the_domain_classifier_is_fitted_on_the_whole_data_whichever_the_reference(monkeypatch):
    from ganbench.contracts.evaluator import EvalContext
    from ganbench.evaluate import domain_fidelity

    def context(source):
        return EvalContext(spec=source.spec, dataset="digits", source=source, device=CPU, num_samples=10, seed=0,
                           run_dir=None, sample_fn=lambda n, seed: (None, None))

    fitted_on = []
    monkeypatch.setattr(domain_fidelity, "load_or_train", lambda images, labels, classes: fitted_on.append(images))
    held_out, everything = load("digits", subset=0.8, reference="held-out"), load("digits", subset=0.8)
    for source in (held_out, everything):
        ctx = context(source)
        domain_fidelity.classifier_for(ctx)  # the feature space of density-coverage and intra-FID
        evaluator = domain_fidelity.DomainFidelity()
        evaluator.classifier(ctx, *evaluator.instrument_images(ctx))  # domain-fid's own
    assert len(fitted_on) == 4 and all(torch.equal(images, fitted_on[0]) for images in fitted_on)
    assert len(fitted_on[0]) == 1797  # every image, training ones included, on either reference
    assert len(context(held_out).real_uint8()[0]) == len(held_out.all_data()[0]) < 1797


def test_under_a_held_out_reference_the_ladders_clean_foot_is_neither_reference_nor_training():
    from ganbench.engine.control_run import control_config, prepare_control
    setup = prepare_control(control_config("clean@0", {
        "dataset": {"name": "digits", "options": {"subset": 0.8, "reference": "held-out"}}, "resolution": 8,
        "device": "cpu"}))
    reference, foot, training = (rows(part[0]) for part in (setup.source.all_data(), setup.source.held_out_data(),
                                                             setup.source.training_data()))
    assert len(reference) > 100 and len(foot) > 100
    assert not reference & foot and not foot & training and not reference & training
    drawn = rows(setup.generator(torch.zeros(500, 4)))
    assert drawn <= foot  # unseen by training, and not the images the metrics compare against


def test_a_held_out_reference_is_part_of_the_run_identity():
    from ganbench.resolve import resolve_config
    plain = resolve_config({"dataset": {"name": "digits", "options": {"subset": 0.8}}})
    held = resolve_config({"dataset": {"name": "digits", "options": {"subset": 0.8, "reference": "held-out"}}})
    assert plain.run_id != held.run_id


@pytest.mark.parametrize("dataset, options, before", [
    # Computed on 50d94c9, the commit before these options existed: runs made then keep their ids.
    ("stacked-digits", {}, "mlp-bce-stacked-digits-none-s0-ab2415dbd4"),
    ("digits", {}, "mlp-bce-digits-none-s0-e8669f98db"),
    ("mnist", {"subset": "0.1"}, "mlp-bce-mnist-none-s0-9c4eaaeebe"),
    ("mnist", {}, "mlp-bce-mnist-none-s0-76ca06328f"),
])
def test_the_new_options_at_their_defaults_keep_every_earlier_run_id(dataset, options, before):
    from ganbench.config import Choice, RunConfig
    from ganbench.resolve import resolve_config
    config = resolve_config(RunConfig(arch=Choice("mlp"), dataset=Choice(dataset, options), resolution=16, steps=10,
                                      device="cpu"))
    assert config.run_id == before
