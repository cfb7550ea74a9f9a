"""Cached feature statistics belong to the network that made them, and that network is the same
whatever the thread count (issue 17, item 5)."""

import pytest
import torch

from ganbench.datasets.digits import digit_images
from ganbench.evaluate import domain_classifier, fidelity
from ganbench.evaluate.domain_classifier import train_classifier, weights_sha256
from ganbench.contracts.evaluator import quantize


@pytest.fixture
def few_steps(monkeypatch):
    monkeypatch.setattr(domain_classifier, "TRAIN_STEPS", 40)  # enough for thread-order differences to show


def trained_with_threads(threads: int) -> str:
    images, labels = digit_images(8)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        network, _ = train_classifier(quantize(images[:600]), labels[:600], 10)
    finally:
        torch.set_num_threads(before)
    return weights_sha256(network)


def test_the_domain_classifier_trains_to_the_same_weights_with_one_or_two_threads(few_steps):
    assert trained_with_threads(1) == trained_with_threads(2)


def test_training_gives_the_process_its_thread_count_back(few_steps):
    before = torch.get_num_threads()
    trained_with_threads(2)
    assert torch.get_num_threads() == before


def test_reference_statistics_are_cached_per_extractor_weights():
    real = torch.zeros(4, 1, 8, 8, dtype=torch.uint8)
    one = fidelity.reference_cache_name("digits", "all", real, "a" * 64)
    assert one == fidelity.reference_cache_name("digits", "all", real, "a" * 64)
    assert one != fidelity.reference_cache_name("digits", "all", real, "b" * 64)  # retrained network: a miss
    assert one != fidelity.reference_cache_name("digits", "all", real + 1, "a" * 64)  # other data: a miss
    with pytest.raises(ValueError, match="weights hash"):
        fidelity.reference_cache_name("digits", "all", real, "")
