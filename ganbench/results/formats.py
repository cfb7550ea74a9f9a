"""A Comparison as text: a terminal table (rich), Markdown, CSV and LaTeX.

Every format shows the same cells (``table_cells``); CSV alone carries the raw numbers
(mean, CI, std, n, rank, p-value, adjusted p-value and difference to the baseline per metric) so
that other tools can read it back. With a baseline, each tested metric gets a Δ column: the
difference of means with its 95% CI and the adjusted p-value.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ganbench.results.comparison import LABEL_KEYS, Comparison, GroupSummary, MetricSummary
from ganbench.results.learned import has_marks, learned_text

ARROWS = {"lower": "↓", "higher": "↑"}
DASH = "—"


@dataclasses.dataclass
class Cell:
    text: str
    best: bool = False
    numeric: bool = False


def table_cells(comparison: Comparison) -> tuple[list[Cell], list[list[Cell]]]:
    """The header and the rows shared by the terminal, Markdown, LaTeX and HTML tables."""
    header = [Cell("rank", numeric=True), *(Cell(key) for key in LABEL_KEYS)]
    if comparison.has_settings:
        header.append(Cell("settings"))
    if has_marks(comparison):
        header.append(Cell("learned"))
    header += [Cell("n", numeric=True), Cell("diverged", numeric=True)]
    header += [Cell(f"{name} {ARROWS.get(comparison.directions[name] or '', '')}".strip(), numeric=True)
               for name in comparison.metrics]
    header += [Cell(text, numeric=True) for text in ("steps", "images", "wall s", "img/s")]
    header += [Cell(f"Δ {name}", numeric=True) for name in tested_metrics(comparison)]
    return header, [group_cells(comparison, group) for group in comparison.groups]


def group_cells(comparison: Comparison, group: GroupSummary) -> list[Cell]:
    cells = [Cell(str(group.rank) if group.rank is not None else DASH, numeric=True),
             *(Cell(group.label[key] + (" (baseline)" if group.baseline and key == "stabilizers" else ""))
               for key in LABEL_KEYS)]
    if comparison.has_settings:
        cells.append(Cell(group.settings or DASH))
    if has_marks(comparison):
        cells.append(Cell(learned_text(group)))
    cells += [Cell(str(group.n), numeric=True), Cell(str(group.diverged), numeric=True)]
    for name in comparison.metrics:
        summary = group.metrics[name]
        cells.append(Cell(metric_text(summary, group.n), best=summary.best, numeric=True))
    cells += [Cell(_range(group.budget_steps), numeric=True), Cell(_range(group.images_seen), numeric=True),
              Cell(_fixed(group.wall_time_s, 1), numeric=True), Cell(_fixed(group.img_per_s, 0), numeric=True)]
    cells += [Cell("baseline" if group.baseline else effect_text(group.metrics[name]), numeric=True)
              for name in tested_metrics(comparison)]
    return cells


def tested_metrics(comparison: Comparison) -> list[str]:
    """The metrics tested against the baseline: those with a declared direction."""
    if comparison.baseline is None:
        return []
    return [name for name in comparison.metrics if comparison.directions.get(name)]


def effect_text(summary: MetricSummary) -> str:
    """``+9.0 [+6.5, +11.5] p=0.012``: the difference to the baseline, its 95% CI, the adjusted p."""
    difference = summary.difference
    if difference is None:
        return DASH
    if math.isnan(difference.low):
        return f"{difference.value:+.4g} (no test: no variance)"
    text = f"{difference.value:+.3g} [{difference.low:+.3g}, {difference.high:+.3g}]"
    return text + (f" p={summary.p_adjusted:.2g}" if summary.p_adjusted is not None else "")


def metric_text(summary: MetricSummary, runs: int) -> str:
    """``2.00 ± 2.48``: the mean to the precision the interval supports; ``*`` when significant."""
    if not summary.n:
        return DASH
    if math.isnan(summary.ci):
        text = f"{summary.mean:.4g}"
    elif _needs_exponent(summary.mean, summary.ci):
        text = f"{summary.mean:.3g} ± {summary.ci:.2g}"
    else:
        decimals = decimals_for(summary.ci)
        text = f"{summary.mean:.{decimals}f} ± {summary.ci:.{decimals}f}"
    if summary.significant:
        text += " *"
    if summary.n != runs:
        text += f" (n={summary.n})"
    return text


def _needs_exponent(mean: float, ci: float) -> bool:
    return (0 < abs(mean) < 1e-3 and ci < 1e-3) or abs(mean) >= 1e6


def decimals_for(ci: float) -> int:
    """Three significant digits of the interval, and the mean to the same decimal place."""
    if ci <= 0 or not math.isfinite(ci):
        return 4
    return min(6, max(0, 2 - math.floor(math.log10(ci))))


def _range(values: list[int]) -> str:
    if not values:
        return DASH
    return str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}"


def _fixed(value: float | None, decimals: int) -> str:
    return DASH if value is None else f"{value:.{decimals}f}"


# Terminal ---------------------------------------------------------------------------------------------

def print_terminal(comparison: Comparison, console: Console | None = None) -> None:
    """The table, fitted to the console. Configuration columns that are the same in every row move
    to the title; when the metrics would need more than two tables side by side, the table turns
    over: one row per metric, one column per configuration."""
    console = console or Console()
    header, rows = table_cells(comparison)
    first_metric = [cell.text for cell in header].index("diverged") + 1
    constant = [index for index in range(1, first_metric - 2) if len({row[index].text for row in rows}) == 1]
    title = "ganbench compare"
    if constant:
        title += ": " + ", ".join(f"{header[index].text}={rows[0][index].text}" for index in constant)
    label_columns = [index for index in range(first_metric) if index not in constant]
    metric_columns = list(range(first_metric, first_metric + len(comparison.metrics)))
    tail_columns = list(range(first_metric + len(comparison.metrics), len(header)))
    chunks = _fit_columns(header, rows, label_columns, metric_columns, tail_columns, console.width)
    if len(chunks) > 2:
        figures = [index for index in label_columns if header[index].text in ("rank", "n", "diverged")]
        names = [index for index in label_columns if index not in figures]
        tables = _turned_tables(header, rows, names, figures + metric_columns + tail_columns, console.width)
    else:
        tables = [_table(header, rows, chunk, metric_columns) for chunk in chunks]
    for number, table in enumerate(tables, start=1):
        table.title = title + (f" ({number}/{len(tables)})" if len(tables) > 1 else "")
        table.title_justify = "left"
        console.print(table)
    for note in comparison.notes():
        console.print(Text(note, style="dim"))


def _table(header: list[Cell], rows: list[list[Cell]], columns: list[int], no_wrap: list[int]) -> Table:
    table = Table(show_header=True, header_style="bold")
    for index in columns:
        table.add_column(header[index].text, justify="right" if header[index].numeric else "left",
                         no_wrap=index in no_wrap)
    for row in rows:
        # Text objects, not markup: a name with brackets must print as it is.
        table.add_row(*(Text(row[index].text, style="bold green" if row[index].best else "") for index in columns))
    return table


def _turned_tables(header: list[Cell], rows: list[list[Cell]], name_columns: list[int], figures: list[int],
                   width: int) -> list[Table]:
    """One row per figure and one column per configuration, as many tables as the width needs."""
    names = [" ".join(row[index].text for index in name_columns) or "all runs" for row in rows]
    first_width = max(len(header[index].text) for index in figures) + 3
    widths = [max(len(name) // 2 + 1, *(len(row[index].text) for index in figures)) + 3
              for name, row in zip(names, rows)]
    groups: list[list[int]] = [[]]
    used = first_width
    for position, column_width in enumerate(widths):
        if groups[-1] and used + column_width > width:
            groups.append([])
            used = first_width
        groups[-1].append(position)
        used += column_width
    tables = []
    for members in groups:
        table = Table(show_header=True, header_style="bold")
        table.add_column("")
        for position in members:
            table.add_column(names[position], justify="right")
        for index in figures:
            table.add_row(Text(header[index].text, style="bold"),
                          *(Text(rows[p][index].text, style="bold green" if rows[p][index].best else "")
                            for p in members))
        tables.append(table)
    return tables


def _fit_columns(header: list[Cell], rows: list[list[Cell]], labels: list[int], metrics: list[int],
                 tail: list[int], width: int) -> list[list[int]]:
    """Column indices per table: the labels in each, then metrics while they fit, the tail in the last."""
    def needed(index: int) -> int:
        return max(len(cell.text) for cell in [header[index], *(row[index] for row in rows)]) + 3

    base = sum(needed(index) for index in labels) + 1
    chunks: list[list[int]] = []
    current: list[int] = []
    used = base
    for index in metrics + tail:
        if current and used + needed(index) > width:
            chunks.append(current)
            current, used = [], base
        current.append(index)
        used += needed(index)
    chunks.append(current)
    return [labels + chunk for chunk in chunks]


# Markdown ---------------------------------------------------------------------------------------------

def to_markdown(comparison: Comparison) -> str:
    header, rows = table_cells(comparison)
    lines = [_markdown_row(cell.text for cell in header),
             _markdown_row("---:" if cell.numeric else "---" for cell in header)]
    lines += [_markdown_row(f"**{cell.text}**" if cell.best else cell.text for cell in row) for row in rows]
    return "\n".join(lines) + "\n\n" + "\n".join(comparison.notes()) + "\n"


def _markdown_row(texts) -> str:
    return "| " + " | ".join(text.replace("|", "\\|") for text in texts) + " |"


# CSV --------------------------------------------------------------------------------------------------

def csv_header(comparison: Comparison) -> list[str]:
    columns = ["group", *LABEL_KEYS, "settings", "baseline", "learned", "n", "diverged", "seeds", "rank"]
    for name in comparison.metrics:
        columns += [f"{name}_{part}" for part in ("mean", "ci95", "std", "n", "rank", "best", "p_welch",
                                                   f"p_{comparison.correction}", "diff", "diff_ci95_low",
                                                   "diff_ci95_high")]
    return columns + ["budget_steps", "images_seen", "wall_time_s", "img_per_s"]


def to_csv(comparison: Comparison) -> str:
    """One row per configuration with full-precision numbers; p-values by Welch's t-test, raw and adjusted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(csv_header(comparison))
    for group in comparison.groups:
        row = [group.group, *(group.label[key] for key in LABEL_KEYS), group.settings, int(group.baseline),
               "" if group.learned is None else int(group.learned), group.n, group.diverged, " ".join(map(str, group.seeds)), _blank(group.rank)]
        for name in comparison.metrics:
            summary = group.metrics[name]
            row += [_blank(summary.mean), _blank(summary.ci), _blank(summary.std), summary.n, _blank(summary.rank),
                    int(summary.best), _blank(summary.p_value), _blank(summary.p_adjusted),
                    *_difference_columns(summary)]
        row += [" ".join(map(str, group.budget_steps)), " ".join(map(str, group.images_seen)),
                _blank(group.wall_time_s), _blank(group.img_per_s)]
        writer.writerow(row)
    return buffer.getvalue()


