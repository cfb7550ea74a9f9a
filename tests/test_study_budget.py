"""A study's budget from its baseline's learning curve (benchmarks/study_budget.py): the step from
which the baseline beats the one-mode control for good, per study table, against hand-made curves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.study_budget import main, study_curves

DIRECTIONS = {"modes_covered": "higher"}


def write_run(results: Path, arch: str, seed: int, curve: dict[int, float], dataset: str = "ring8",
              stabilizer: str = "none", control: str | None = None) -> None:
    """A finished run written by hand: its evaluations.jsonl holds every step but the last, which is
    result.json's, as the engine writes them (a control has no curve: one value at step 0)."""
    group = f"{arch}-{stabilizer}-{dataset}"
    run_id = f"{group}-s{seed}"
    folder = results / run_id
    folder.mkdir(parents=True)
    *middle, last = sorted(curve)
    stabilizers = [] if stabilizer == "none" else [{"name": stabilizer, "options": {}}]
    config = {"schema_version": 2, "run_id": run_id, "group": group, "arch": {"name": arch, "options": {}},
              "loss": {"name": "bce", "options": {}}, "dataset": {"name": dataset, "options": {}},
              "stabilizers": stabilizers, "seed": seed, "steps": last, "batch_size": 64, "resolution": 32,
              "control": control}
    result = {"run_id": run_id, "group": group, "status": "finished", "arch": f"control:{control}" if control else arch,
              "loss": "bce", "dataset": dataset, "stabilizers": [stabilizer], "seed": seed, "steps": last,
              "budget": {"steps": last, "images": 64 * last, "batch_size": 64, "n_critic": 1},
              "images_seen": 64 * last, "wall_time_s": 1.0, "img_per_s": 900.0, "final": {},
              "metrics": {"modes_covered": curve[last]}, "directions": DIRECTIONS, "diverged_at": None,
              "control": control}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "result.json").write_text(json.dumps(result))
    (folder / "evaluations.jsonl").write_text(
        "".join(json.dumps({"step": step, "metrics": {"modes_covered": curve[step]}}) + "\n" for step in middle))


@pytest.fixture
def study(tmp_path) -> Path:
    """Two tables (mlp and wide), one data set whose one-mode control covers 1 mode.

    mlp's baseline (mean over seeds 0.5, 1.5, 3.0 at steps 100-300) beats the control from step 200;
    wide's baseline beats it at step 100, falls back to 1.0 (a tie is not better) at 200, and beats it
    again from 300; the stabilized runs are never read."""
    for seed in range(2):
        write_run(tmp_path, "mlp", seed, {100: 0.0 + seed, 200: 1.0 + seed, 300: 2.0 + 2 * seed})
        write_run(tmp_path, "mlp", seed, {100: 8.0, 200: 8.0, 300: 8.0}, stabilizer="pac")
        write_run(tmp_path, "wide", seed, {100: 2.0, 200: 1.0, 300: 3.0})
        write_run(tmp_path, "one", seed, {0: 1.0}, control="one-mode")
    return tmp_path


def test_the_baseline_learns_from_the_first_step_after_which_it_always_beats_the_control(study):
    curves = {curve.cell["arch"]: curve for curve in study_curves(study, "stabilizers=none", by=["arch"])}
    assert set(curves) == {"mlp", "wide"}
    assert curves["mlp"].points == {100: [0.0, 1.0], 200: [1.0, 2.0], 300: [2.0, 4.0]}
    assert curves["mlp"].control_value == 1.0 and curves["mlp"].control == "one-mode"
    assert curves["mlp"].learned_from() == 200
    assert curves["wide"].learned_from() == 300  # the dip at 200 resets the count
    assert curves["mlp"].budget == 300


def test_a_baseline_that_never_beats_the_control_is_not_learned(tmp_path):
    for seed in range(2):
        write_run(tmp_path, "mlp", seed, {100: 0.0, 200: 1.0})
        write_run(tmp_path, "one", seed, {0: 1.0}, control="one-mode")
    [curve] = study_curves(tmp_path, "stabilizers=none")
    assert curve.learned_from() is None


def test_the_printed_table_gives_each_tables_verdict(study, capsys):
    assert main([str(study), "--baseline", "stabilizers=none", "--by", "arch"]) == 0
    out = capsys.readouterr().out
    assert "| mlp | one-mode: 1 modes_covered | 100: 0.5; 200: **1.5**; 300: **3** | 300 | learned from step 200 (67% of the budget) |" in out
    assert "| wide | one-mode: 1 modes_covered | 100: **2**; 200: 1; 300: **3** | 300 | learned from step 300 (100% of the budget) |" in out


def test_runs_without_a_collapse_control_are_one_sentence_and_exit_2(tmp_path, capsys):
    write_run(tmp_path, "mlp", 0, {100: 3.0})
    assert main([str(tmp_path), "--baseline", "stabilizers=none"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no one-mode/one-class control" in err and "--controls" in err


def test_a_missing_results_directory_is_one_sentence_and_exit_2(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere"), "--baseline", "stabilizers=none"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_a_results_page_renders_its_budget_block_from_the_runs(study, tmp_path):
    from benchmarks.render_results import render_page
    page = tmp_path / "budgets.md"
    page.write_text(f"# Budgets\n\n<!-- python -m benchmarks.study_budget {study} --baseline stabilizers=none --by arch -->\n"
                    "stale table\n<!-- end budget -->\n\nprose after\n")
    assert render_page(page)
    text = page.read_text()
    assert "stale table" not in text and "learned from step 200 (67% of the budget)" in text
    assert text.endswith("<!-- end budget -->\n\nprose after\n")


def test_a_by_key_that_is_no_run_setting_is_one_sentence_naming_by(study, capsys):
    assert main([str(study), "--baseline", "stabilizers=none", "--by", "nonsense"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("Error: --by 'nonsense' is not a run setting")
