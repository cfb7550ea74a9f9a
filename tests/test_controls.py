"""Controls: reference generators with known answers, evaluated with the runs' protocol and shown by
compare as marked rows that are never ranked or tested."""

from __future__ import annotations

import csv
import io

import pytest
import torch

from ganbench.cli import main
from ganbench.resolve import resolve_config
from ganbench.controls import build_control, controls_for
from ganbench.engine.control_run import control_config, prepare_control
from ganbench.errors import Incompatible


def table(cli, *args: str) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO(cli.ok("compare", *args, "--format", "csv").out))
    return {row["arch"]: row for row in rows}


@pytest.mark.parametrize("dataset, noise_at_most", [("grid25", 2), ("ring8", 1)])
def test_mode_coverage_of_the_controls_has_the_known_answers(cli, dataset, noise_at_most, tmp_path):
    cli.ok("controls", str(tmp_path), "--dataset", dataset, "--evaluator", "mode-coverage",
           "--eval-samples", "2500", "--seeds", "2")
    rows = table(cli, str(tmp_path), "--metric", "modes_covered")
    modes = 25 if dataset == "grid25" else 8
    assert float(rows["control:real"]["modes_covered_mean"]) == modes
    assert float(rows["control:memorizer"]["modes_covered_mean"]) == modes
    assert float(rows["control:one-mode"]["modes_covered_mean"]) == 1
    assert float(rows["control:noise"]["modes_covered_mean"]) <= noise_at_most


def test_compare_marks_controls_never_ranks_them_and_keeps_them_under_arch_conditions(cli, tmp_path):
    cli.ok("run", "--arch", "mlp", "--dataset", "ring8", "--steps", "4", "--batch-size", "8",
           "--evaluator", "mode-coverage", "--eval-samples", "500", "--results-dir", str(tmp_path), "--quiet")
    cli.ok("controls", str(tmp_path), "--dataset", "ring8", "--evaluator", "mode-coverage",
           "--eval-samples", "500")
    rows = table(cli, str(tmp_path), "--where", "arch=mlp", "--baseline", "dataset=ring8")
    assert set(rows) == {"mlp", "control:real", "control:noise", "control:one-mode", "control:memorizer"}
    assert rows["mlp"]["baseline"] == "1"  # dataset=ring8 matches the controls too; they are not candidates
    assert all(rows[name]["baseline"] == "0" for name in rows if name.startswith("control:"))
    assert all(not rows[name]["rank"] for name in rows if name.startswith("control:"))
    markdown = cli.ok("compare", str(tmp_path), "--format", "markdown").out
    assert "Rows marked control: are reference generators" in markdown
    assert "Noise scores as well as or better than every trained configuration" in markdown


def test_a_control_is_the_baseline_only_when_asked(cli, tmp_path, capsys):
    cli.ok("controls", str(tmp_path), "--dataset", "ring8", "--evaluator", "mode-coverage",
           "--eval-samples", "500", "--control", "real", "--control", "noise", "--seeds", "2")
    rows = table(cli, str(tmp_path), "--baseline", "control=real")
    assert rows["control:real"]["baseline"] == "1" and rows["control:noise"]["baseline"] == "0"
    # Unasked, a control is never the baseline: a condition only controls meet matches no configuration.
    with pytest.raises(SystemExit) as stopped:
        main(["compare", str(tmp_path), "--baseline", "dataset=ring8"])
    assert stopped.value.code == 2 and "matches no configuration" in capsys.readouterr().err


def test_a_control_id_depends_on_the_data_not_on_training_settings():
    one = control_config("noise", {"dataset": "ring8", "arch": "mlp", "lr_d": 1e-3})
    other = control_config("noise", {"dataset": "ring8", "arch": "dcgan", "steps": 5})
    assert one.run_id == other.run_id and one.run_id.startswith("control-noise-ring8-s0-")
    assert control_config("noise", {"dataset": "grid25"}).run_id != one.run_id


def test_image_controls_stay_in_range_and_one_class_is_one_class():
    config = control_config("one-class", {"dataset": "digits", "resolution": 16, "device": "cpu"})
    setup = prepare_control(config)
    images = setup.generator(torch.zeros(64, 1))
    _, labels = setup.source.all_data()
    assert controls_for(setup.source) == ["real", "noise", "one-class", "memorizer"]
    noise = build_control("noise", setup.source, None, seed=0)(torch.zeros(64, 1))
    assert noise.min() >= -1 and noise.max() <= 1 and noise.std() > 0.5
    real, _ = setup.source.all_data()
    first_class = real[labels == labels[0]]
    assert all(any(torch.equal(image, candidate) for candidate in first_class) for image in images[:8])


def test_a_control_that_does_not_fit_the_data_is_one_sentence():
    with pytest.raises(Incompatible, match="does not apply to dataset 'ring8'"):
        prepare_control(control_config("one-class", {"dataset": "ring8", "device": "cpu"}))


def test_a_sweep_with_controls_lists_them_beside_its_runs(tmp_path, cli):
    out = cli.ok("sweep", "--arch", "mlp", "--dataset", "ring8,grid25", "--seeds", "2", "--controls",
                 "--results-dir", str(tmp_path), "--dry-run").out
    ids = [line for line in out.splitlines() if line.startswith("control-")]
    assert len(ids) == 2 * 2 * 4  # two data sets, two seeds, four controls each
