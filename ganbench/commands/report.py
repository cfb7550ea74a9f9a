"""``ganbench report``: a results folder as a static site (ganbench.results.site)."""

from __future__ import annotations

import os
from pathlib import Path

import click


def register(cli: click.Group) -> None:
    from ganbench.results.significance import CORRECTIONS

    @cli.command()
    @click.argument("results_dir", required=False, type=click.Path(file_okay=False))
    @click.option("--out", default="site", show_default=True, type=click.Path(file_okay=False),
                  help="The folder to write the site into (index.html, configs/, runs/).")
    @click.option("--metric", "metrics", multiple=True, metavar="NAME", help="Metric to show, repeatable.")
    @click.option("--where", multiple=True, metavar="KEY=VALUE", help="Keep matching runs, as compare does.")
    @click.option("--sort", default=None, metavar="METRIC", help="Rank and sort by this metric.")
    @click.option("--baseline", default=None, metavar="KEY=VALUE,...", help="The row to test against, as compare.")
    @click.option("--correction", type=click.Choice(CORRECTIONS), default="holm", show_default=True)
    def report(results_dir: str | None, out: str, metrics: tuple[str, ...], where: tuple[str, ...],
               sort: str | None, baseline: str | None, correction: str) -> None:
        """Write RESULTS_DIR (default: runs) as a static site: the compare table, a page per configuration
        (every seed's samples side by side, curves overlaid) and per run. Open OUT/index.html; no server."""
        from ganbench.results.migrate import migrate_and_tell
        from ganbench.results.site import write_site

        folder = Path(results_dir or os.environ.get("GANBENCH_RESULTS", "runs"))
        if folder.is_dir():
            migrate_and_tell(folder, lambda sentence: click.echo(sentence, err=True))
        index = write_site(folder, Path(out), metrics, where, sort, baseline, correction,
                           tell_skipped=lambda path, reason: click.echo(f"Warning: skipped {path.name}: {reason}",
                                                                         err=True))
        click.echo(f"wrote {index}")
