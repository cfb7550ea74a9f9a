"""``ganbench sample``: grids, interpolations and latent arithmetic from a trained run, and bad input."""

import shutil

import pytest
import torch
from PIL import Image

from ganbench.config import Choice, RunConfig
from ganbench.engine.run import run
from ganbench.trained.pictures import arithmetic_latent, lerp, slerp
from ganbench.trained.trained_run import load_trained_run

RESOLUTION = 8
PADDING = 2  # between tiles, as ganbench.engine.samples.image_grid draws them
SCALE = 8  # image_grid enlarges 8 px tiles eight times


def tiny_config(results_dir, **changes):
    values = dict(arch=Choice("dcgan", {"base_channels": 8}), dataset=Choice("digits"), resolution=RESOLUTION,
                  batch_size=8, steps=4, log_every=2, sample_every=4, checkpoint_every=4, eval_samples=32,
                  latent_dim=8, device="cpu", evaluators=[], results_dir=str(results_dir))
    values.update(changes)
    return RunConfig(**values)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, repository_plugins):
    return run(tiny_config(tmp_path_factory.mktemp("runs")), show_progress=False).path


def grid_pixels(rows, columns):
    """Pixel size (width, height) of a grid of 8 px tiles."""
    return ((columns * (RESOLUTION + PADDING) + PADDING) * SCALE, (rows * (RESOLUTION + PADDING) + PADDING) * SCALE)


def test_a_4x4_grid_is_a_png_of_the_right_size(trained, tmp_path, cli):
    out = tmp_path / "grid.png"
    code, stdout, _ = cli("sample", str(trained), "--grid", "4x4", "--out", str(out), "--device", "cpu")
    assert code == 0 and str(out) in stdout
    assert Image.open(out).size == grid_pixels(4, 4)


def test_the_default_picture_goes_into_the_run_samples_folder(trained, cli):
    cli("sample", str(trained), "--grid", "2x3", "--seed", "5", "--device", "cpu")
    picture = trained / "samples" / "grid-2x3-seed5.png"
    assert Image.open(picture).size == grid_pixels(2, 3)


def test_an_interpolation_has_one_row_per_pair_and_one_column_per_step(trained, tmp_path, cli):
    out = tmp_path / "path.png"
    cli("sample", str(trained), "--interpolate", "--pairs", "3", "--steps", "5", "--out", str(out),
        "--device", "cpu")
    assert Image.open(out).size == grid_pixels(3, 5)


def test_arithmetic_shows_each_group_with_its_mean_and_the_result_with_eight_variants(trained, tmp_path, cli):
    out = tmp_path / "arithmetic.png"
    cli("sample", str(trained), "--grid", "4x4", "--arithmetic", "A-B+C", "--groups", "A=0,1,2 B=3 C=4,5",
        "--out", str(out), "--device", "cpu")
    assert Image.open(out).size == grid_pixels(4, 9)  # three group rows and the result row; 1 + 8 results


def test_the_same_seed_gives_the_same_grid_and_another_seed_another(trained, tmp_path, cli):
    paths = {}
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        paths[name] = tmp_path / f"{name}.png"
        cli("sample", str(trained), "--grid", "3x3", "--seed", seed, "--out", str(paths[name]),
            "--device", "cpu")
    pixels = {name: Image.open(path).tobytes() for name, path in paths.items()}
    assert pixels["a"] == pixels["b"] and pixels["a"] != pixels["c"]


def test_a_run_with_ema_samples_with_the_ema_weights(tmp_path):
    path = run(tiny_config(tmp_path, stabilizers=[Choice("ema")]), show_progress=False).path
    restored = load_trained_run(path, device="cpu")
    assert restored.generator is not restored.setup.generator
    assert restored.step == 4


def test_slerp_and_lerp_start_and_end_at_the_endpoints_and_slerp_keeps_the_norm():
    start, end = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
    fractions = torch.linspace(0, 1, 5)
    for path in (slerp(start, end, fractions), lerp(start, end, fractions)):
        assert torch.allclose(path[0, 0], start[0]) and torch.allclose(path[0, -1], end[0])
    assert torch.allclose(slerp(start, end, fractions).norm(dim=-1), torch.ones(1, 5))
    assert torch.allclose(lerp(start, end, fractions)[0, 2], torch.tensor([0.5, 0.5]))
    assert torch.allclose(slerp(start, start, fractions)[0, 3], start[0])  # identical ends: no division by zero


def test_arithmetic_averages_each_group_before_adding_and_subtracting():
    z = torch.arange(12, dtype=torch.float32).reshape(6, 2)
    result = arithmetic_latent(z, {"A": [0, 1], "B": [2], "C": [4, 5]}, [(1.0, "A"), (-1.0, "B"), (1.0, "C")])
    assert torch.allclose(result, z[[0, 1]].mean(0) - z[2] + z[[4, 5]].mean(0))


@pytest.mark.parametrize("args, message", [
    (["--grid", "8by8"], "--grid expects ROWSxCOLUMNS"),
    (["--grid", "0x4"], "between 1 and 64"),
    (["--arithmetic", "A+B", "--groups", "A=1"], "group 'B', which --groups does not define"),
    (["--arithmetic", "A+", "--groups", "A=1"], "--arithmetic expects group names"),
    (["--arithmetic", "A", "--groups", "A=99"], "outside the grid"),
    (["--arithmetic", "A", "--groups", "A:1"], "--groups expects NAME=INDEX"),
    (["--interpolate", "--steps", "1"], "--steps must be between 2"),
    (["--interpolate", "--arithmetic", "A", "--groups", "A=1"], "choose one of --interpolate and --arithmetic"),
])
def test_bad_arguments_are_one_sentence_and_exit_2(trained, tmp_path, cli, args, message):
    out = tmp_path / "never.png"
    code, _, err = cli("sample", str(trained), *args, "--out", str(out), "--device", "cpu")
    assert code == 2 and message in err
    assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


def test_a_missing_run_is_one_sentence_and_exit_2(tmp_path, cli):
    code, _, err = cli("sample", str(tmp_path / "nothing-here"))
    assert code == 2 and "no run directory" in err and len(err.strip().splitlines()) == 1


def test_a_corrupt_checkpoint_is_one_sentence_and_exit_2(trained, tmp_path, cli):
    copy = tmp_path / "copy"
    shutil.copytree(trained, copy)
    (copy / "checkpoints" / "last.pt").write_bytes(b"not a checkpoint at all")
    code, _, err = cli("sample", str(copy), "--out", str(tmp_path / "never.png"), "--device", "cpu")
    assert code == 2 and "corrupt" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "never.png").exists()


def test_a_missing_checkpoint_is_one_sentence_and_exit_2(trained, tmp_path, cli):
    copy = tmp_path / "copy"
    shutil.copytree(trained, copy)
    (copy / "checkpoints" / "last.pt").unlink()
    code, _, err = cli("sample", str(copy), "--device", "cpu")
    assert code == 2 and "no checkpoint" in err


def test_bad_arguments_are_refused_before_the_run_is_even_read(tmp_path, cli):
    code, _, err = cli("sample", str(tmp_path / "nothing-here"), "--arithmetic", "A+B", "--groups", "A=1")
    assert code == 2 and "group 'B'" in err  # not "no run directory": the arguments were checked first