def _difference_columns(summary: MetricSummary) -> list[str]:
    difference = summary.difference
    if difference is None:
        return ["", "", ""]
    return [_blank(difference.value), _blank(difference.low), _blank(difference.high)]


def _blank(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return repr(value) if isinstance(value, float) else str(value)


# LaTeX ------------------------------------------------------------------------------------------------

LATEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "±": r"$\pm$", "↓": r"$\downarrow$", "↑": r"$\uparrow$", "—": "--", "–": "--"}


def latex_escape(text: str) -> str:
    return "".join(LATEX_SPECIALS.get(character, character) for character in text)


def to_latex(comparison: Comparison) -> str:
    """A table environment with a tabular and the notes as its caption (no package beyond LaTeX's own)."""
    header, rows = table_cells(comparison)
    spec = "".join("r" if cell.numeric else "l" for cell in header)
    lines = [r"\begin{table}[t]", r"\centering", rf"\begin{{tabular}}{{{spec}}}", r"\hline",
             " & ".join(latex_escape(cell.text) for cell in header) + r" \\", r"\hline"]
    for row in rows:
        lines.append(" & ".join(rf"\textbf{{{latex_escape(cell.text)}}}" if cell.best else latex_escape(cell.text)
                                for cell in row) + r" \\")
    lines += [r"\hline", r"\end{tabular}", rf"\caption{{{latex_escape(' '.join(comparison.notes()))}}}",
              r"\end{table}"]
    return "\n".join(lines) + "\n"
