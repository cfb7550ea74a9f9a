"""The HTML report of a comparison: the table, loss curves and metric-vs-step plots per
configuration, and the sample grids side by side. One self-contained file: every picture is
embedded as a base64 PNG, and every name that reaches the page goes through html.escape.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from ganbench.results.comparison import Comparison, GroupSummary
from ganbench.results.formats import table_cells
from ganbench.results.plots import curves_figure, evaluation_points, figure_png, metric_figure, read_series
from ganbench.results.run_dir import RunDir

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ccc; padding: 0.3em 0.6em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.best { font-weight: bold; color: #176b2c; }
.notes { color: #555; font-size: 0.85em; }
.row { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }
figure { margin: 0; }
figcaption { font-size: 0.8em; max-width: 320px; }
img.grid { width: 256px; image-rendering: pixelated; }
"""


def html_report(comparison: Comparison, title: str = "ganbench compare") -> str:
    """The whole page as a string."""
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>{html.escape(title)}</title>", f"<style>{STYLE}</style>", "</head>", "<body>",
             f"<h1>{html.escape(title)}</h1>", html_table(comparison)]
    parts += [f'<p class="notes">{html.escape(note)}</p>' for note in comparison.notes()]
    parts += loss_curve_section(comparison.groups)
    parts += metric_section(comparison)
    parts += sample_section(comparison.groups)
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def html_table(comparison: Comparison) -> str:
    header, rows = table_cells(comparison)
    lines = ["<table>", "<thead>",
             "<tr>" + "".join(f"<th{_classes(cell)}>{html.escape(cell.text)}</th>" for cell in header) + "</tr>",
             "</thead>", "<tbody>"]
    for row in rows:
        lines.append("<tr>" + "".join(f"<td{_classes(cell)}>{html.escape(cell.text)}</td>" for cell in row) + "</tr>")
    lines += ["</tbody>", "</table>"]
    return "\n".join(lines)


def _classes(cell) -> str:
    names = [name for name, wanted in (("num", cell.numeric), ("best", cell.best)) if wanted]
    return f' class="{" ".join(names)}"' if names else ""


def loss_curve_section(groups: list[GroupSummary]) -> list[str]:
    parts = ["<h2>Loss curves per configuration</h2>"]
    for group in groups:
        runs = [(f"seed {run.seed}", read_series(RunDir(run.path).read_metrics()))
                for run in group.runs if Path(run.path).is_dir()]
        if not any(series for _, series in runs):
            continue  # no log to draw (the run directories moved, or hold no metrics.jsonl)
        picture = figure_png(curves_figure(runs, title=group.describe()))
        parts.append(_figure(picture, group.describe(), "curves"))
    return parts


def metric_section(comparison: Comparison) -> list[str]:
    """Each evaluated metric against the step: one line per configuration, the mean over its seeds."""
    lines_by_metric = {name: [] for name in comparison.metrics}
    for group in comparison.groups:
        by_step: dict[str, dict[int, list[float]]] = {}
        for run in group.runs:
            if not Path(run.path).is_dir():
                continue
            for step, metrics in evaluation_points(RunDir(run.path)):
                for name, value in metrics.items():
                    by_step.setdefault(name, {}).setdefault(step, []).append(value)
        for name in comparison.metrics:
            points = [(step, sum(values) / len(values)) for step, values in sorted(by_step.get(name, {}).items())]
            lines_by_metric[name].append((group.describe(), points))
    if not any(points for lines in lines_by_metric.values() for _, points in lines):
        return []
    parts = ["<h2>Metrics against the training step</h2>", '<div class="row">']
    for name, lines in lines_by_metric.items():
        picture = figure_png(metric_figure(name, lines, comparison.directions.get(name)))
        parts.append(_figure(picture, name, "metric"))
    return parts + ["</div>"]


def sample_section(groups: list[GroupSummary]) -> list[str]:
    """The latest sample grid of each configuration's first seed, side by side."""
    parts = ["<h2>Samples (latest grid of the first seed)</h2>", '<div class="row">']
    for group in groups:
        grid = next((RunDir(run.path).latest_sample() for run in group.runs
                     if Path(run.path).is_dir() and RunDir(run.path).latest_sample()), None)
        if grid is not None:
            parts.append(_figure(grid.read_bytes(), group.describe(), "grid"))
    return parts + ["</div>"]


def _figure(png: bytes, caption: str, css_class: str) -> str:
    encoded = base64.b64encode(png).decode("ascii")
    return (f'<figure><img class="{css_class}" alt="{html.escape(caption)}" src="data:image/png;base64,{encoded}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")
