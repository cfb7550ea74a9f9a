"""Benchmarks run with `make benchmark`; they use the real MNIST test split from ../shared/data."""

from pathlib import Path

import pytest

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def mnist_root() -> Path:
    if not (SHARED_MNIST / "MNIST" / "raw").exists():
        pytest.skip("../shared/data/MNIST is not present")
    return SHARED_MNIST


def report(benchmark, **figures) -> None:
    """Record figures beside pytest-benchmark's timings and print them for the log."""
    benchmark.extra_info.update(figures)
    print("\n" + "  ".join(f"{key}={value:.3g}" if isinstance(value, float) else f"{key}={value}"
                          for key, value in figures.items()))
