"""The live progress bar: step, losses, img/s and ETA (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class ProgressReporter:
    """Shows training progress; losses change only at log intervals, when they are read."""

    def __init__(self, total: int, title: str, enabled: bool = True, console: Console | None = None) -> None:
        self.enabled = enabled
        self.progress = Progress(
            TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[losses]}"), TextColumn("{task.fields[speed]}"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=console or Console(stderr=True), disable=not enabled, transient=False)
        self.task = self.progress.add_task(title, total=total, losses="", speed="")

    def __enter__(self) -> "ProgressReporter":
        self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.__exit__(*exc)

    def advance_to(self, step: int) -> None:
        self.progress.update(self.task, completed=step)

    def report(self, step: int, row: dict[str, float], images_per_second: float) -> None:
        losses = f"D {row['d_loss_real'] + row['d_loss_fake']:.3f} G {row['g_loss']:.3f}"
        self.progress.update(self.task, completed=step, losses=losses, speed=f"{images_per_second:,.0f} img/s")
