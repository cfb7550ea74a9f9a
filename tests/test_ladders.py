"""Ladders: graded controls whose defects have the size they say, and the calibration that reads them."""

from __future__ import annotations

import csv
import io

import pytest
import torch

from ganbench.calibration import StepFigures, metric_calibration
from ganbench.cli import main
from ganbench.engine.control_run import control_config, prepare_control
from ganbench.errors import ConfigError, Incompatible
from ganbench.ladders import LadderData, build_step, ladder_data, parse_step

ZEROS = torch.zeros(1000, 1)


def digits_ladder_data(resolution: int = 16) -> LadderData:
    setup = prepare_control(control_config("clean@0", {"dataset": "digits", "resolution": resolution, "device": "cpu"}))
    return ladder_data(setup.source, None)


def test_k_classes_dropped_leaves_exactly_the_other_classes():
    data = digits_ladder_data()
    label_of = {image.numpy().tobytes(): int(label) for image, label in zip(data.base, data.base_labels)}
    for dropped in (1, 3, 9):
        samples = build_step(f"classes-dropped@{dropped}", data, seed=0)(torch.zeros(3000, 1))
        classes = {label_of[image.numpy().tobytes()] for image in samples}
        assert classes == set(range(dropped, 10))  # exactly C - k classes, every one of them present


def test_memorized_share_is_exact_in_every_prefix():
    base = torch.full((40, 1, 4, 4), -0.5) + torch.arange(40).view(40, 1, 1, 1) * 1e-3
    training = torch.full((60, 1, 4, 4), 0.5)
    data = LadderData("image", base, None, training)
    for share in (0.0, 0.25, 0.7, 1.0):
        generator = build_step(f"memorized-share@{share:g}", data, seed=3)
        copies = torch.cat([generator(torch.zeros(count, 1)) for count in (7, 250, 743)])[:, 0, 0, 0] > 0
        for prefix in (7, 257, 1000):
            assert int(copies[:prefix].sum()) == int(prefix * share)


def test_pixel_noise_has_the_standard_deviation_its_name_says():
    image = torch.linspace(-1, 1, 256).view(1, 1, 16, 16)
    data = LadderData("image", image, None, image)
    for sigma in (0.05, 0.4):
        samples = build_step(f"pixel-noise@{sigma:g}", data, seed=0)(ZEROS)
        assert (samples - image).std().item() == pytest.approx(sigma, rel=0.01)


def test_mode_spread_multiplies_the_modes_standard_deviation():
    setup = prepare_control(control_config("mode-spread@3", {"dataset": "ring8", "device": "cpu"}))
    points = setup.generator(torch.zeros(20_000, 1))
    centers = setup.source.centers
    offsets = points - centers[torch.cdist(points, centers).argmin(dim=1)]
    assert offsets.std().item() == pytest.approx(3 * setup.source.std, rel=0.03)


def test_a_step_draws_the_same_samples_every_time_and_other_seeds_draw_others():
    data = digits_ladder_data()
    first = build_step("pixel-noise@0.1", data, seed=1)(ZEROS)
    assert torch.equal(first, build_step("pixel-noise@0.1", data, seed=1)(ZEROS))
    assert not torch.equal(first, build_step("pixel-noise@0.1", data, seed=2)(ZEROS))


def test_a_step_id_comes_from_data_defect_level_and_seed():
    one = control_config("blur@1", {"dataset": "digits", "arch": "mlp", "steps": 3})
    assert one.run_id == control_config("blur@1", {"dataset": "digits"}).run_id
    assert one.run_id.startswith("control-blur@1-digits-s0-")
    others = [control_config("blur@2", {"dataset": "digits"}), control_config("blur@1", {"dataset": "digits", "seed": 1}),
              control_config("blur@1", {"dataset": "digits", "resolution": 16})]
    assert len({one.run_id, *(config.run_id for config in others)}) == 4


def test_a_bad_step_is_one_sentence():
    with pytest.raises(ConfigError, match="unknown ladder 'smudge'"):
        parse_step("smudge@1")
    with pytest.raises(Incompatible, match="out of range"):
        build_step("classes-dropped@10", digits_ladder_data(), seed=0)
    with pytest.raises(Incompatible, match="does not apply"):
        prepare_control(control_config("blur@1", {"dataset": "ring8", "device": "cpu"}))


