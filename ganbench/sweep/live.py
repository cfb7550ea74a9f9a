"""The live table of a sweep: each run queued, running (step, img/s), done (headline metric),
diverged or failed (with its sentence).

The board reads a running run's progress from its metrics.jsonl, which the training loop appends
at every log interval, so it works the same for runs in this process and in worker processes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import threading
import time
from pathlib import Path
from typing import Any, Iterator, Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live
from rich.table import Table
from rich.text import Text

from ganbench.config import RunConfig
from ganbench.contracts.run_result import RunResult
from ganbench.sweep.executors import DIVERGED, FINISHED, FAILED, INTERRUPTED, QUEUED, RUNNING, RunUpdate, run_path

STATE_STYLES = {QUEUED: "dim", RUNNING: "cyan", FINISHED: "green", DIVERGED: "yellow", FAILED: "red",
                INTERRUPTED: "magenta"}
DISPLAY_ORDER = (RUNNING, FAILED, DIVERGED, FINISHED, INTERRUPTED, QUEUED)  # what a cropped table keeps first
TAIL_BYTES = 8192


@dataclasses.dataclass
class BoardRow:
    run_id: str
    path: Path
    total_steps: int
    state: str = QUEUED
    message: str = ""
    result: RunResult | None = None
    skipped: bool = False
    resumed_from: int = 0
    step: int = 0
    speed: float | None = None  # images per second, measured while the board watched
    first_seen: tuple[float, int] | None = None  # (time, images) when the board first saw progress


class SweepBoard:
    """The state of every run of a sweep; ``update`` is the executors' ``on_update``."""

    def __init__(self, configs: Sequence[RunConfig]) -> None:
        self.rows = {config.run_id: BoardRow(config.run_id, Path(run_path(config)), config.steps) for config in configs}
        self.lock = threading.Lock()  # updates come from the executor, renders from rich's refresh thread

    def update(self, update: RunUpdate) -> None:
        with self.lock:
            row = self.rows[update.run_id]
            row.state, row.message = update.state, update.message
            row.result, row.skipped, row.resumed_from = update.result, update.skipped, update.resumed_from
            if update.result:
                row.step = int(update.result.steps)
                row.speed = update.result.img_per_s or row.speed
            elif update.state == INTERRUPTED:
                read_progress(row)  # the step it stopped at

    def counts(self) -> dict[str, int]:
        with self.lock:
            states = [row.state for row in self.rows.values()]
        return {state: states.count(state) for state in STATE_STYLES if state in states}

    def table(self, max_rows: int | None = None) -> Table:
        with self.lock:
            rows = list(self.rows.values())
            for row in rows:
                if row.state == RUNNING:
                    read_progress(row)
            shown = rows if max_rows is None or len(rows) <= max_rows else _crop(rows, max_rows)
            table = Table(show_header=True, header_style="bold", title=self.title(rows), title_justify="left")
            for column, justify in (("run", "left"), ("state", "left"), ("step", "right"), ("img/s", "right"),
                                    ("result", "left")):
                table.add_column(column, justify=justify, overflow="fold")
            for row in shown:
                table.add_row(Text(row.run_id), Text(row.state, style=STATE_STYLES[row.state]),
                              f"{row.step}/{row.total_steps}", _speed(row.speed), Text(describe(row)))
        return table

    @staticmethod
    def title(rows: Sequence[BoardRow]) -> str:
        states = [row.state for row in rows]
        parts = [f"{states.count(state)} {state}" for state in STATE_STYLES if state in states]
        return f"sweep: {len(rows)} runs — " + ", ".join(parts)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(max_rows=max(5, console.size.height - 6))

    @contextlib.contextmanager
    def live(self, console: Console) -> Iterator[None]:
        """Redraw the table twice a second while the sweep runs; print it whole at the end."""
        try:
            with Live(self, console=console, refresh_per_second=2, transient=True, redirect_stdout=False,
                      redirect_stderr=False):
                yield
        finally:
            console.print(self.table())  # also after a stop: it shows which runs were interrupted


def _crop(rows: list[BoardRow], max_rows: int) -> list[BoardRow]:
    ordered = sorted(rows, key=lambda row: DISPLAY_ORDER.index(row.state))
    return ordered[:max_rows]


def read_progress(row: BoardRow) -> None:
    """The step and images of the last line of metrics.jsonl; img/s over the time the board watched."""
    last = last_log_line(row.path / "metrics.jsonl")
    if last is None:
        return
    row.step = int(last.get("step", row.step))
    images = int(last.get("images", 0))
    now = time.monotonic()
    if row.first_seen is None:
        row.first_seen = (now, images)
    elif images > row.first_seen[1] and now > row.first_seen[0]:
        row.speed = (images - row.first_seen[1]) / (now - row.first_seen[0])


def last_log_line(path: Path) -> dict[str, Any] | None:
    """The last complete JSON line of a log, reading only its tail."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - TAIL_BYTES))
            lines = handle.read().decode("utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            return json.loads(line)
        except json.JSONDecodeError:
            continue  # a line being written, or cut by the tail's start
    return None


def describe(row: BoardRow) -> str:
    """The result column: headline metric, divergence step, or the failure's sentence."""
    if row.state in (FAILED, INTERRUPTED):
        return row.message
    if row.state == RUNNING:
        return f"resumed from step {row.resumed_from}" if row.resumed_from else ""
    if row.result is None:
        return ""
    note = " (already finished)" if row.skipped else (f" (resumed from step {row.resumed_from})"
                                                       if row.resumed_from else "")
    if row.state == DIVERGED:
        return f"diverged at step {row.result.diverged_at}{note}"
    return headline(row.result) + note


def headline(result: RunResult) -> str:
    """The first evaluated metric, or the last generator loss when no evaluator ran."""
    for name, value in result.metrics.items():
        if isinstance(value, (int, float)) and math.isfinite(value):
            return f"{name}={value:.4g}"
    final = result.final
    if isinstance(final.get("g_loss"), (int, float)):
        return f"g_loss={final['g_loss']:.4g}"
    return "finished"


def _speed(speed: float | None) -> str:
    return "" if speed is None else f"{speed:.0f}"


def sweep_summary(updates: Sequence[RunUpdate]) -> list[str]:
    """What the sweep did, and the budget every run got."""
    finished = [update for update in updates if update.state in (FINISHED, DIVERGED)]
    trained = [update for update in finished if not update.skipped]
    resumed = sum(1 for update in trained if update.resumed_from)
    counts = {state: sum(update.state == state for update in updates) for state in (DIVERGED, FAILED)}
    lines = [f"{len(updates)} runs: {len(trained)} trained ({resumed} resumed from a checkpoint), "
             f"{len(finished) - len(trained)} already finished, {counts[DIVERGED]} diverged, {counts[FAILED]} failed."]
    budgets = {(update.result.budget["steps"], update.result.budget["images"])
               for update in finished if update.result and update.result.budget}
    if len(budgets) == 1:
        steps, images = budgets.pop()
        lines.append(f"Budget of every run: {steps} steps, {images} images.")
    elif budgets:
        described = ", ".join(f"{steps} steps / {images} images" for steps, images in sorted(budgets))
        lines.append(f"Budgets differ between runs: {described} (n_critic multiplies the images).")
    return lines
