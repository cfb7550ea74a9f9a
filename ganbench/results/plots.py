"""Pictures of runs: the loss and D-accuracy curves every GAN report used to draw by hand.

``write_run_curves`` draws ``curves.png`` in a run directory from its metrics.jsonl;
``plot_runs`` overlays several runs in one picture (TensorBoard events come from the
``tensorboard`` logger, ganbench.loggers.tensorboard). Figures are made with
matplotlib's object API on the Agg canvas (no pyplot, no display, safe in worker processes).
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any, Sequence

from ganbench.atomic import write_with
from ganbench.results.run_dir import RunDir

LOSSES = ("d_loss_real", "d_loss_fake", "g_loss")
ACCURACIES = ("d_acc_real", "d_acc_fake")
LINE_STYLES = {"d_loss_real": "-", "d_loss_fake": "--", "g_loss": ":", "d_acc_real": "-", "d_acc_fake": "--"}
CURVES_NAME = "curves.png"

Series = dict[str, list[tuple[int, float]]]  # scalar name -> (step, value) points


def read_series(rows: Sequence[dict[str, Any]]) -> Series:
    """metrics.jsonl rows -> one list of (step, value) per scalar; non-finite values are left out."""
    series: Series = {}
    for row in rows:
        for name, value in row.items():
            if name in ("step", "images") or not isinstance(value, (int, float)) or not math.isfinite(value):
                continue
            series.setdefault(name, []).append((int(row["step"]), float(value)))
    return series


def curves_figure(runs: Sequence[tuple[str, Series]], title: str = ""):
    """Losses (left) and D accuracy on real and fake (right); one colour per run when there are several."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.6), dpi=100, layout="constrained")
    loss_axes, accuracy_axes = figure.subplots(1, 2)
    colours = [f"C{index % 10}" for index in range(len(runs))]
    for (label, series), colour in zip(runs, colours):
        for axes, names in ((loss_axes, LOSSES), (accuracy_axes, ACCURACIES)):
            for name in names:
                if name not in series:
                    continue
                steps, values = zip(*series[name])
                line_label = name if len(runs) == 1 else f"{label}: {name}"
                axes.plot(steps, values, LINE_STYLES[name], color=None if len(runs) == 1 else colour,
                          label=line_label, linewidth=1.2)
    loss_axes.set(title="losses", xlabel="step", ylabel="loss")
    accuracy_axes.set(title="D accuracy (solid: real, dashed: fake)", xlabel="step", ylabel="accuracy",
                      ylim=(-0.02, 1.02))
    for axes in (loss_axes, accuracy_axes):
        if axes.lines:
            axes.legend(fontsize="x-small", loc="best")
        axes.grid(alpha=0.3)
    if title:
        figure.suptitle(title, fontsize="small")
    return figure


def metric_figure(name: str, lines: Sequence[tuple[str, list[tuple[int, float]]]], direction: str | None = None):
    """One evaluated metric against the training step, one line per configuration."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(5, 3.4), dpi=100, layout="constrained")
    axes = figure.subplots()
    for label, points in lines:
        if points:
            steps, values = zip(*sorted(points))
            axes.plot(steps, values, "o-", label=label, linewidth=1.2, markersize=3)
    better = {"lower": " (lower is better)", "higher": " (higher is better)"}.get(direction or "", "")
    axes.set(title=f"{name}{better}", xlabel="step", ylabel=name)
    axes.grid(alpha=0.3)
    if axes.lines:
        axes.legend(fontsize="x-small")
    return figure


def figure_png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def save_figure(figure, target: Path) -> None:
    write_with(Path(target), lambda path: figure.savefig(path, format="png"))


def write_run_curves(run_path: Path | str) -> Path:
    """Draw RUN/curves.png from RUN/metrics.jsonl."""
    folder = RunDir(run_path)
    target = folder.path / CURVES_NAME
    save_figure(curves_figure([(folder.path.name, read_series(folder.read_metrics()))], title=folder.path.name),
                target)
    return target


def plot_runs(run_paths: Sequence[Path | str], out: Path | str) -> Path:
    """Overlay the curves of several runs in one picture."""
    runs = [(Path(path).name, read_series(RunDir(path).read_metrics())) for path in run_paths]
    save_figure(curves_figure(runs), Path(out))
    return Path(out)


def evaluation_points(folder: RunDir) -> list[tuple[int, dict[str, float]]]:
    """(step, metrics) from evaluations.jsonl, then the final evaluation from result.json."""
    points = []
    if folder.evaluations.exists():
        for line in folder.evaluations.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                break  # a line cut by a crash ends the readable log
            points.append((int(row["step"]), _finite(row.get("metrics") or {})))
    result = folder.read_result()
    if result and result.metrics:
        points.append((int(result.steps), _finite(result.metrics)))
    return points


def _finite(metrics: dict[str, Any]) -> dict[str, float]:
    return {name: float(value) for name, value in metrics.items()
            if isinstance(value, (int, float)) and math.isfinite(value)}
