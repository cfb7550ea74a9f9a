"""``ganbench plot``: the loss and D-accuracy curves of several runs in one picture."""

from __future__ import annotations

from pathlib import Path

import click


def register(cli: click.Group) -> None:
    @cli.command()
    @click.argument("runs", nargs=-1, required=True, type=click.Path(file_okay=False))
    @click.option("--out", default="curves-overlay.png", show_default=True, type=click.Path(dir_okay=False),
                  help="The PNG file to write.")
    def plot(runs: tuple[str, ...], out: str) -> None:
        """Overlay the curves of RUN directories (each run directory also has its own curves.png)."""
        from ganbench.errors import CheckpointError
        from ganbench.results.plots import plot_runs

        for run in runs:
            if not (Path(run) / "metrics.jsonl").is_file():
                raise CheckpointError(f"{run} is not a ganbench run directory with a log (no metrics.jsonl).")
        click.echo(f"wrote {plot_runs(runs, out)}")
