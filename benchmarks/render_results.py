"""Re-render the tables of the results pages from their runs.

Every table on a page under results/ sits between two comments that name the command that made it:

    <!-- ganbench compare runs/mode-collapse --where dataset=ring8 --metric modes_covered -->
    | rank | ... |
    <!-- end compare -->

    python -m benchmarks.render_results [results/PAGE.md ...]

runs each command with ``--format markdown`` and puts its output between the comments, so a page
always shows what its runs say now, with the controls and corrections compare adds. Pages whose
runs are missing keep their tables as they are, with a warning naming the results folder.

A page's tables of one study's runs follow the study's ``[study]`` table in its suite
(benchmarks/suites/*.toml whose ``results_dir`` they read; docs/sweeps.md): with ``family = "page"``
their tests are Holm-adjusted as one family (ganbench.results.family), and ``asks_about`` flags the
columns that the stored calibration finds blind to what the study asks (ganbench.results.blind_spots).
Those tables are computed here with compare's library, the others by the command itself.

``--only TEXT`` re-renders only the blocks whose command contains TEXT (one data set's calibration,
say) and leaves the page's other tables as they are.

A study's budget (results/study-budgets.md) sits between ``<!-- python -m benchmarks.study_budget ARGS -->``
and ``<!-- end budget -->``: that command's table of the baseline's learning curve against its control.

What the GPU script measured (benchmarks/gpu) sits between ``<!-- ganbench gpu FIGURES.json -->`` and
``<!-- end gpu -->``: the section rendered from that figures file, or "not run" while there is none.
It needs no runs, so it is rendered even where a page's tables are left as they were.
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SUITES = REPO / "benchmarks" / "suites"
BLOCK = re.compile(r"(<!-- ganbench compare (?P<args>.*?) -->\n)(?P<table>.*?)(<!-- end compare -->)", re.S)
# A calibration table (results/metric-calibration.md): ganbench calibrate reads its ladder runs again (the
# runs that exist are not evaluated again) and prints the table the same way.
CALIBRATE_BLOCK = re.compile(r"(<!-- ganbench calibrate (?P<args>.*?) -->\n)(?P<table>.*?)(<!-- end calibrate -->)",
                             re.S)


# A study's budget read off its baseline's learning curve (results/study-budgets.md, benchmarks/study_budget.py).
BUDGET_BLOCK = re.compile(r"(<!-- python -m benchmarks.study_budget (?P<args>.*?) -->\n)(?P<table>.*?)(<!-- end budget -->)",
                          re.S)


# The GPU script's figures (results/gpu/*.json), named relative to the repository.
GPU_BLOCK = re.compile(r"(<!-- ganbench gpu (?P<figures>\S+) -->\n)(?P<section>.*?)(<!-- end gpu -->)", re.S)


def compare_blocks(text: str) -> list[list[str]]:
    """The argument lists of every compare block of a page."""
    return [shlex.split(match.group("args")) for match in BLOCK.finditer(text)]


def render_table(args: list[str], name: str = "compare") -> str:
    return block_output([sys.executable, "-m", "ganbench", name, *args, "--format", "markdown"])


def render_budget(args: list[str]) -> str:
    return block_output([sys.executable, "-m", "benchmarks.study_budget", *args])


def block_output(command: list[str]) -> str:
    """What a block's command prints; its last error line as a RuntimeError when it fails."""
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        stderr = done.stderr.strip()
        raise RuntimeError(stderr.splitlines()[-1] if stderr else f"{' '.join(command[2:4])} failed")
    return done.stdout.rstrip() + "\n"


def render_gpu_sections(text: str) -> str:
    """Every GPU block of a page, rendered from its figures file."""
    from benchmarks.gpu.page_section import render
    return GPU_BLOCK.sub(lambda match: match.group(1) + render(REPO / match.group("figures")) + match.group(4), text)


def render_page(path: Path, only: str | None = None) -> bool:
    """Re-render every block of ``path`` (or those whose command contains ``only``); False (and the page
    tables untouched) when a block's runs are missing."""
    text = render_gpu_sections(path.read_text(encoding="utf-8"))

    def wanted(match: re.Match) -> bool:
        return only is None or only in match.group("args")

    def compare_block(match: re.Match) -> str:
        if not wanted(match):
            return match.group(0)
        table = studies.get(match.group("args")) or render_table(shlex.split(match.group("args")))
        return match.group(1) + table + match.group(4)

    def calibrate_block(match: re.Match) -> str:
        if not wanted(match):
            return match.group(0)
        return match.group(1) + render_table(shlex.split(match.group("args")), "calibrate") + match.group(4)

    def budget_block(match: re.Match) -> str:
        if not wanted(match):
            return match.group(0)
        return match.group(1) + render_budget(shlex.split(match.group("args"))) + match.group(4)

    try:
        studies = study_tables([match.group("args") for match in BLOCK.finditer(text) if wanted(match)])
        rendered = BUDGET_BLOCK.sub(budget_block, CALIBRATE_BLOCK.sub(calibrate_block, BLOCK.sub(compare_block, text)))
    except RuntimeError as error:
        print(f"{path.name}: tables left as they were ({error})", file=sys.stderr)
        path.write_text(text, encoding="utf-8")
        return False
    path.write_text(rendered, encoding="utf-8")
    return True


