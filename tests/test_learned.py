"""compare's known answers: the "not learned" mark against the one-mode control of the same data, in
every format, and the minimum detectable effect when nothing is significant."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from ganbench.results.compare import compare_results
from ganbench.results.learned import minimum_detectable_effect
from ganbench.results.render import render

DIRECTIONS = {"modes_covered": "higher", "high_quality_share": "higher"}


def write_run(results: Path, name: str, seed: int, metrics: dict, dataset="ring8", control=None) -> None:
    """A finished run directory written by hand (a control when ``control`` is set)."""
    group = f"{name}-{dataset}"
    run_id = f"{group}-s{seed}"
    folder = results / run_id
    folder.mkdir(parents=True)
    config = {"schema_version": 2, "run_id": run_id, "group": group, "arch": {"name": name, "options": {}},
              "loss": {"name": "bce", "options": {}}, "dataset": {"name": dataset, "options": {}},
              "stabilizers": [], "seed": seed, "steps": 30, "batch_size": 64, "resolution": 32, "control": control}
    result = {"run_id": run_id, "group": group, "status": "finished", "arch": f"control:{control}" if control else name,
              "loss": "bce", "dataset": dataset, "stabilizers": ["none"], "seed": seed, "steps": 0 if control else 30,
              "budget": {"steps": 30, "images": 1920, "batch_size": 64, "n_critic": 1},
              "images_seen": 0 if control else 1920, "wall_time_s": 1.0, "img_per_s": 900.0,
              "final": {}, "metrics": metrics, "directions": {key: DIRECTIONS[key] for key in metrics},
              "diverged_at": None, "control": control}
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "result.json").write_text(json.dumps(result))


@pytest.fixture
def results(tmp_path) -> Path:
    """On ring8, the one-mode control covers 1 mode: 'good' covers 5-7, 'stuck' 0-1 (mean 0.5)."""
    for seed in range(3):
        write_run(tmp_path, "good", seed, {"modes_covered": 5.0 + seed, "high_quality_share": 0.9})
        write_run(tmp_path, "stuck", seed, {"modes_covered": [0.0, 1.0, 0.5][seed], "high_quality_share": 0.95})
        write_run(tmp_path, "one", seed, {"modes_covered": 1.0, "high_quality_share": 0.99}, control="one-mode")
    return tmp_path


def rows_of(results: Path) -> dict:
    comparison, _ = compare_results(results)
    return {group.label["arch"]: group for group in comparison.groups}


def test_a_row_no_better_than_the_one_mode_control_is_not_learned(results):
    rows = rows_of(results)
    assert rows["good"].learned is True
    assert rows["stuck"].learned is False
    assert rows["control:one-mode"].learned is None  # a control is not judged


def test_a_row_whose_data_has_no_collapse_control_gets_no_mark(results):
    for seed in range(2):
        write_run(results, "other", seed, {"modes_covered": 3.0}, dataset="grid25")
    assert rows_of(results)["other"].learned is None


def test_every_format_shows_the_mark_and_the_count(results):
    comparison, _ = compare_results(results)
    markdown = render(comparison, "markdown")
    stuck_line = next(line for line in markdown.splitlines() if line.startswith("|") and "| stuck |" in line)
    assert "| not learned |" in stuck_line
    assert "Learned: 1 of 2 trained configurations" in markdown
    table = list(csv.DictReader(io.StringIO(render(comparison, "csv"))))
    assert {row["arch"]: row["learned"] for row in table} == {"good": "1", "stuck": "0", "control:one-mode": ""}
    latex = render(comparison, "latex")
    assert "not learned" in latex and "Learned: 1 of 2" in latex
    html = render(comparison, "html")
    assert "<td>not learned</td>" in html and "Learned: 1 of 2" in html
    terminal = render(comparison, "terminal", width=250)
    assert "not learned" in terminal


def test_the_report_site_shows_the_mark(results, tmp_path):
    from ganbench.results.site import write_site
    out = tmp_path / "site"
    write_site(results, out)
    index = (out / "index.html").read_text()
    assert "<td>not learned</td>" in index and "Learned: 1 of 2" in index


def test_when_nothing_is_significant_compare_states_the_detectable_effect(results):
    comparison, _ = compare_results(results, metrics=["modes_covered"], baseline="arch=stuck")
    # good (5, 6, 7) against stuck (0, 1, 0.5): significant, so no MDE line
    assert not any("minimum detectable effect" in note for note in comparison.notes())
    for seed in range(3):
        write_run(results, "close", seed, {"modes_covered": [0.5, 0.0, 1.0][seed]})
    comparison, _ = compare_results(results, metrics=["modes_covered"], baseline="arch=stuck",
                                    where=["arch=stuck,close"])
    note = next(note for note in comparison.notes() if "minimum detectable effect" in note)
    expected = minimum_detectable_effect(0.5, 3, alpha=0.05)  # stuck's seeds 0, 1, 0.5: s = 0.5; one test
    assert f"modes_covered {expected:.3g}" in note and "n = 3" in note and "α = 0.05 (the table has one test to correct for)" in note


def test_the_detectable_effect_is_read_at_the_alpha_of_the_tables_family(results):
    # Two rows against stuck on one metric: 2 tests, so the best p-value must clear 0.05 / 2.
    for seed in range(3):
        write_run(results, "close", seed, {"modes_covered": [0.5, 0.0, 1.0][seed], "high_quality_share": 0.95})
        write_run(results, "near", seed, {"modes_covered": [1.0, 0.0, 0.5][seed], "high_quality_share": 0.95})
    comparison, _ = compare_results(results, metrics=["modes_covered"], baseline="arch=stuck",
                                    where=["arch=stuck,close,near"])
    assert comparison.tests == 2
    note = next(note for note in comparison.notes() if "minimum detectable effect" in note)
    wider = minimum_detectable_effect(0.5, 3, alpha=0.025)
    assert f"modes_covered {wider:.3g}" in note and "α = 0.05/2 = 0.025" in note
    assert wider > minimum_detectable_effect(0.5, 3, alpha=0.05)  # a larger family sees less


def test_compare_power_counts_the_seeds_a_difference_needs_from_the_baselines_spread(results, cli):
    from ganbench.results.power import corrected_alpha, seeds_needed
    # stuck's seeds 0, 1, 0.5 (s = 0.5) are the pilot; good against stuck on one metric is 1 test.
    out = cli.ok("compare", str(results), "--metric", "modes_covered", "--baseline", "arch=stuck",
                 "--power", "modes_covered=0.5", "--power", "2", "--format", "markdown").out
    line = next(line for line in out.splitlines() if line.startswith("Seeds needed"))
    # "2" alone is for the ranked metric, modes_covered; both requests are answered, in order.
    wanted = seeds_needed(2.0, 0.5, corrected_alpha(0.05, 1))
    half = seeds_needed(0.5, 0.5, corrected_alpha(0.05, 1))
    assert f"a modes_covered difference of 0.5: {half} seeds per configuration" in line
    assert line.index("difference of 0.5") < line.index("difference of 2:") and half > wanted
    assert f"a modes_covered difference of 2: {wanted} seeds per configuration (s = 0.5 over the baseline's 3 seeds)" in line
    assert "α = 0.05 (the table has one test to correct for)" in line


@pytest.mark.parametrize("flags, sentence", [
    (["--power", "5"], "--power needs --baseline"),
    (["--baseline", "arch=stuck", "--power", "fid=5"], "names no tested metric"),
    (["--baseline", "arch=stuck", "--power", "modes_covered=lots"], "must be a number"),
    (["--baseline", "arch=stuck", "--power", "modes_covered=-1"], "positive, finite"),
])
def test_a_bad_power_request_is_one_sentence_and_exit_2(results, cli, flags, sentence):
    code, out, err = cli("compare", str(results), "--metric", "modes_covered", *flags)
    assert code == 2 and sentence in err and err.count("\n") == 1


def test_a_baseline_whose_seeds_do_not_vary_gives_no_size_rather_than_zero(tmp_path, cli):
    # Both rows cover 2 modes on every seed: no test is possible, and a spread of 0 would claim that
    # 2 seeds see any difference. The notes say the size is unknown instead.
    for seed in range(3):
        write_run(tmp_path, "flat", seed, {"modes_covered": 2.0, "high_quality_share": 0.5 + 0.1 * seed})
        write_run(tmp_path, "also", seed, {"modes_covered": 2.0, "high_quality_share": 0.6 - 0.1 * seed})
    out = cli.ok("compare", str(tmp_path), "--baseline", "arch=flat", "--power", "modes_covered=1",
                 "--format", "markdown").out
    mde = next(line for line in out.splitlines() if line.startswith("Nothing is significant"))
    assert "modes_covered unknown (the baseline's 3 seeds do not vary)" in mde
    assert "high_quality_share 0." in mde and "α = 0.05 (the table has one test to correct for)" in mde
    seeds = next(line for line in out.splitlines() if line.startswith("Seeds needed"))
    assert "a modes_covered difference of 1: unknown, the baseline's 3 seeds do not vary" in seeds