def labels_of(data: LadderData) -> dict[bytes, int]:
    return {image.numpy().tobytes(): int(label) for image, label in zip(data.base, data.base_labels)}


def test_a_labelled_step_answers_each_ask_with_an_image_of_that_class():
    data = digits_ladder_data()
    label_of = labels_of(data)
    asked = torch.arange(3000) % 10
    samples = build_step("clean@0+labels", data, seed=0)(torch.zeros(3000, 1), asked)
    assert [label_of[image.numpy().tobytes()] for image in samples] == asked.tolist()


def test_a_labelled_step_answers_a_dropped_class_with_a_kept_one():
    data = digits_ladder_data()
    label_of = labels_of(data)
    asked = torch.arange(3000) % 10
    samples = build_step("classes-dropped@3+labels", data, seed=0)(torch.zeros(3000, 1), asked)
    answered = torch.tensor([label_of[image.numpy().tobytes()] for image in samples])
    kept = asked >= 3
    assert torch.equal(answered[kept], asked[kept])  # a kept class is answered with itself
    assert set(answered[~kept].tolist()) == set(range(3, 10))  # a dropped one with any kept class


def test_labelled_class_imbalance_answers_that_share_of_asks_with_the_first_class():
    data = digits_ladder_data()
    label_of = labels_of(data)
    asked = 1 + torch.arange(20_000) % 9  # never the first class
    samples = build_step("class-imbalance@0.5+labels", data, seed=0)(torch.zeros(20_000, 1), asked)
    answered = torch.tensor([label_of[image.numpy().tobytes()] for image in samples])
    assert ((answered == 0).float().mean().item()) == pytest.approx(0.5, abs=0.015)
    assert torch.equal(answered[answered != 0], asked[answered != 0])


def test_a_step_asked_for_no_labels_draws_exactly_what_it_drew_before_it_knew_them():
    from ganbench.ladders import PoolSampler, add_pixel_noise
    data = digits_ladder_data()
    with_labels = PoolSampler(data.base, 4, transform=add_pixel_noise(0.1), labels=data.base_labels)(ZEROS)
    without = PoolSampler(data.base, 4, transform=add_pixel_noise(0.1))(ZEROS)
    assert torch.equal(with_labels, without)
    assert torch.equal(build_step("pixel-noise@0.1+labels", data, seed=4)(ZEROS), without)


def test_a_labelled_step_is_its_own_control_run_and_needs_labelled_images():
    plain, labelled = (control_config(name, {"dataset": "digits"}) for name in ("blur@1", "blur@1+labels"))
    assert plain.run_id != labelled.run_id
    assert prepare_control(control_config("blur@1+labels", {"dataset": "digits", "device": "cpu"})).conditional
    with pytest.raises(Incompatible, match="no labelled images"):
        prepare_control(control_config("modes-dropped@1+labels", {"dataset": "ring8", "device": "cpu"}))


def test_cas_falls_as_classes_are_dropped_from_a_conditional_generator(tmp_path, capsys):
    rows = calibration_csv(capsys, str(tmp_path), "--dataset", "digits", "--resolution", "8", "--conditional",
                           "--ladder", "classes-dropped", "--evaluator", "cas", "--eval-samples", "500", "--seeds", "1")
    cas = {float(row["level"]): float(row["mean"]) for row in rows if row["metric"] == "cas_accuracy"}
    clean = float(next(row["clean_mean"] for row in rows if row["metric"] == "cas_accuracy"))
    assert clean > 0.8 and cas[9] < 0.2  # nine classes answered with one: a classifier of one class
    assert cas[9] < cas[5] < cas[1] < clean
    assert (tmp_path / "calibration" / "digits+labels.json").is_file()


