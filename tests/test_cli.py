"""Every user error ends with one sentence on stderr, exit status 2, and no run directory."""

import json

import pytest


FAST = ["--steps", "4", "--batch-size", "8", "--resolution", "8", "--log-every", "2", "--sample-every", "4",
        "--checkpoint-every", "4", "--eval-samples", "64", "--quiet"]


@pytest.mark.parametrize("args, message", [
    (["--arch", "dcgna"], "Unknown architecture 'dcgna'. Did you mean 'dcgan'"),
    (["--loss", "nope"], "Unknown loss 'nope'"),
    (["--dataset", "mnistt"], "Did you mean 'mnist'"),
    (["--stabilizer", "label-smoth"], "Unknown stabilizer 'label-smoth'"),
    (["--arch-opt", "base_chanels=8"], "has no option 'base_chanels'; valid options: base_channels"),
    (["--arch-opt", "base_channels=eight"], "must be an integer"),
    (["--arch-opt", "base_channels"], "expects key=value"),
    (["--dataset", "ring8"], "architecture 'dcgan' works on image data, but dataset 'ring8' is vector data"),
    (["--steps", "0"], "steps must be a positive integer"),
    (["--steps", "-5"], "steps must be a positive integer"),
    (["--steps", "many"], "steps must be an integer"),
    (["--resolution", "24"], "24"),
    (["--lr-d", "-1"], "lr_d must be positive"),
    (["--latent-dist", "cauchy"], "latent_dist must be one of normal, uniform"),
    (["--device", "cuda:7"], "cuda:7"),
    (["--dataset", "mnist"], "--data-root"),
    (["--stab-opt", "dropout.p=0.5"], "not in this run"),
    (["--stabilizer", "none", "--stabilizer", "none"], "given twice"),
])
def test_bad_input_is_one_sentence_and_exit_2(cli, tmp_path, args, message):
    code, out, err = cli("run", *FAST, "--results-dir", str(tmp_path / "runs"), *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()  # no half-written run directory


def test_an_embedded_data_set_ignores_the_data_root_meant_for_file_data_sets(cli, tmp_path):
    cli.ok("run", *FAST, "--dataset", "digits", "--data-root", str(tmp_path / "absent"),
           "--results-dir", str(tmp_path / "runs"))
    assert len(list((tmp_path / "runs").glob("*/result.json"))) == 1


def test_missing_and_empty_data_roots(cli, tmp_path):
    code, _, err = cli("run", *FAST, "--dataset", "mnist", "--data-root", str(tmp_path / "absent"),
                       "--results-dir", str(tmp_path / "runs"))
    assert code == 2 and "does not exist" in err
    (tmp_path / "empty").mkdir()
    code, _, err = cli("run", *FAST, "--dataset", "mnist", "--data-root", str(tmp_path / "empty"),
                       "--results-dir", str(tmp_path / "runs"))
    assert code == 2 and "t10k-images-idx3-ubyte" in err
    code, _, err = cli("run", *FAST, "--dataset", "imagefolder", "--data-root", str(tmp_path / "empty"),
                       "--results-dir", str(tmp_path / "runs"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "runs").exists()


def test_unknown_kind_for_list(cli):
    code, _, err = cli("list", "gizmos")
    assert code == 2 and "unknown kind 'gizmos'" in err


def test_click_usage_errors_are_one_line_too(cli):
    code, _, err = cli("run", "--no-such-flag")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "--no-such-flag" in err


def test_list_shows_components_with_their_plugin(cli):
    code, out, _ = cli.ok("list")
    for name in ("dcgan", "mlp", "bce", "digits", "ring8", "none"):
        assert name in out
    assert "ganbench.losses" in out and "dcgan" in out


def test_dry_run_prints_the_configuration(cli, tmp_path):
    _, out, _ = cli.ok("run", *FAST, "--dry-run", "--arch-opt", "base_channels=8",
                       "--results-dir", str(tmp_path))
    config = json.loads(out)
    # Resolved: the option typed, every other option of dcgan with its default.
    assert config["arch"]["name"] == "dcgan" and config["arch"]["options"]["base_channels"] == 8
    assert len(config["arch"]["options"]) > 1 and config["schema_version"] == 3
    assert config["steps"] == 4
    assert not any(tmp_path.iterdir())


def test_run_prints_the_run_directory_and_figures(cli, tmp_path):
    _, out, _ = cli.ok("run", *FAST, "--arch", "mlp", "--dataset", "ring8",
                       "--results-dir", str(tmp_path))
    assert "run directory:" in out and "img/s" in out
    (folder,) = [path for path in tmp_path.iterdir() if path.is_dir()]
    assert (folder / "result.json").exists()


def test_profile_prints_the_top_operators_and_writes_a_trace(cli, tmp_path):
    _, out, _ = cli.ok("run", *FAST, "--arch-opt", "base_channels=8", "--profile", "2",
                       "--results-dir", str(tmp_path))
    assert "Self CPU" in out and "aten::" in out
    (trace,) = tmp_path.glob("profile-*.json")
    assert json.loads(trace.read_text())["traceEvents"]
