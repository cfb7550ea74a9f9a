"""Re-render the tables of the results pages from their runs.

Every table on a page under results/ sits between two comments that name the command that made it:

    <!-- ganbench compare runs/mode-collapse --where dataset=ring8 --metric modes_covered -->
    | rank | ... |
    <!-- end compare -->

    python -m benchmarks.render_results [results/PAGE.md ...]

runs each command with ``--format markdown`` and puts its output between the comments, so a page
always shows what its runs say now, with the controls and corrections compare adds. Pages whose
runs are missing keep their tables as they are, with a warning naming the results folder.

What the GPU script measured (benchmarks/gpu) sits between ``<!-- ganbench gpu FIGURES.json -->`` and
``<!-- end gpu -->``: the section rendered from that figures file, or "not run" while there is none.
It needs no runs, so it is rendered even where a page's tables are left as they were.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BLOCK = re.compile(r"(<!-- ganbench compare (?P<args>.*?) -->\n)(?P<table>.*?)(<!-- end compare -->)", re.S)
# A calibration table (results/metric-calibration.md): ganbench calibrate reads its ladder runs again (the
# runs that exist are not evaluated again) and prints the table the same way.
CALIBRATE_BLOCK = re.compile(r"(<!-- ganbench calibrate (?P<args>.*?) -->\n)(?P<table>.*?)(<!-- end calibrate -->)",
                             re.S)


# The GPU script's figures (results/gpu/*.json), named relative to the repository.
GPU_BLOCK = re.compile(r"(<!-- ganbench gpu (?P<figures>\S+) -->\n)(?P<section>.*?)(<!-- end gpu -->)", re.S)


def compare_blocks(text: str) -> list[list[str]]:
    """The argument lists of every compare block of a page."""
    return [shlex.split(match.group("args")) for match in BLOCK.finditer(text)]


def render_table(args: list[str], name: str = "compare") -> str:
    command = [sys.executable, "-m", "ganbench", name, *args, "--format", "markdown"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "compare failed")
    return done.stdout.rstrip() + "\n"


def render_gpu_sections(text: str) -> str:
    """Every GPU block of a page, rendered from its figures file."""
    from benchmarks.gpu.page_section import render
    return GPU_BLOCK.sub(lambda match: match.group(1) + render(REPO / match.group("figures")) + match.group(4), text)


def render_page(path: Path) -> bool:
    """Re-render every block of ``path``; False (and the tables untouched) when a block's runs are missing."""
    text = render_gpu_sections(path.read_text(encoding="utf-8"))
    try:
        rendered = BLOCK.sub(lambda match: match.group(1) + render_table(shlex.split(match.group("args")))
                             + match.group(4), text)
        rendered = CALIBRATE_BLOCK.sub(lambda match: match.group(1) + render_table(
            shlex.split(match.group("args")), "calibrate") + match.group(4), rendered)
    except RuntimeError as error:
        print(f"{path.name}: tables left as they were ({error})", file=sys.stderr)
        path.write_text(text, encoding="utf-8")
        return False
    path.write_text(rendered, encoding="utf-8")
    return True


def main(paths: list[str]) -> None:
    pages = [Path(path) for path in paths] or sorted((REPO / "results").glob("*.md"))
    for page in pages:
        text = page.read_text(encoding="utf-8")
        tables = len(compare_blocks(text)) + len(CALIBRATE_BLOCK.findall(text)) + len(GPU_BLOCK.findall(text))
        if tables and render_page(page):
            print(f"{page.name}: {tables} tables rendered")


if __name__ == "__main__":
    main(sys.argv[1:])