def calibration_csv(capsys, *args: str) -> list[dict[str, str]]:
    try:
        main(["calibrate", *args, "--format", "csv"])
    except SystemExit as stopped:
        assert stopped.code == 0, capsys.readouterr().err
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def test_modes_covered_falls_by_one_per_dropped_mode_on_ring8(tmp_path, capsys):
    rows = calibration_csv(capsys, str(tmp_path), "--dataset", "ring8", "--ladder", "modes-dropped",
                           "--evaluator", "mode-coverage", "--seeds", "2")
    covered = {float(row["level"]): float(row["mean"]) for row in rows if row["metric"] == "modes_covered"}
    assert covered == {k: 8.0 - k for k in range(1, 8)}
    assert {row["verdict"] for row in rows if row["metric"] == "modes_covered"} == {"sees"}
    assert {row["smallest_step"] for row in rows if row["metric"] == "modes_covered"} == {"1"}
    assert (tmp_path / "calibration" / "ring8.json").is_file()  # what compare's footnotes read


def test_domain_fid_rises_with_pixel_noise_on_digits(tmp_path, capsys):
    rows = calibration_csv(capsys, str(tmp_path), "--dataset", "digits", "--resolution", "16", "--ladder",
                           "pixel-noise", "--evaluator", "domain-fid", "--eval-opt", "domain-fid.kid=false",
                           "--eval-samples", "300", "--seeds", "1")
    fid = [(float(row["level"]), float(row["mean"])) for row in rows if row["metric"] == "domain_fid"]
    clean = float(next(row["clean_mean"] for row in rows if row["metric"] == "domain_fid"))
    steps = [mean for _, mean in sorted(fid)]  # sigma 0.05, 0.1, 0.2, 0.4
    assert steps == sorted(steps) and clean < steps[1] and steps[-1] > 10 * clean
    # At 300 samples and one seed, sigma 0.05 is within the sampling noise of clean: not every pair is in order.
    assert float(next(row["worse_correlation"] for row in rows if row["metric"] == "domain_fid")) >= 0.9


def test_a_metric_that_never_moves_is_blind_and_one_that_improves_rewards_the_defect():
    clean = StepFigures("clean", 0.0, 0, {"flat": [1.0, 1.1, 0.9], "improves": [5.0, 5.1, 4.9]})
    steps = [clean] + [StepFigures("blur", level, rank, {"flat": [1.0, 1.1, 0.9],
                                                         "improves": [5 - rank + 0.1 * s for s in range(3)]})
                       for rank, level in enumerate((0.5, 1.0, 2.0), start=1)]
    assert metric_calibration("flat", "lower", steps)["defects"]["blur"]["verdict"] == "blind"
    improves = metric_calibration("improves", "lower", steps)
    assert improves["defects"]["blur"]["verdict"] == "rewards" and improves["blind_to"] == ["blur"]
    worsens = metric_calibration("improves", "higher", steps)["defects"]["blur"]
    assert worsens["verdict"] == "sees" and worsens["smallest_step"] == 0.5


@pytest.mark.parametrize("args, message", [
    (["--ladder", "smudge"], "unknown ladder 'smudge'"),
    (["--dataset", "ring8", "--ladder", "blur"], "does not apply to dataset 'ring8'"),
    (["--seeds", "0"], "--seeds must be a positive number"),
    (["--dataset", "ring8", "--conditional"], "has no labelled images"),
])
def test_calibrate_refuses_bad_input_in_one_sentence(args, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["calibrate", str(tmp_path), *args])
    error = capsys.readouterr().err
    assert stopped.value.code == 2 and message in error and error.count("\n") == 1


def test_compare_names_each_columns_blind_spots_from_the_stored_calibration(tmp_path, capsys):
    calibration_csv(capsys, str(tmp_path), "--dataset", "ring8", "--ladder", "modes-dropped", "--ladder",
                    "mode-spread", "--evaluator", "mode-coverage", "--seeds", "2")
    main(["controls", str(tmp_path), "--dataset", "ring8", "--evaluator", "mode-coverage", "--control", "real",
          "--control", "noise"])
    capsys.readouterr()
    main(["compare", str(tmp_path), "--format", "markdown"])
    footnote = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("Blind spots on ring8"))
    assert "modes_covered: blind to mode-spread" in footnote
    assert "high_quality_share: blind to modes-dropped" in footnote
    main(["compare", str(tmp_path), "--format", "markdown", "--metric", "mode_reverse_kl"])
    assert "modes_covered" not in capsys.readouterr().out  # only the columns shown


