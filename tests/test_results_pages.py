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
    assert len(blocks) == 2
    calibrate = cli.get_command(click.Context(cli), "calibrate")
    for opening, _, _, _ in blocks:
        args = shlex.split(opening.removeprefix("<!-- ganbench calibrate ").removesuffix(" -->\n"))
        calibrate.make_context("calibrate", [*args, "--format", "markdown"])  # raises on a bad flag
