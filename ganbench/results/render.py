"""A comparison rendered in one of the output formats: the one entry point over the text formats
(formats.py) and the HTML report (report.py), so that neither of those imports the other."""

from __future__ import annotations

import io

from rich.console import Console

from ganbench.results.comparison import Comparison
from ganbench.results.formats import print_terminal, to_csv, to_latex, to_markdown
from ganbench.results.report import html_report

FORMATS = ("terminal", "markdown", "csv", "latex", "html")


def render(comparison: Comparison, output_format: str, width: int = 200) -> str:
    """The comparison as text in one of FORMATS (terminal: plain text, for a file)."""
    if output_format == "markdown":
        return to_markdown(comparison)
    if output_format == "csv":
        return to_csv(comparison)
    if output_format == "latex":
        return to_latex(comparison)
    if output_format == "html":
        return html_report(comparison)
    if output_format == "terminal":
        console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
        print_terminal(comparison, console)
        return console.file.getvalue()
    raise ValueError(f"unknown format {output_format!r}")