def test_the_data_copying_test_reads_unseen_data_as_real_and_a_memorizer_as_copying(tmp_path):
    from ganbench.engine.control_run import run_control
    figures = {}
    for name in ("clean@0", "memorized-share@0.5", "memorized-share@1", "real"):
        config = control_config(name, {"dataset": "digits", "resolution": 8, "device": "cpu", "eval_samples": 400,
                                       "evaluators": [{"name": "data-copying"}], "results_dir": str(tmp_path)})
        figures[name] = run_control(config).result
    assert figures["clean@0"].metrics["copied_share"] <= 0.1 and abs(figures["clean@0"].metrics["copy_z"]) < 3
    assert figures["memorized-share@0.5"].metrics["copied_share"] == pytest.approx(0.5, abs=0.06)
    assert figures["memorized-share@1"].metrics["copied_share"] == 1 and figures["memorized-share@1"].metrics["copy_z"] < -10
    # digits trains on every image: outside the ladders there is nothing unseen to compare with, and it says so.
    assert figures["real"].metrics == {} and "no held-out images" in figures["real"].protocol["data-copying"]["skipped"]


def test_a_conditional_calibration_adds_its_own_metrics_to_the_data_sets_blind_spots(tmp_path):
    import json

    from ganbench.results.blind_spots import blind_spot_notes, stored_calibrations
    folder = tmp_path / "calibration"
    folder.mkdir()

    def reading(blind):
        return {"direction": "lower", "defects": {}, "blind_to": blind, "rewards": []}

    (folder / "digits.json").write_text(json.dumps(
        {"dataset": "digits", "seeds": 3, "metrics": {"domain_fid": reading(["memorized-share"])}}))
    (folder / "digits+labels.json").write_text(json.dumps(
        {"dataset": "digits", "seeds": 3, "conditional": True,
         "metrics": {"domain_fid": reading(["blur"]), "cas_accuracy": reading(["pixel-noise"])}}))
    merged = stored_calibrations(tmp_path)["digits"]
    assert merged["metrics"]["domain_fid"]["blind_to"] == ["memorized-share"]  # the unconditional reading stands
    assert merged["metrics"]["cas_accuracy"]["blind_to"] == ["pixel-noise"]  # only the conditional steps have it
    note, = blind_spot_notes(["digits"], ["domain_fid", "cas_accuracy"], tmp_path)
    assert "domain_fid: blind to memorized-share" in note and "cas_accuracy: blind to pixel-noise" in note


def test_a_calibration_names_the_data_options_it_was_made_with():
    from ganbench.calibration import calibration_document
    from ganbench.results.calibration_table import notes
    clean = StepFigures("clean", 0.0, 0, {"domain_fid": [1.0, 1.1]})
    document = calibration_document("digits", 32, 2, ["domain-fid"], "", [clean], {"domain_fid": "lower"},
                                    {"data_kind": "image"}, dataset_options={"subset": 0.8, "reference": "held-out"})
    assert document["dataset_options"] == {"subset": 0.8, "reference": "held-out"}
    assert notes(document)[0].startswith("Calibration of digits (reference=held-out, subset=0.8) at 32 px:")


def test_labelled_collapse_answers_a_class_it_lost_with_one_of_its_images():
    data = digits_ladder_data()
    asked = torch.arange(500) % 10
    samples = build_step("collapse@1+labels", data, seed=2)(torch.zeros(500, 1), asked)
    assert len({image.numpy().tobytes() for image in samples}) == 1  # one image, whatever class was asked
    three = build_step("collapse@3+labels", data, seed=2)(torch.zeros(500, 1), asked)
    assert len({image.numpy().tobytes() for image in three}) <= 3


def test_a_calibration_names_only_the_data_options_set_away_from_their_defaults():
    from ganbench.engine.ladder_run import options_set
    from ganbench.resolve import resolve_config
    assert options_set(resolve_config({"dataset": {"name": "digits", "options": {}}})) == {}
    held_out = resolve_config({"dataset": {"name": "digits", "options": {"subset": 0.8, "reference": "held-out"}}})
    assert options_set(held_out) == {"subset": 0.8, "reference": "held-out"}
