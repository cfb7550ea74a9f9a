"""``ganbench eval --samples``: samples made anywhere, scored with a run's protocol and shown by compare."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
import torch

from ganbench.datasets.mixtures import Ring8, draw_mixture




def ring8_points(modes_kept: int, count: int = 2500) -> np.ndarray:
    centers = Ring8().raw_centers() / Ring8.scale
    _, points = draw_mixture(centers[:modes_kept], Ring8.std / Ring8.scale, count, data_seed=5)
    return points.numpy()


def test_points_from_a_file_are_scored_like_a_run_and_compare_shows_them_as_external(tmp_path, cli):
    np.savetxt(tmp_path / "all.csv", ring8_points(8), delimiter=",")
    np.save(tmp_path / "three.npy", ring8_points(3))
    runs = tmp_path / "runs"
    for path in ("all.csv", "three.npy"):
        code, _, err = cli("eval", "--samples", str(tmp_path / path), "--dataset", "ring8",
                              "--evaluator", "mode-coverage", "--results-dir", str(runs))
        assert code == 0, err
    code, out, _ = cli("compare", str(runs), "--format", "csv", "--metric", "modes_covered")
    rows = {row["arch"]: row for row in csv.DictReader(io.StringIO(out))}
    assert float(rows["external:all"]["modes_covered_mean"]) == 8
    assert float(rows["external:three"]["modes_covered_mean"]) == 3
    assert rows["external:all"]["rank"] == "1"  # samples from elsewhere rank like trained runs
    code, out, _ = cli("compare", str(runs), "--format", "markdown", "--metric", "modes_covered")
    assert "Nothing was trained here" in out and "Budgets differ" not in out  # 0 steps is not a budget


def test_the_same_samples_are_evaluated_once_and_images_are_read_as_uint8(tmp_path, cli):
    images = torch.randint(0, 256, (64, 8, 8, 1), dtype=torch.uint8).numpy()  # channels last, as numpy writes
    np.savez(tmp_path / "noise.npz", samples=images)
    args = ("eval", "--samples", str(tmp_path / "noise.npz"), "--dataset", "digits", "--resolution", "8",
            "--evaluator", "stability", "--eval-samples", "64", "--results-dir", str(tmp_path / "runs"))
    assert cli(*args).code == 0
    code, out, _ = cli(*args)
    assert code == 0 and "already evaluated" in out


@pytest.mark.parametrize("content, args, message", [
    ("points", ["--dataset", "digits"], "have shape (2,)"),
    ("points", ["--dataset", "ring8", "--eval-samples", "5000", "--evaluator", "mode-coverage",
                "--eval-opt", "mode-coverage.samples=0"], "holds 2500 samples and an evaluator asks for more"),
    ("points", [], "--samples needs --dataset"),
    (None, ["--dataset", "ring8"], "no samples at"),
])
def test_samples_that_do_not_fit_are_one_sentence_and_leave_no_run(content, args, message, tmp_path, cli):
    path = tmp_path / "samples.npy"
    if content:
        np.save(path, ring8_points(8))
    code, _, err = cli("eval", "--samples", str(path), *args, "--results-dir", str(tmp_path / "runs"))
    assert code == 2 and message in err and err.count("\n") == 1
    assert not list((tmp_path / "runs").glob("*/config.json"))  # no half-written run directory


def test_eval_needs_a_run_or_samples_not_both(tmp_path, cli):
    code, _, err = cli("eval", str(tmp_path), "--samples", str(tmp_path))
    assert code == 2 and "either a RUN directory or --samples" in err
