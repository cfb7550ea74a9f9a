"""A calibration (``ganbench.calibration``) as text: terminal, Markdown, CSV and HTML, like compare's tables.

The wide table has one row per metric and one column per ladder; a cell reads ``sees ≥ 0.05 (ρ +0.95)``:
the smallest step the metric separates from clean is the one of level 0.05, and ρ is the rank
correlation signed so that + means "worse as the defect grows". CSV is long (one row per metric,
ladder and step) and carries every number.
"""

from __future__ import annotations

import csv
import html
import io
from typing import Any

from rich.console import Console
from rich.table import Table

FORMATS = ("terminal", "markdown", "csv", "html")
ARROWS = {"lower": "↓", "higher": "↑"}


def cell_text(reading: dict[str, Any]) -> str:
    rho = reading["worse_correlation"]
    correlation = "ρ n/a (constant)" if rho is None else f"ρ {rho:+.2f}"
    if reading["verdict"] == "sees":
        return f"sees ≥ {reading['smallest_step']:g} ({correlation})"
    return f"{reading['verdict']} ({correlation})"


def wide_rows(document: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    ladders = list(document["ladders"])
    header = ["metric", *ladders, "blind to"]
    rows = []
    for metric, calibration in document["metrics"].items():
        cells = [f"{metric} {ARROWS.get(calibration['direction'], '')}".strip()]
        cells += [cell_text(calibration["defects"][name]) if name in calibration["defects"] else "—"
                  for name in ladders]
        cells.append(", ".join(calibration["blind_to"]) or "none")
        rows.append(cells)
    return header, rows


def notes(document: dict[str, Any]) -> list[str]:
    levels = "; ".join(f"{name}: {info['level_means']}, steps {', '.join(f'{v:g}' for v in info['levels'])}"
                       for name, info in document["ladders"].items())
    return [
        f"Calibration of {document['dataset']}{options_text(document)}{resolution_text(document)}: every "
        f"ladder step and the clean foot (clean@0, real samples a generator never trained on) evaluated at "
        f"{document['seeds']} seed(s) "
        f"with the runs' protocol ({', '.join(document['evaluators'])})"
        + (", each step as a class-conditional generator (DEFECT@LEVEL+labels: asked for class y, a sample of "
           "y with the defect, or of another class where the defect leaves none of y)." if document.get("conditional")
           else "."),
        "sees ≥ L: the smallest step the metric separates from clean in its worse direction (Welch's t-test over "
        f"seeds, p < {document['alpha']} after {document['family']}; two groups without variance that differ "
        "count as separated). rewards: no step worse, and the metric gets better with the defect. blind: no "
        "step separated. ρ: Spearman correlation of severity and metric, + when the metric worsens as the "
        "defect grows.",
        f"Ladders — {levels}.",
        f"Command: {document['command']}" if document.get("command") else "",
    ]


def options_text(document: dict[str, Any]) -> str:
    """The data set's options, where it has any: `` (subset=0.8, reference=held-out)``."""
    options = document.get("dataset_options") or {}
    return f" ({', '.join(f'{key}={value}' for key, value in sorted(options.items()))})" if options else ""


def resolution_text(document: dict[str, Any]) -> str:
    image = document.get("protocol", {}).get("data_kind", "image") == "image"
    return f" at {document['resolution']} px" if image else ""


def to_terminal(document: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    header, rows = wide_rows(document)
    table = Table(*header, show_lines=False)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    for note in notes(document):
        if note:
            console.print(note)


def to_markdown(document: dict[str, Any]) -> str:
    header, rows = wide_rows(document)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n\n" + "\n\n".join(note for note in notes(document) if note) + "\n"


def to_csv(document: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["dataset", "metric", "direction", "ladder", "level", "mean", "clean_mean", "difference",
                     "p_adjusted", "worse_correlation", "smallest_step", "verdict"])
    for metric, calibration in document["metrics"].items():
        for ladder, reading in calibration["defects"].items():
            for step in reading["steps"]:
                writer.writerow([document["dataset"], metric, calibration["direction"], ladder, f"{step['level']:g}",
                                 f"{step['mean']:.6g}", f"{reading['clean_mean']:.6g}", f"{step['difference']:.6g}",
                                 f"{step['p_adjusted']:.6g}", _blank(reading["worse_correlation"]),
                                 _blank(reading["smallest_step"]), reading["verdict"]])
    return out.getvalue()


def to_html(document: dict[str, Any]) -> str:
    header, rows = wide_rows(document)
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    footer = "".join(f"<p>{html.escape(note)}</p>" for note in notes(document) if note)
    title = html.escape(f"Metric calibration: {document['dataset']}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>"
            f"<table border='1'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{footer}</body></html>\n")


def render(document: dict[str, Any], output_format: str, width: int = 200) -> str:
    if output_format == "markdown":
        return to_markdown(document)
    if output_format == "csv":
        return to_csv(document)
    if output_format == "html":
        return to_html(document)
    if output_format == "terminal":
        console = Console(file=io.StringIO(), width=width, color_system=None, force_terminal=False)
        to_terminal(document, console)
        return console.file.getvalue()
    raise ValueError(f"unknown format {output_format!r}")


def _blank(value: Any) -> str:
    return "" if value is None else f"{value:g}"