# Studies: the tables of one suite's runs, adjusted as one family -----------------------------------------

def compare_params(args: list[str]) -> dict:
    """The parameters compare would read from ``args`` (a bad flag raises, as the command would)."""
    import click
    from ganbench.cli import cli
    command = cli.get_command(click.Context(cli), "compare")
    try:
        return command.make_context("compare", [*args, "--format", "markdown"]).params
    except click.ClickException as error:  # the page names a flag compare refuses: leave the page as it is
        raise RuntimeError(error.format_message()) from error


def results_dir_of(args: list[str]) -> Path:
    return (REPO / (compare_params(args)["results_dir"] or "runs")).resolve()


def suite_of(results_dir: Path) -> Path | None:
    """The suite under benchmarks/suites whose runs live in ``results_dir``."""
    for suite in sorted(SUITES.glob("*.toml")):
        with suite.open("rb") as handle:
            folder = tomllib.load(handle).get("sweep", {}).get("results_dir")
        if folder and (REPO / folder).resolve() == results_dir:
            return suite
    return None


def study_tables(blocks: list[str]) -> dict[str, str]:
    """Block arguments (as written on the page) -> table, for every block whose suite declares a [study];
    the rest are left to ``render_table``."""
    from ganbench.sweep.expand import Study, study_of_suite
    by_folder: dict[Path, list[str]] = {}
    for args in blocks:
        by_folder.setdefault(results_dir_of(shlex.split(args)), []).append(args)
    tables = {}
    for folder, members in by_folder.items():
        suite = suite_of(folder)
        study = study_of_suite(suite) if suite else Study()
        if study == Study():
            continue
        for args, table in zip(members, render_study([shlex.split(args) for args in members], folder, suite, study)):
            tables[args] = table
    return tables


def render_study(blocks: list[list[str]], folder: Path, suite: Path, study) -> list[str]:
    """The tables of one study's blocks, adjusted over its family and flagged for its question."""
    from ganbench.errors import GanbenchError
    from ganbench.results.blind_spots import question_flags
    from ganbench.results.compare import compare_results
    from ganbench.results.family import adjust_over_family
    from ganbench.results.render import render

    comparisons = []
    for args in blocks:
        params = compare_params(args)
        try:
            comparison, _ = compare_results(folder, params["metrics"], params["where"], params["sort"],
                                            params["baseline"], params["correction"])
        except GanbenchError as error:
            raise RuntimeError(str(error)) from error
        comparisons.append(comparison)
    if study.family == "page" and len(comparisons) > 1:
        shown = suite.relative_to(REPO) if suite.is_relative_to(REPO) else suite.name
        try:
            adjust_over_family(comparisons, f"the {suite.stem} study ({shown})")
        except ValueError as error:  # tables with different --correction cannot share a family
            raise RuntimeError(str(error)) from error
    for comparison in comparisons:
        comparison.calibration_notes += question_flags(
            list(study.asks_about), [group.label["dataset"] for group in comparison.groups], comparison.metrics,
            folder)
    return [render(comparison, "markdown").rstrip() + "\n" for comparison in comparisons]


def main(arguments: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.render_results",
                                     description="Re-render the tables of the results pages from their runs.")
    parser.add_argument("pages", nargs="*", type=Path, help="pages to render (default: every results/*.md)")
    parser.add_argument("--only", metavar="TEXT", help="re-render only the blocks whose command contains TEXT")
    options = parser.parse_args(arguments)
    missing = [str(page) for page in options.pages if not page.is_file()]
    if missing:
        parser.error(f"no such page: {missing[0]}.")
    only = options.only
    for page in options.pages or sorted((REPO / "results").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        tables = sum(len(block.findall(text)) for block in (BLOCK, CALIBRATE_BLOCK, BUDGET_BLOCK, GPU_BLOCK))
        if tables and render_page(page, only):
            print(f"{page.name}: {tables} tables rendered" + (f" (only those naming {only!r})" if only else ""))


if __name__ == "__main__":
    main(sys.argv[1:])
