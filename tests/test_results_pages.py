"""Pages under results/ render their tables from their runs: every table between compare markers names
a command that ganbench compare accepts, and the render script replaces exactly what is between them."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from benchmarks.render_results import BLOCK, compare_blocks
from ganbench.cli import cli

RESULTS = Path(__file__).resolve().parent.parent / "results"
PAGES_WITH_TABLES = sorted(page for page in RESULTS.glob("*.md") if compare_blocks(page.read_text()))


def test_the_republished_pages_render_from_their_runs():
    assert RESULTS / "mode-collapse.md" in PAGES_WITH_TABLES


@pytest.mark.parametrize("page", PAGES_WITH_TABLES, ids=lambda page: page.name)
def test_every_table_names_a_command_compare_accepts(page):
    compare = cli.get_command(click.Context(cli), "compare")
    for args in compare_blocks(page.read_text()):
        compare.make_context("compare", [*args, "--format", "markdown"])  # raises on a bad flag


def test_a_block_is_replaced_between_its_markers_and_nowhere_else():
    text = ("before\n<!-- ganbench compare runs/x --metric fid -->\nold table\n<!-- end compare -->\nafter\n")
    rendered = BLOCK.sub(lambda match: match.group(1) + "new table\n" + match.group(4), text)
    assert rendered == "before\n<!-- ganbench compare runs/x --metric fid -->\nnew table\n<!-- end compare -->\nafter\n"


def test_the_calibration_page_names_commands_calibrate_accepts():
    import shlex
    from benchmarks.render_results import CALIBRATE_BLOCK
    blocks = CALIBRATE_BLOCK.findall((RESULTS / "metric-calibration.md").read_text())
    # ring8, grid25, digits, digits conditional, digits held-out, MNIST, MNIST conditional, stacked-digits twice
    assert len(blocks) == 9
    calibrate = cli.get_command(click.Context(cli), "calibrate")
    for opening, _, _, _ in blocks:
        args = shlex.split(opening.removeprefix("<!-- ganbench calibrate ").removesuffix(" -->\n"))
        calibrate.make_context("calibrate", [*args, "--format", "markdown"])  # raises on a bad flag


def study_pages(tmp_path, monkeypatch, study: str):
    """A results folder of two configurations on ring8, the suite that made them and a page of two tables."""
    import benchmarks.render_results as render_results
    from test_compare import write_run  # tests/ is on sys.path (rootdir-relative imports)
    runs = tmp_path / "runs"
    for seed, (fid, modes) in enumerate([(1.0, 4.0), (2.0, 5.0), (3.0, 6.0)]):
        write_run(runs, "mlp", seed, {"fid": fid, "modes": modes})
    for seed, (fid, modes) in enumerate([(1.5, 5.5), (2.9, 6.1), (2.2, 7.4)]):
        write_run(runs, "wide", seed, {"fid": fid, "modes": modes})
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "toy.toml").write_text(f'{study}\n[sweep]\nresults_dir = "{runs}"\narch = "mlp"\n')
    monkeypatch.setattr(render_results, "SUITES", suites)
    page = tmp_path / "page.md"
    page.write_text("".join(f"<!-- ganbench compare {runs} --metric {metric} --baseline arch=mlp -->\nold\n"
                            f"<!-- end compare -->\n" for metric in ("fid", "modes")))
    return render_results, page, runs


def p_values_on(page_text: str) -> list[str]:
    import re
    return re.findall(r"p=([0-9.e-]+)", page_text)


def test_a_study_that_declares_one_family_adjusts_both_tables_of_its_page_together(tmp_path, monkeypatch):
    from scipy import stats
    render_results, page, runs = study_pages(tmp_path, monkeypatch, '[study]\nfamily = "page"')
    assert render_results.render_page(page)
    text = page.read_text()
    # Each table holds one test; over the page they are a family of 2: Holm doubles the smaller p-value.
    raw = sorted(stats.ttest_ind(wide, mlp, equal_var=False).pvalue
                 for wide, mlp in (([1.5, 2.9, 2.2], [1.0, 2.0, 3.0]), ([5.5, 6.1, 7.4], [4.0, 5.0, 6.0])))
    expected = [2 * raw[0], max(2 * raw[0], raw[1])]  # the table alone would show raw[0]
    assert sorted(p_values_on(text), key=float) == [f"{p:.2g}" for p in expected]
    assert text.count("over the family of 2 tests of the toy study (toy.toml), across its 2 tables") == 2


def test_without_a_study_each_table_is_its_own_family(tmp_path, monkeypatch):
    render_results, page, runs = study_pages(tmp_path, monkeypatch, "")
    assert render_results.render_page(page)
    assert page.read_text().count("over the family of 1 tests: 1 row × 1 metric") == 2


def test_a_column_blind_to_what_the_study_asks_about_is_flagged(tmp_path, monkeypatch):
    import json
    render_results, page, runs = study_pages(tmp_path, monkeypatch, '[study]\nasks_about = ["modes-dropped"]')
    (runs / "calibration").mkdir()
    (runs / "calibration" / "ring8.json").write_text(json.dumps({
        "dataset": "ring8", "seeds": 3, "resolution": 32,
        "metrics": {"fid": {"blind_to": ["modes-dropped"], "rewards": []}, "modes": {"blind_to": [], "rewards": []}}}))
    assert render_results.render_page(page)
    fid_table, modes_table = page.read_text().split("<!-- end compare -->")[:2]
    assert ("⚠ This study asks about modes-dropped; on ring8 the calibration (ganbench calibrate, 3 seeds, 32 px) "
            "finds these columns blind to it: fid (modes-dropped).") in fid_table
    assert "⚠" not in modes_table


def test_only_re_renders_the_blocks_that_name_it_and_leaves_the_others(tmp_path, monkeypatch):
    render_results, page, runs = study_pages(tmp_path, monkeypatch, "")
    assert render_results.render_page(page, only="--metric modes")
    fid_table, modes_table = page.read_text().split("<!-- end compare -->")[:2]
    assert fid_table.endswith("-->\nold\n") and "| modes ↑ |" in modes_table
