"""``ganbench report``: a results folder as a static site that any browser opens from disk.

index.html holds the comparison table exactly as ``ganbench compare`` builds it (the same cells,
controls marked, the same significance columns and notes) with a thumbnail of each configuration's
samples; each configuration has a page with the sample grid of every seed side by side and their
loss curves overlaid; each run has a page with its configuration, protocol and figures. Each metric
calibration stored in the folder (``ganbench calibrate``) gets a page with its table and notes,
linked from the index, so that the blind spots the table's footnotes name can be read in full. Pictures
are PNG files beside the pages (no inline data), and every name that reaches a page is escaped.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import quote

from ganbench.atomic import write_text
from ganbench.results.compare import compare_results
from ganbench.results.comparison import Comparison, GroupSummary
from ganbench.results.formats import table_cells
from ganbench.results.plots import CURVES_NAME, curves_figure, read_series, save_figure
from ganbench.results.report import STYLE
from ganbench.results.run_dir import RunDir

SITE_STYLE = STYLE + """
nav { font-size: 0.85em; margin-bottom: 1em; }
tr.control td { color: #666; font-style: italic; }
img.thumb { width: 96px; image-rendering: pixelated; }
img.curves { max-width: 100%; }
pre { background: #f6f6f6; padding: 0.8em; overflow-x: auto; font-size: 0.8em; }
"""


def write_site(results_dir: Path | str, out: Path | str, metrics: Sequence[str] = (), where: Iterable[str] = (),
               sort: str | None = None, baseline: str | None = None, correction: str = "holm",
               tell_skipped: Callable[[Path, str], None] | None = None) -> Path:
    """Write the site for ``results_dir`` into ``out``; returns the index page. ``tell_skipped`` hears of
    each run left out because its result.json or config.json cannot be read (as ``compare`` warns)."""
    comparison, rebuilt = compare_results(Path(results_dir), metrics, where, sort, baseline, correction)
    for path, reason in (rebuilt.skipped if rebuilt and tell_skipped else []):
        tell_skipped(path, reason)
    out = Path(out)
    for folder in ("configs", "runs", "calibration"):  # pages of runs no longer in the folder must not linger
        shutil.rmtree(out / folder, ignore_errors=True)
        (out / folder).mkdir(parents=True)
    write_text(out / "style.css", SITE_STYLE)
    title = f"ganbench report: {Path(results_dir).resolve().name}"
    for group in comparison.groups:
        write_text(out / "configs" / f"{file_name(group.group)}.html", configuration_page(group, out))
        for run in group.runs:
            write_text(out / "runs" / f"{file_name(run.run_id)}.html", run_page(run, group, out))
    calibrations = calibration_pages(Path(results_dir), out)
    write_text(out / "index.html", index_page(comparison, title, calibrations))
    return out / "index.html"


def calibration_pages(results_dir: Path, out: Path) -> list[tuple[str, str]]:
    """A page for each calibration stored in the results folder; (the page's path, its title) of each."""
    from ganbench.ladders import CALIBRATION_FOLDER
    from ganbench.results.blind_spots import read_calibration
    from ganbench.results.calibration_table import notes, wide_rows
    pages = []
    for path in sorted((results_dir / CALIBRATION_FOLDER).glob("*.json")):
        document = read_calibration(path)
        if document is None:  # compare's footnotes pass unreadable files over; so does the site
            continue
        title = f"Metric calibration: {document['dataset']}" + (
            ", class-conditional steps" if document.get("conditional") else "")
        header, rows = wide_rows(document)
        body = [plain_table(header, rows)] + [f'<p class="notes">{html.escape(note)}</p>'
                                               for note in notes(document) if note]
        target = f"calibration/{file_name(path.stem)}.html"
        write_text(out / target, page(title, body, depth=1))
        pages.append((target, title))
    return pages


def plain_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def file_name(text: str) -> str:
    """A name safe as a file name on every system (run ids may hold ``+``)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)


def link(target: str) -> str:
    """A relative URL for a file name (escaped for an attribute by the caller)."""
    return quote(target)


def page(title: str, body: Sequence[str], depth: int) -> str:
    """A whole page; ``depth`` is how many folders below the site's root it lies."""
    up = "../" * depth
    head = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
            f"<title>{html.escape(title)}</title>", f'<link rel="stylesheet" href="{up}style.css">', "</head>",
            "<body>"]
    nav = [f'<nav><a href="{up}index.html">all configurations</a></nav>'] if depth else []
    return "\n".join([*head, *nav, f"<h1>{html.escape(title)}</h1>", *body, "</body>", "</html>"]) + "\n"


def figure(source: str, caption: str, css_class: str, target: str | None = None) -> str:
    image = f'<img class="{css_class}" src="{html.escape(link(source))}" alt="{html.escape(caption)}">'
    if target:
        image = f'<a href="{html.escape(link(target))}">{image}</a>'
    return f"<figure>{image}<figcaption>{html.escape(caption)}</figcaption></figure>"


# The index: the comparison table, its notes, and a thumbnail per configuration.

def index_page(comparison: Comparison, title: str, calibrations: Sequence[tuple[str, str]] = ()) -> str:
    body = [comparison_table(comparison)]
    body += [f'<p class="notes">{html.escape(note)}</p>' for note in comparison.notes()]
    if calibrations:
        body += ["<h2>What the metrics see (ganbench calibrate)</h2>", "<ul>"]
        body += [f'<li><a href="{html.escape(link(target))}">{html.escape(name)}</a></li>' for target, name in calibrations]
        body += ["</ul>"]
    body += ["<h2>Samples (latest grid of the first seed)</h2>", '<div class="row">']
    for group in comparison.groups:
        thumbnail = f"configs/{file_name(group.group)}/samples-s{group.runs[0].seed}.png"
        if first_grid(group) is not None:  # copied there by the configuration's page
            body.append(figure(thumbnail, group.describe(), "grid", f"configs/{file_name(group.group)}.html"))
    return page(title, body + ["</div>"], depth=0)


def comparison_table(comparison: Comparison) -> str:
    """compare's table (ganbench.results.formats.table_cells), each row linked to its configuration page."""
    header, rows = table_cells(comparison)
    lines = ["<table>", "<thead>", "<tr><th>configuration</th>" + "".join(
        f"<th{cell_classes(cell)}>{html.escape(cell.text)}</th>" for cell in header) + "</tr>", "</thead>", "<tbody>"]
    for group, row in zip(comparison.groups, rows):
        name = f"control: {group.control}" if group.control else "details"
        first = f'<td><a href="configs/{html.escape(link(file_name(group.group)))}.html">{html.escape(name)}</a></td>'
        css = ' class="control"' if group.control else ""
        lines.append(f"<tr{css}>{first}" + "".join(
            f"<td{cell_classes(cell)}>{html.escape(cell.text)}</td>" for cell in row) + "</tr>")
    return "\n".join(lines + ["</tbody>", "</table>"])


def cell_classes(cell: Any) -> str:
    names = [name for name, wanted in (("num", cell.numeric), ("best", cell.best)) if wanted]
    return f' class="{" ".join(names)}"' if names else ""


def first_grid(group: GroupSummary) -> Path | None:
    return latest_grid(group.runs[0]) if group.runs else None


def latest_grid(run: Any) -> Path | None:
    folder = RunDir(run.path)
    return folder.latest_sample() if folder.path.is_dir() else None


# A configuration: every seed's samples side by side, and their curves in one picture.

def configuration_page(group: GroupSummary, out: Path) -> str:
    name = file_name(group.group)
    pictures = out / "configs" / name
    pictures.mkdir(parents=True, exist_ok=True)
    body = [runs_table(group), "<h2>Samples, one grid per seed</h2>", '<div class="row">']
    for run in group.runs:
        grid = latest_grid(run)
        if grid is not None:
            shutil.copyfile(grid, pictures / f"samples-s{run.seed}.png")
            body.append(figure(f"{name}/samples-s{run.seed}.png", f"seed {run.seed} ({grid.stem})", "grid",
                               f"../runs/{file_name(run.run_id)}.html"))
    body.append("</div>")
    series = [(f"seed {run.seed}", read_series(RunDir(run.path).read_metrics()))
              for run in group.runs if (Path(run.path) / "metrics.jsonl").is_file()]
    if any(points for _, points in series):
        save_figure(curves_figure(series, title=group.describe()), pictures / CURVES_NAME)
        body += ["<h2>Loss curves, seeds overlaid</h2>", figure(f"{name}/{CURVES_NAME}", group.describe(), "curves")]
    return page(group.describe(), body, depth=1)


def runs_table(group: GroupSummary) -> str:
    metrics = list(dict.fromkeys(name for run in group.runs for name in run.metrics))
    lines = ["<table>", "<thead><tr><th>run</th><th>seed</th><th>status</th>" + "".join(
        f'<th class="num">{html.escape(name)}</th>' for name in metrics) + "</tr></thead>", "<tbody>"]
    for run in group.runs:
        cells = "".join(f'<td class="num">{format_number(run.metrics.get(name))}</td>' for name in metrics)
        lines.append(f'<tr><td><a href="../runs/{html.escape(link(file_name(run.run_id)))}.html">'
                     f"{html.escape(run.run_id)}</a></td><td>{run.seed}</td><td>{html.escape(run.status)}</td>"
                     f"{cells}</tr>")
    return "\n".join(lines + ["</tbody>", "</table>"])


def format_number(value: Any) -> str:
    if value is None:
        return "-"
    return html.escape(f"{value:.4g}" if isinstance(value, float) else str(value))


# A run: its configuration, protocol and figures, its curves and its latest samples.

def run_page(run: Any, group: GroupSummary, out: Path) -> str:
    folder = RunDir(run.path)
    name = file_name(run.run_id)
    pictures = out / "runs" / name
    pictures.mkdir(parents=True, exist_ok=True)
    result = folder.read_result() if folder.path.is_dir() else None
    back = f'<p>configuration: <a href="../configs/{html.escape(link(file_name(group.group)))}.html">' \
           f"{html.escape(group.describe())}</a></p>"
    body = [back, "<h2>Figures</h2>", figures_table(result, run)]
    body += pictures_of_run(folder, name, pictures)
    body += ["<h2>Configuration</h2>", preformatted(run.config)]
    if result is not None and result.protocol:
        body += ["<h2>Protocol</h2>", preformatted(result.protocol)]
    return page(run.run_id, body, depth=1)


def figures_table(result: Any, run: Any) -> str:
    figures: dict[str, Any] = {"status": run.status, "seed": run.seed}
    if result is not None:
        figures.update({"steps": result.steps, "images seen": result.images_seen, "train time (s)": result.train_time_s,
                        "eval time (s)": result.eval_time_s, "total time (s)": result.total_time_s,
                        "img/s": result.img_per_s, **{f"final {k}": v for k, v in result.final.items()
                                                      if k not in ("step", "images")}})
    figures.update(run.metrics)
    rows = [f'<tr><td>{html.escape(str(key))}</td><td class="num">{format_number(value)}</td></tr>'
            for key, value in figures.items()]
    return "\n".join(["<table>", "<tbody>", *rows, "</tbody>", "</table>"])


def pictures_of_run(folder: RunDir, name: str, pictures: Path) -> list[str]:
    parts = ['<div class="row">']
    curves = folder.path / CURVES_NAME
    if curves.is_file():
        shutil.copyfile(curves, pictures / CURVES_NAME)
        parts.append(figure(f"{name}/{CURVES_NAME}", "losses and D accuracy", "curves"))
    grid = folder.latest_sample() if folder.path.is_dir() else None
    if grid is not None:
        shutil.copyfile(grid, pictures / "samples.png")
        parts.append(figure(f"{name}/samples.png", f"samples ({grid.stem})", "grid"))
    return parts + ["</div>"]


def preformatted(data: Any) -> str:
    return f"<pre>{html.escape(json.dumps(data, indent=2, sort_keys=True, default=str))}</pre>"
